"""One private home for the user-level state of every test session: ``REML_CACHE_DIR`` (analysis
cache, Lark tables) and the XDG cache/state/config/data folders (the trusted reml-lsp folders,
Neovim's), so a clean clone (CI) and a developer's machine with a warm ``~/.cache/reml-lsp`` run
the same tests against the same (empty) state, and nothing a test does reaches the real ones.

Set when this file is imported, before the other conftests (``tests/lsp`` builds its server
environment at import) and before pytest-xdist starts its workers, which inherit it: one folder
per session, shared by the workers, removed at the end by the process that made it.

Caches of downloads and built tools that do not change what a test sees stay where they were:
pip's (``PIP_CACHE_DIR``) and ``REML_TEST_TOOL_CACHE`` (the pre-commit hook environments)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from reml_lsp.lifeline import alive

OWNER = "REML_TEST_HOME_OWNER"  # the pid of the process that made the folder
PREFIX = "reml-test-home-"


def _user_cache() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"


def _remove_stale_homes() -> None:
    """The folders of sessions that were killed (no ``pytest_unconfigure``)."""
    for folder in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if not alive(owner):
            shutil.rmtree(folder, ignore_errors=True)


def _isolate() -> None:
    home = os.environ.get("REML_TEST_HOME")
    if os.environ.get(OWNER) and home and Path(home).is_dir():
        return  # a pytest-xdist worker (or a pytest a test started): the session's folder
    user_cache = _user_cache()
    os.environ.setdefault("PIP_CACHE_DIR", str(user_cache / "pip"))
    os.environ.setdefault("REML_TEST_TOOL_CACHE", str(user_cache / "reml-lsp"))
    _remove_stale_homes()
    home = Path(tempfile.mkdtemp(prefix=PREFIX))
    (home / "owner.pid").write_text(str(os.getpid()))
    os.environ[OWNER] = str(os.getpid())
    os.environ["REML_TEST_HOME"] = str(home)
    os.environ["REML_CACHE_DIR"] = str(home / "cache" / "reml-lsp")
    for var, sub in (("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state"),
                     ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data")):
        (home / sub).mkdir()
        os.environ[var] = str(home / sub)
    for var in ("REML_AUDIT_DB", "REML_METRICS_FILE", "REML_VISA_BACKEND"):
        os.environ.pop(var, None)  # the user's own, not the tests'


_isolate()


def pytest_configure(config) -> None:
    """With pytest-xdist, build the (cold) Lark table cache once here, before the workers start
    and their servers all build it at the same time."""
    if os.environ.get(OWNER) == str(os.getpid()) and getattr(config.option, "numprocesses", None):
        from reml_lsp.syntax.grammar import tables

        tables()


def pytest_unconfigure(config) -> None:
    if os.environ.get(OWNER) == str(os.getpid()):
        shutil.rmtree(os.environ["REML_TEST_HOME"], ignore_errors=True)
