"""`examples/` (scripts/main.sh's default folder) is meant to lint clean, in every domain: a
finding there is either a regression of the linter or an example to fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lint(*args: str) -> tuple[int, dict]:
    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--format", "json",
                           *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return proc.returncode, json.loads(proc.stdout)


def test_examples_lint_clean():
    rc, doc = lint("examples")
    assert (rc, doc["diagnostics"]) == (0, [])
    assert len(doc["summary"]["inputs"]) >= 2
    rc, doc = lint("--domain", "config", "examples/hello/reml.toml")
    assert (rc, doc["diagnostics"]) == (0, [])
