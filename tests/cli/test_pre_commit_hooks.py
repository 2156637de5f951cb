"""The hooks of ``.pre-commit-hooks.yaml`` run by the real ``pre-commit`` (``try-repo``) on a
temporary git repository holding a broken and a clean file.

pre-commit builds the hook's virtualenv with ``pip install`` of this repository (about a minute
the first time); environments are cached under ``~/.cache/reml-lsp/pre-commit`` (keyed by
commit), so a rerun on the same commit is quick.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
GIT = shutil.which("git")
# the user's tool cache, not the session's private XDG folders (tests/conftest.py)
CACHE = Path(os.environ.get("REML_TEST_TOOL_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "reml-lsp"
             ) / "pre-commit"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(GIT is None or not Path(PRE_COMMIT).exists(),
                       reason="needs git and pre-commit (test extra)"),
]


def sections(output: str) -> dict[str, str]:
    """pre-commit's output split per hook: ``name....Passed|Failed`` starts a section."""
    found: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        m = re.match(r"^(.+?)\.{3,}(Passed|Failed|Skipped)", line)
        if m:
            current = m[1].strip()
            found[current] = m[2] + "\n"
        elif current:
            found[current] += line + "\n"
    return found


def test_hooks_fail_on_the_broken_files_only(tmp_path: Path):
    repo = tmp_path / "project"
    (repo / "good").mkdir(parents=True)
    git = [GIT, "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    (repo / "bad.reml").write_text("fn main() -> Int {\n  (1 + 2\n}\n")
    (repo / "ok.reml").write_text("fn main() -> Int = 1\n")
    (repo / "notes.txt").write_text("not Reml (\n")
    (repo / "reml.toml").write_text("[project\nname = \"x\"\n")
    (repo / "good" / "reml.toml").write_text('[project]\nname = "x"\n')
    subprocess.run([*git, "add", "."], check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(CACHE), "NO_COLOR": "1"}
    env.pop("REML_AUDIT_DB", None)
    hook_repo = os.environ.get("REML_HOOK_REPO", str(ROOT))  # a clean clone, when testing one
    run = subprocess.run([PRE_COMMIT, "try-repo", hook_repo, "--all-files"],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    found = sections(out)
    lint, config = found["reml lint"], found["reml config lint"]
    assert lint.startswith("Failed"), out
    assert re.search(r"^bad\.reml:3:1: error\[parser\.", lint, re.M), lint
    assert "ok.reml:" not in lint and "notes.txt" not in lint and "reml.toml" not in lint
    assert config.startswith("Failed"), out
    assert re.search(r"^reml\.toml:1:\d+: error\[config\.", config, re.M), config
    assert "good/reml.toml" not in config and ".reml:" not in config
    assert "Traceback" not in out

    # the clean files alone pass
    run = subprocess.run([PRE_COMMIT, "try-repo", hook_repo, "--files", "ok.reml",
                          "good/reml.toml"],
                         cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    found = sections(run.stdout)
    assert found["reml lint"].startswith("Passed")
    assert found["reml config lint"].startswith("Passed")
