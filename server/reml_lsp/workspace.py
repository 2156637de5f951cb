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


def reml_dir(root: Path) -> Path:
    """The per-workspace state folder (audit store, rollback snapshots, metrics)."""
    return root / ".reml"
