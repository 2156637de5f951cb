"""Crash-safe file replacement: write a temp file in the same folder, fsync it, rename it over the
target, fsync the folder. A process killed at any point leaves the old file or the new one, never a
torn one (rename is atomic on POSIX); at worst a stray ``.NAME.tmp-PID-*`` file, removed by the next
write once its writer is dead.

``REML_CRASH_TEST_DELAY_MS`` (tests only) sleeps at each crash-relevant step so that a test killing
the process at a random moment lands in the middle of a write, not only around it; each pause
first writes ``crash-test-pause`` to stderr so the test can time its kill from the first step.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

from reml_lsp.lifeline import alive
from reml_lsp.safefs import refuse_link

DELAY_ENV = "REML_CRASH_TEST_DELAY_MS"


def crash_test_pause() -> None:
    """Sleep ``$REML_CRASH_TEST_DELAY_MS`` milliseconds (no-op when unset)."""
    value = os.environ.get(DELAY_ENV)
    if value:
        with contextlib.suppress(ValueError, OSError):
            delay = max(0.0, float(value)) / 1000
            os.write(2, b"crash-test-pause\n")  # lets a test time its kill from the first step
            time.sleep(delay)


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # some platforms cannot open a folder; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(path: Path) -> None:
    """Delete temp files of ``path`` left by writers that died mid-write."""
    prefix = f".{path.name}.tmp-"
    try:
        names = os.listdir(path.parent)
    except OSError:
        return
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text = name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and not alive(int(pid_text)):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably. Raises ``OSError``.

    A ``path`` that is a symbolic link is refused (:class:`reml_lsp.safefs.UnsafePathError`):
    renaming over it would detach the link and leave its real target silently old."""
    path = Path(path)
    refuse_link(path)
    remove_stale_temps(path)
    tmp = path.parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            half = len(data) // 2
            _write_all(fd, data[:half])
            crash_test_pause()  # a kill here leaves a half-written temp file, never a torn target
            _write_all(fd, data[half:])
            os.fsync(fd)
        finally:
            os.close(fd)
        crash_test_pause()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)
