"""`reml-run lint --jobs/--no-cache` and the persistent cache, with real `reml-run` processes and
a real SQLite file: the same output whatever the job count or cache state, two processes
sharing the cache, a corrupt cache rebuilt, the cache outside the workspace."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_workspaces import write_workspace
from reml_lsp.cache.store import FILE_NAME, CacheStore, clear_cache

SOURCES = {
    "ok.reml": "module demo.ok\n\npub fn one() -> Int { 1 }\n",
    "bad.reml": "fn broken( -> Int {\n  let x = \n}\n",
    "sub/wide.reml": "// 日本語 ✓\nfn f(x: Int) -> Int {\n  let y = add(x, 1\n  y\n}\n",
    "sub/deeper/three.reml": "type T = | A | B\nfn g() -> Int { match 1 with | 1 -> 2 }\n",
}


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    return write_workspace(tmp_path / "ws", SOURCES)


def run_lint(root: Path, cache: Path, *args: str, fmt: str = "json"
             ) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "LANG": "C.UTF-8",
           "REML_METRICS_FILE": str(cache.parent / "metrics.jsonl")}
    env.pop("REML_CACHE_DIR", None)
    env.pop("REML_LOCALE", None)
    return subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", str(root),
                           "--format", fmt, *args], env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)


def normalised(proc: subprocess.CompletedProcess) -> str:
    """The JSON document without the run's own timestamps."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if "timestamp" not in k}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node
    return json.dumps(strip(json.loads(proc.stdout)), sort_keys=True)


def db_path(cache: Path) -> Path:
    return cache / "reml-lsp" / "analysis" / FILE_NAME


