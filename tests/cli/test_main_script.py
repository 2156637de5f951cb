"""``scripts/main.sh`` as a new user runs it, in a copy of the checkout with its own .venv:
progress on stderr, a clean default folder explained, a reinstall when the sources change and
none when nothing did. Slow: the first run pip-installs the project (from pip's cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def copy_checkout(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".reml", "*.egg-info")
    for name in ("server", "grammars", "scripts", "fixtures", "examples"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


def main_sh(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REML_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env["PYTHON"] = sys.executable
    env["NO_COLOR"] = "1"
    return subprocess.run(["bash", str(root / "scripts" / "main.sh"), *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


def test_main_sh_installs_explains_and_reinstalls_on_change(tmp_path: Path):
    root = copy_checkout(tmp_path / "checkout")
    clean = root / "fixtures" / "clean"
    clean.mkdir()
    (clean / "ok.reml").write_text("fn main() -> Int = 1\n")

    first = main_sh(root, str(clean))
    assert first.returncode == 0, first.stderr
    assert "installing reml-lsp" in first.stderr
    assert "1 file(s), 0 error(s)" in first.stderr
    assert "Traceback" not in first.stderr

    default = main_sh(root)
    assert default.returncode == 0, default.stdout + default.stderr  # meant to be clean
    assert "installing" not in default.stderr and "reinstalling" not in default.stderr
    assert "linting examples" in default.stderr and " 0 error(s), 0 other" in default.stderr
    assert "deliberately broken" in default.stderr  # says what the corpus is

    init = root / "server" / "reml_lsp" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.') )
    changed = main_sh(root, str(clean))
    assert changed.returncode == 0, changed.stderr
    assert "sources changed since the last install: reinstalling" in changed.stderr
    version = subprocess.run([str(root / ".venv" / "bin" / "reml-run"), "--version"],
                             capture_output=True, text=True, timeout=60)
    assert version.stdout.startswith("9."), "the install runs the changed sources"

    broken = root / "fixtures" / "broken"
    broken.mkdir()
    (broken / "bad.reml").write_text("fn main() -> Int {\n  (1 + 2\n}\n")
    failed = main_sh(root, str(broken))
    assert failed.returncode == 1 and "error[parser." in failed.stdout
