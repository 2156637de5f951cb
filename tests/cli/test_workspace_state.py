"""The workspace state folder ``.reml/`` carries a ``.gitignore`` of ``*`` (like
``.pytest_cache``), so running the tools never dirties ``git status``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

GIT = shutil.which("git")


def lint(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("REML_AUDIT_DB", "REML_METRICS_FILE")}
    return subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--format", "json",
                           "ok.reml"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_state_folder_is_ignored_by_git(tmp_path: Path):
    subprocess.run([GIT, "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "ok.reml").write_text("fn main() -> Int = 1\n")
    assert lint(tmp_path).returncode == 0
    state = tmp_path / ".reml"
    assert (state / "metrics.jsonl").exists(), "lint writes its metrics line there"
    assert (state / ".gitignore").read_text().splitlines()[-1] == "*"
    status = subprocess.run([GIT, "status", "--porcelain", "--untracked-files=all"],
                            cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert status.splitlines() == ["?? ok.reml"]


def test_an_existing_state_folder_gets_one_and_a_planted_link_is_not_followed(tmp_path: Path):
    (tmp_path / "reml.toml").write_text("")
    (tmp_path / "ok.reml").write_text("fn main() -> Int = 1\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep\n")
    (tmp_path / ".reml").mkdir()
    (tmp_path / ".reml" / ".gitignore").symlink_to(outside)
    assert lint(tmp_path).returncode == 0
    assert outside.read_text() == "keep\n", "the link is left alone, never written through"
    (tmp_path / ".reml" / ".gitignore").unlink()
    assert lint(tmp_path).returncode == 0
    assert (tmp_path / ".reml" / ".gitignore").read_text().endswith("*\n")
