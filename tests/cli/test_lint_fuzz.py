"""Fuzz `reml-run lint --format json` in-process (bounded to a few seconds): random bytes and
byte-level mutations of the fixtures never raise, always print JSON that decodes as strict
UTF-8, and never more than the cap plus its summary. stdout is a UTF-8 stream that lets a lone
surrogate through as raw bytes (``surrogateescape``, what a POSIX-locale stdout does), so any
unescaped invalid byte would show up as invalid UTF-8 here."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.cli.main import run

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = [p.read_bytes() for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))]
CAP = 7
FLOODS = [b"\xff", b"\x00", b"'", b'"', b"(", b"[", b"{", b"\\u{", b"/*", b"\xf0\x9f\x98",
          "😀".encode(), "e\u0301".encode(), b"\xe3\x81", b"\r\n", b" + 1", b"\xa7"]


def _mutate(data: bytes, ops: list[tuple[int, int, int, bytes]]) -> bytes:
    for kind, where, length, piece in ops:
        pos = where % (len(data) + 1)
        if kind == 0:  # insert a piece, repeated
            data = data[:pos] + piece * (length + 1) + data[pos:]
        elif kind == 1:  # delete a range
            data = data[:pos] + data[pos + length:]
        elif kind == 2:  # overwrite a byte
            data = data[:pos] + bytes([length % 256]) + data[pos + 1:]
        else:  # truncate
            data = data[:pos]
    return data


def _lint(tmp: Path, data: bytes, monkeypatch) -> bytes:
    path = tmp / "fuzz.reml"
    path.write_bytes(data)
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="utf-8", errors="surrogateescape", newline="\n")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    rc = run(["lint", "--format", "json", "--no-cache", "--jobs", "1",
              "--max-diagnostics", str(CAP), str(path)])
    out.flush()
    assert rc in (0, 1, 2), rc
    return buf.getvalue()


def _check(raw: bytes) -> None:
    doc = json.loads(raw.decode("utf-8"))  # strict UTF-8, one JSON document
    assert doc["command"] == "lint" and doc["status"] in ("ok", "failed"), doc
    diags = doc["diagnostics"]
    assert len(diags) <= CAP + 1
    if len(diags) == CAP + 1:
        assert diags[-1]["code"] == "diagnostics.truncated"
    for d in diags:
        assert d["code"] != "cli.internal"
        assert 0 <= d["span"]["start"] <= d["span"]["end"]


fuzz = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])


@fuzz
@given(st.binary(max_size=2000))
def test_random_bytes(tmp_path, monkeypatch, data: bytes):
    _check(_lint(tmp_path, data, monkeypatch))


@fuzz
@given(st.sampled_from(FIXTURES),
       st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10**6), st.integers(0, 300),
                          st.one_of(st.sampled_from(FLOODS), st.binary(min_size=1, max_size=4))),
                min_size=1, max_size=5))
def test_mutated_fixtures(tmp_path, monkeypatch, source: bytes, ops):
    _check(_lint(tmp_path, _mutate(source, ops), monkeypatch))
