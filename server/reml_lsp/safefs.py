"""Opening the files the tool writes without following symbolic links.

A checked-out repository is untrusted input: ``.reml/metrics.jsonl``, ``.reml`` itself, a
``STATE.lock`` or a state file can be a symlink planted to make ``reml-run`` append to, create or
replace a file elsewhere. Every write goes through this module: the last component is opened with
``O_NOFOLLOW`` (or checked with ``lstat`` where the opener is not ours, as for SQLite), folders the
tool creates are checked not to be links, and a refusal is an :class:`UnsafePathError` with a clear
message (code ``fs.symlink_refused``, kind ``rejected`` → exit 5). See docs/security.md.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from reml_lsp.errors import ReportedError
from reml_lsp.workspace import STATE_DIR, ignore_state_dir

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class UnsafePathError(ReportedError, OSError):
    """A write refused because the path (or its folder) is a symbolic link.

    It is an ``OSError`` too, so callers that already treat "cannot write" as a reported failure
    (metrics, the audit log thread) report it instead of crashing."""

    def __init__(self, path: Path, what: str = "file") -> None:
        target = _link_target(path)
        super().__init__(
            "fs.symlink_refused",
            f"{path}: refusing to write through a symbolic link (this {what} points to "
            f"{target}); remove the link or point the setting at a regular {what}",
            "rejected", path=str(path), link_target=target)


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def is_link(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def refuse_link(path: Path, what: str = "file") -> None:
    """Raise :class:`UnsafePathError` when ``path`` exists and is a symbolic link."""
    if is_link(Path(path)):
        raise UnsafePathError(Path(path), what)


def ensure_dir(folder: Path) -> Path:
    """Create ``folder`` (and missing parents) and refuse it when it is a symbolic link.

    Only the folder itself and the parents this call creates are checked: a link higher up (a
    home folder on another disk) is the user's own choice, a link at ``.reml`` is not."""
    folder = Path(folder)
    missing: list[Path] = []
    cur = folder
    while not os.path.lexists(cur) and cur != cur.parent:
        missing.append(cur)
        cur = cur.parent
    refuse_link(folder, "folder")
    for part in reversed(missing):
        try:
            os.mkdir(part, 0o755)
        except FileExistsError:
            pass
        refuse_link(part, "folder")
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    if folder.name == STATE_DIR:
        ignore_state_dir(folder)  # .reml/.gitignore of `*` (docs/lsp.md "Workspace state")
    return folder


def open_nofollow(path: Path, flags: int, mode: int = 0o644, what: str = "file") -> int:
    """``os.open`` with ``O_NOFOLLOW``: a link at ``path`` raises :class:`UnsafePathError`.
    (The folder is the caller's: :func:`ensure_dir` checks the folders the tool creates.)"""
    path = Path(path)
    try:
        return os.open(path, flags | O_NOFOLLOW, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP or (O_NOFOLLOW == 0 and is_link(path)):
            raise UnsafePathError(path, what) from None
        raise