def test_same_output_whatever_jobs_and_cache(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    base = run_lint(ws, cache, "--jobs", "1", "--no-cache")
    assert base.returncode == 1 and not db_path(cache).exists()  # --no-cache writes nothing
    runs = [run_lint(ws, cache, "--jobs", "2", "--no-cache"),
            run_lint(ws, cache),  # fills the cache
            run_lint(ws, cache, "--jobs", "1"),  # reads it in-process
            run_lint(ws, cache, "--jobs", "3")]
    assert db_path(cache).exists()
    for proc in runs:
        assert proc.returncode == base.returncode
        assert normalised(proc) == normalised(base)
    text_cold = run_lint(ws, cache, "--no-cache", fmt="text")
    text_warm = run_lint(ws, cache, fmt="text")
    assert text_warm.stdout == text_cold.stdout and "fn broken( -> Int {" in text_warm.stdout
    assert not any(p.name != "reml.toml" and not p.suffix == ".reml" and p.is_file()
                   for p in ws.rglob("*"))  # nothing written into the workspace


def test_cache_hits_are_keyed_by_content(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    run_lint(ws, cache)
    rows = sqlite3.connect(db_path(cache)).execute(
        "SELECT count(*) FROM entries WHERE kind = 'lint'").fetchone()[0]
    assert rows == len(SOURCES)
    (ws / "ok.reml").write_text("fn oops( -> Int { 1 }\n", encoding="utf-8")
    changed = run_lint(ws, cache)
    fresh = run_lint(ws, cache, "--no-cache")
    assert normalised(changed) == normalised(fresh)
    assert any(d["location"]["file"].endswith("ok.reml")
               for d in json.loads(changed.stdout)["diagnostics"])


def test_two_lint_processes_share_the_cache(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    for i in range(12):
        (ws / f"more{i}.reml").write_text(f"fn f{i}(x: Int) -> Int {{ x + {i} }}\n"
                                          f"fn g{i}( -> {{\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache),
           "REML_METRICS_FILE": str(tmp_path / "m.jsonl")}
    env.pop("REML_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "reml_lsp.cli.main", "lint", str(ws), "--format", "json"]
    procs = [subprocess.Popen([*cmd, "--jobs", str(j)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for j in (1, 2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 1 for p in procs), [o[1] for o in outs]
    reference = normalised(run_lint(ws, cache, "--no-cache"))
    for out, _ in outs:
        assert normalised(subprocess.CompletedProcess([], 1, out, "")) == reference
    assert normalised(run_lint(ws, cache)) == reference
    assert not list(db_path(cache).parent.glob("*.corrupt-*"))


def test_corrupt_cache_is_rebuilt(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    reference = normalised(run_lint(ws, cache, "--no-cache"))
    path = db_path(cache)
    path.parent.mkdir(parents=True, exist_ok=True)  # (the grammar table cache may be there)
    path.write_bytes(b"this is not a database" * 100)
    proc = run_lint(ws, cache)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert normalised(proc) == reference
    assert list(path.parent.glob(FILE_NAME + ".corrupt-*"))  # moved aside, not deleted
    assert sqlite3.connect(path).execute("SELECT count(*) FROM entries").fetchone()[0] > 0
    assert normalised(run_lint(ws, cache)) == reference


def test_damaged_rows_are_misses(tmp_path: Path):
    store = CacheStore(tmp_path / FILE_NAME)
    store.put("lint", "k", {"d": [], "l": []})
    store.close()
    db = sqlite3.connect(tmp_path / FILE_NAME)
    db.execute("UPDATE entries SET value = x'00ff'")
    db.commit()
    db.close()
    assert CacheStore(tmp_path / FILE_NAME).get("lint", "k") is None
    assert [p.name for p in clear_cache(tmp_path)][:1] == [FILE_NAME]


def test_jobs_must_be_positive(ws: Path, tmp_path: Path):
    proc = run_lint(ws, tmp_path / "cache", "--jobs", "0")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr


def test_cache_dir_and_clear(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache),
           "REML_METRICS_FILE": str(tmp_path / "m.jsonl")}
    env.pop("REML_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "reml_lsp.cli.main", "cache"]
    where = json.loads(subprocess.run([*cmd, "dir", "--format", "json"], env=env,
                                      capture_output=True, text=True, check=True).stdout)
    assert where["dir"] == str(cache / "reml-lsp" / "analysis")
    run_lint(ws, cache)
    assert db_path(cache).exists()
    cleared = json.loads(subprocess.run([*cmd, "clear", "--format", "json"], env=env,
                                        capture_output=True, text=True, check=True).stdout)
    assert str(db_path(cache)) in cleared["removed"] and not db_path(cache).exists()


def test_a_lock_held_by_another_process_is_not_damage(tmp_path: Path, monkeypatch):
    """Two processes opening a new cache at once: one switching it to WAL makes the other's
    switch fail with "database is locked" (it does not wait in the busy handler). That is a
    lock, not a damaged file: the database stays, nothing is moved aside (seen in 2 runs of 12
    of two concurrent `lint`s before)."""
    first = CacheStore(tmp_path / FILE_NAME)
    first.put("lint", "k", {"d": [1]})
    first.close()
    failures = {"left": 2}

    class Locked(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.startswith("PRAGMA journal_mode") and failures["left"]:
                failures["left"] -= 1
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: connect(*a, factory=Locked, **k))
    assert CacheStore(tmp_path / FILE_NAME).get("lint", "k") == {"d": [1]}
    assert failures["left"] == 0 and not list(tmp_path.glob("*.corrupt-*"))


def test_clear_removes_the_parser_tables_too(tmp_path: Path):
    (tmp_path / "reml-lark-0123456789abcdef.lark-cache").write_bytes(b"tables")
    (tmp_path / "someone-elses.txt").write_text("kept", encoding="utf-8")
    CacheStore(tmp_path / FILE_NAME).put("lint", "k", {"d": []})
    removed = {p.name for p in clear_cache(tmp_path)}
    assert FILE_NAME in removed and "reml-lark-0123456789abcdef.lark-cache" in removed
    assert (tmp_path / "someone-elses.txt").exists()
