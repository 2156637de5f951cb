"""`reml-run lint` shows a progress bar on stderr when stderr is a terminal (also while a cold
run indexes the workspace), and nothing extra on a pipe; stdout stays one JSON document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_terminal import run_on_terminal


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for i in range(24):
        path = root / "src" / f"m{i}.reml"
        path.parent.mkdir(parents=True, exist_ok=True)
        nxt = (i + 1) % 24
        path.write_text(f"module ws.m{i}\nuse ws.m{nxt}.{{f{nxt}}}\n"
                        f"pub fn f{i}(x: Int) -> Int {{ f{nxt}(x) + {i} }}\n", encoding="utf-8")
    (root / "reml.toml").write_text("", encoding="utf-8")
    return root


def run(root: Path, cache: Path, *, terminal: bool) -> tuple[int, str, str]:
    env = {**os.environ, "REML_CACHE_DIR": str(cache), "REML_PROGRESS_DELAY_S": "0",
           "COLUMNS": "100"}
    argv = [sys.executable, "-m", "reml_lsp.cli.main", "lint", ".", "--jobs", "1", "--format",
            "json"]
    if not terminal:
        proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    return run_on_terminal(argv[3:], root, env)


def test_a_bar_on_a_terminal_and_nothing_on_a_pipe(folder: Path, tmp_path: Path):
    rc, out, terminal = run(folder, tmp_path / "c1", terminal=True)
    assert rc == 0, terminal
    assert json.loads(out)["diagnostics"] == []  # stdout: the JSON document alone
    assert "linting" in terminal and "/24" in terminal
    rc, out, err = run(folder, tmp_path / "c2", terminal=False)
    assert rc == 0 and err == "" and json.loads(out)["diagnostics"] == []
