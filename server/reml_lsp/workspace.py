"""Workspace roots and workspace-relative paths, shared by the CLI and the server so that both
compute the same ``audit_id`` for the same finding (DESIGN.md "audit_id")."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("reml_lsp")

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


def relative_path(path: Path, root: Path | None = None, *, resolved: bool = False) -> str:
    """``path`` relative to its workspace root, with ``/`` separators on every platform
    (``resolved``: the caller passes both already resolved; thousands of files in a row)."""
    if not resolved or root is None:
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


SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".reml"})
MAX_FILES = 20000  # per run: past it, the rest is not indexed (a warning says so)


def reml_files(roots: list[Path]) -> Iterator[Path]:
    """Every `*.reml` file under the roots, in a stable order, skipping tool folders; a
    file reached twice (links, nested roots) once. What the server indexes and lint judges
    imports against."""
    for path, _ in reml_files_resolved(roots):
        yield path


def reml_files_resolved(roots: list[Path]) -> Iterator[tuple[Path, Path]]:
    """``reml_files`` with each file's resolved path (links followed), resolved once per
    folder (a file's own resolve only for a link)."""
    seen: set[Path] = set()
    count = 0
    for root in roots:
        if not root.is_dir():
            continue
        found: list[Path] = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            found.extend(Path(folder, n) for n in names if n.endswith(".reml"))
        real_dirs: dict[Path, Path] = {}
        for path in sorted(found):
            if not path.is_file():
                continue
            resolved = resolve_in_folder(path, real_dirs)
            if resolved in seen:
                continue
            seen.add(resolved)
            count += 1
            if count > MAX_FILES:
                log.warning("more than %s .reml files; the rest are not indexed", MAX_FILES)
                return
            yield path, resolved


def resolve_in_folder(path: Path, folders: dict[Path, Path]) -> Path:
    """``path.resolve()`` with one resolve per folder (``folders``: folder as given → resolved,
    filled as it goes); a link is resolved itself. Thousands of files in a few folders."""
    if path.is_symlink():
        return path.resolve()
    real = folders.get(path.parent)
    if real is None:
        real = folders[path.parent] = path.parent.resolve()
    return real / path.name
