"""Workspace roots and workspace-relative paths, shared by the CLI and the server so that both
compute the same ``audit_id`` for the same finding (DESIGN.md "audit_id")."""

from __future__ import annotations

import os
from pathlib import Path

ROOT_MARKERS = ("reml.toml", ".git")


def find_root(start: Path, fallback: Path | None = None) -> Path:
    """Nearest ancestor of ``start`` (itself included) holding ``reml.toml`` or ``.git``;
    failing that ``fallback`` (the client's root folder, or the current folder for the CLI)."""
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return (fallback or Path.cwd()).resolve()


def relative_path(path: Path, root: Path | None = None) -> str:
    """``path`` relative to its workspace root, with ``/`` separators on every platform."""
    path = path.resolve()
    root = (root or find_root(path)).resolve()
    try:
        rel = path.relative_to(root)
    except ValueError:
        rel = Path(os.path.relpath(path, root))
    return rel.as_posix()


STATE_DIR = ".reml"
STATE_GITIGNORE = "# Created by reml-lsp: workspace state (audit store, metrics), not for git.\n*\n"


def reml_dir(root: Path) -> Path:
    """The per-workspace state folder (audit store, rollback snapshots, metrics)."""
    return root / STATE_DIR


def ignore_state_dir(folder: Path) -> None:
    """Put a ``.gitignore`` of ``*`` in the state folder when it has none (as ``.pytest_cache``
    and ``.ruff_cache`` do), so the folder never shows in ``git status``. ``O_EXCL`` creates
    the file or fails: an existing file or a planted symlink is left alone, never followed.
    Best effort: a read-only folder only loses the convenience."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(Path(folder) / ".gitignore", flags, 0o644)
    except OSError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(STATE_GITIGNORE)
