"""`reml-run lint` judges imports against the workspace's modules (real `reml-run` processes,
real SQLite cache): a member module B does not declare is reported in its importer; fixing B
re-lints the importer on a warm run (and nothing else); the output is the same whatever the
job count or cache state."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_workspaces import write_workspace
from reml_lsp.cache.store import FILE_NAME

UTIL = "module ws.util\n\npub fn helper(x: Int) -> Int { x }\n"
SOURCES = {
    "ws/util.reml": UTIL,
    "app/main.reml": "module app.main\n\nuse ws.util.{helpr}\nuse ws.util\n\n"
                     "pub fn run() -> Int { helpr(1) + util.helper(2) + util.helpe(3) }\n",
    "app/other.reml": "module app.other\n\nuse Core.Parse.{Lex}\nuse far.away.{thing}\n\n"
                      "pub fn one() -> Int { thing(Lex) }\n",
}


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    return write_workspace(tmp_path / "ws", SOURCES)


def lint(root: Path, cache: Path, *args: str, target: str = ".") -> dict:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "LANG": "C.UTF-8",
           "REML_METRICS_FILE": str(cache.parent / "metrics.jsonl")}
    for name in ("REML_CACHE_DIR", "REML_LOCALE"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", target,
                           "--format", "json", *args], cwd=root, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300)
    assert proc.returncode in (0, 1, 2), proc.stderr
    doc = json.loads(proc.stdout)
    for d in doc["diagnostics"]:  # the run's own timestamps
        for key in [k for k in d if "timestamp" in k]:
            del d[key]
        for meta in (d["audit_metadata"], d["audit"]["metadata"]):
            meta.pop("audit.timestamp", None)
    return doc


def members(doc: dict) -> list[tuple[str, int, str, list[str]]]:
    return [(d["location"]["file"], d["location"]["line"], d["message"],
             [f["text"] for f in d["fixits"]])
            for d in doc["diagnostics"] if d["message_key"] == "name.unresolved.member"]


def lint_keys(cache: Path) -> set[str]:
    db = sqlite3.connect(cache / "reml-lsp" / "analysis" / FILE_NAME)
    try:
        return {k for (k,) in db.execute("SELECT key FROM entries WHERE kind = 'lint'")}
    finally:
        db.close()


def test_members_follow_the_imported_module_cold_warm_and_fixed(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    cold = lint(ws, cache)
    assert members(cold) == [
        ("app/main.reml", 3, "module `ws.util` has no member `helpr`", ["helper"]),
        ("app/main.reml", 6, "module `ws.util` has no member `helpe`", ["helper"]),
    ]
    assert cold["exit_code"]["value"] == 1
    keys = lint_keys(cache)
    assert len(keys) == 3
    for args in (["--jobs", "1"], ["--jobs", "2"], ["--no-cache", "--jobs", "1"],
                 ["--no-cache", "--jobs", "2"]):
        assert lint(ws, cache, *args) == cold, args
    assert lint_keys(cache) == keys  # an unchanged workspace: every file a cache hit
    # One file alone: its workspace (reml.toml) is still indexed.
    alone = lint(ws, cache, target="app/main.reml")
    assert members(alone) == members(cold)

    (ws / "ws/util.reml").write_text(
        UTIL + "\npub fn helpr(x: Int) -> Int { x }\npub fn helpe(x: Int) -> Int { x }\n",
        encoding="utf-8")
    fixed = lint(ws, cache)
    assert members(fixed) == []
    new = lint_keys(cache) - keys
    assert len(new) == 2  # the changed module and its importer; app/other.reml stays a hit
    for args in (["--jobs", "1"], ["--no-cache", "--jobs", "2"]):
        assert lint(ws, cache, *args) == fixed, args
    assert len(lint_keys(cache) - keys) == 2


def test_a_module_the_workspace_does_not_have_is_never_judged(ws: Path, tmp_path: Path):
    (ws / "ws/util.reml").unlink()
    doc = lint(ws, tmp_path / "cache", "--jobs", "1")
    assert members(doc) == []
    assert not any(d["location"]["file"] == "app/other.reml" for d in doc["diagnostics"]
                   if d["code"] == "name.unresolved")


def test_one_file_linted_alone_reports_what_the_folder_run_reports(ws: Path, tmp_path: Path):
    # Padding: the lone file is a small part of the workspace, so lint takes the narrow path
    # (only what its imports ask about is indexed: lint_exports._narrowed).
    for k in range(12):
        (ws / "pad" / f"p{k}.reml").parent.mkdir(parents=True, exist_ok=True)
        (ws / "pad" / f"p{k}.reml").write_text(f"module pad.p{k}\npub fn f{k}() -> Int {{ {k} }}\n",
                                               encoding="utf-8")
    whole = lint(ws, tmp_path / "c1")
    for rel in SOURCES:
        alone = lint(ws, tmp_path / "c2", target=rel)
        assert alone["diagnostics"] == [d for d in whole["diagnostics"]
                                        if d["location"]["file"] == rel], rel
    assert members(whole)  # the fixture has cross-module findings to compare


def test_a_domain_without_names_does_not_index_the_workspace(ws: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    rel = next(iter(SOURCES))
    lint(ws, cache, "--domain", "parser", target=rel)
    db = sqlite3.connect(cache / "reml-lsp" / "analysis" / FILE_NAME)
    try:
        kinds = {k for (k,) in db.execute("SELECT DISTINCT kind FROM entries")}
    finally:
        db.close()
    assert "lint" in kinds and "index" not in kinds and "module-path" not in kinds
    lint(ws, cache, target=rel)  # the names domain (all domains) does index
    db = sqlite3.connect(cache / "reml-lsp" / "analysis" / FILE_NAME)
    try:
        kinds = {k for (k,) in db.execute("SELECT DISTINCT kind FROM entries")}
    finally:
        db.close()
    assert "index" in kinds
