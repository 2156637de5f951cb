"""An exclusive advisory lock per target file (``NAME.lock`` beside it), so two ``reml-run``
processes never interleave a reload or a rollback of the same state. The kernel drops the lock
when its holder dies, so a killed process never leaves the file locked."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from reml_lsp.config.errors import ConfigError
from reml_lsp.safefs import UnsafePathError, open_nofollow

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, single-writer assumption
    fcntl = None  # type: ignore[assignment]


def lock_path(target: Path) -> Path:
    return target.parent / f"{target.name}.lock"


@contextlib.contextmanager
def exclusive_lock(target: Path, timeout_s: float = 30.0) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    path = lock_path(Path(target))
    try:
        fd = open_nofollow(path, os.O_RDWR | os.O_CREAT, 0o644, "lock file")
    except UnsafePathError:
        raise
    except OSError as exc:
        raise ConfigError("runtime.lock.unavailable", f"{path}: {exc.strerror or exc}", "io",
                          path=str(path)) from None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ConfigError("runtime.lock.timeout",
                                      f"{target} is locked by another reml-run process",
                                      "timeout", path=str(target)) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing releases the lock
