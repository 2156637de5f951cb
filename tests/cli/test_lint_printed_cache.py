"""`reml-run lint --format json` prints each diagnostic where it is analysed (in a worker) and
caches the printed text: the bytes on stdout must be the same as printing the whole document at
once, whatever the job count or cache state (real `reml-run` processes, real SQLite)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from reml_lsp.analysis.lint_batch import (
    LintResult,
    _cache_value,
    _from_cache,
    _pieces,
    _printed_bytes,
)
from reml_lsp.cache.store import CacheStore
from reml_lsp.cli.lint_jobs import v2_text
from reml_lsp.diagnostics.model import Diagnostic, Location, Severity, Span
from reml_lsp.diagnostics.serialize import to_json

SOURCES = {
    "a.reml": "module demo.a\n\npub fn one() -> Int { let unused = 1\n 1 }\n",
    "b.reml": "fn broken( -> Int {\n  let x = \n}\n",
    "wide.reml": "// 日本語 😀 ✓\nfn f(x: Int) -> Int {\n  let y = add(x, \"héllo\"\n  y\n}\n",
}
STAMP = re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"')


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    for rel, text in SOURCES.items():
        (root / rel).write_text(text, encoding="utf-8")
    (root / "bytes.reml").write_bytes(b"fn g() -> Int { \xff\xfe 1 }\n")  # invalid UTF-8
    (root / "reml.toml").write_text("", encoding="utf-8")
    return root


def lint(root: Path, cache: Path, *args: str, fmt: str = "json") -> bytes:
    env = {**os.environ, "REML_CACHE_DIR": str(cache), "LANG": "C.UTF-8",
           "REML_METRICS_FILE": str(cache.parent / "metrics.jsonl")}
    env.pop("REML_LOCALE", None)
    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", str(root),
                           "--format", fmt, *args], env=env, capture_output=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    return STAMP.sub(b'"T"', proc.stdout)  # the run's own timestamp


def test_json_bytes_identical_whatever_jobs_and_cache(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    base = lint(ws, cache, "--jobs", "1", "--no-cache")
    assert all(f"{name}\"".encode() in base for name in SOURCES)  # diagnostics for each file
    base.decode("utf-8")
    lint(ws, cache, "--jobs", "1", fmt="text")  # rows without printed text: json misses them
    runs = [lint(ws, cache, "--jobs", "2"),  # re-analysed in workers, printed there, cached
            lint(ws, cache, "--jobs", "1"),  # warm: the printed text from the cache
            lint(ws, cache, "--jobs", "2", "--no-cache")]
    assert all(run == base for run in runs)
    assert lint(ws, cache, fmt="text") == lint(ws, cache, "--no-cache", fmt="text")


def _diagnostic(file: str, message: str) -> Diagnostic:
    return Diagnostic(code="x.y", severity=Severity.WARNING, message=message, message_key="x.y",
                      locale="en-US", domain="names", span=Span(0, 1),
                      location=Location(file, 1, 1, 1, 2))


def test_printed_rows_round_trip_and_damaged_rows_miss(tmp_path: Path):
    d = _diagnostic("a.reml", "mentions a \"timestamp\" in its text, and 日本語")
    raw = ([to_json(d)], {0: "x"}, [_pieces(v2_text, d)])
    render_id = f"{v2_text.__module__}.{v2_text.__qualname__}"
    store = CacheStore(tmp_path / "c.sqlite")  # through the real store: raw bytes round trip
    store.put_many("lint", [("k", _cache_value(raw, render_id))])
    store.put_many("lint-printed", [("k", _printed_bytes(raw[2]))])
    value, blob = store.get("lint", "k"), store.get("lint-printed", "k")
    store.close()
    hit = _from_cache("a.reml", value, render_id, blob)
    assert hit is not None and hit.raw is None  # the objects are not built for printing
    (r,) = hit.reported()
    assert (r.severity, r.domain, r.file) == (Severity.WARNING, "names", "a.reml")
    assert r.text(v2_text, "NOW") == v2_text(d, "NOW")
    assert hit.diagnostics == [d]  # built on demand from the cached JSON shape
    assert _from_cache("a.reml", value, None).diagnostics == [d]
    assert _from_cache("a.reml", value, "other.render", blob) is None  # printed by another
    assert _from_cache("a.reml", value, render_id, None) is None  # no printed row
    assert _from_cache("a.reml", value, render_id, blob + b"\0extra") is None  # count differs
    assert _from_cache("a.reml", {**value, "s": [["bogus", "n", "f", None]]}, render_id,
                       blob) is None
    assert _from_cache("a.reml", {**value, "d": "[1, 2"}, None) is None
    empty = _cache_value(([], {}, []), render_id)
    assert _from_cache("e.reml", empty, render_id, _printed_bytes([])).reported() == []
    fresh = LintResult("a.reml", [d], {})
    assert [x.severity for x in fresh.reported()] == [Severity.WARNING]
