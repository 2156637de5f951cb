"""Replacing one file with a saved RollbackInfo, and undoing it; both crash-safe.

Callers hold :func:`reml_lsp.runtime.filelock.exclusive_lock` on the file. ``after_write`` is the
last step of an operation (recording the audit event): if it fails, the file is restored and the
RollbackInfo dropped, so a failure mid-way rolls back by itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import now_iso
from reml_lsp.config.canonical import digest_bytes
from reml_lsp.config.errors import ConfigError
from reml_lsp.runtime.atomic import atomic_write, crash_test_pause
from reml_lsp.runtime.cancel import commit_point
from reml_lsp.runtime.rollback import RollbackInfo, RollbackStack
from reml_lsp.safefs import UnsafePathError, refuse_link

AfterWrite = Callable[[], None]


def read_current(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("runtime.io.not_found", f"{path}: no such file", "io",
                          path=str(path)) from None
    except OSError as exc:
        raise ConfigError("runtime.io.unreadable", f"{path}: {exc.strerror or exc}", "io",
                          path=str(path)) from None


def refuse_links(path: Path) -> None:
    """The file and its rollback stack are replaced by rename: a link there is refused up front
    (a rename would detach it and leave its real target silently old)."""
    for candidate, what in ((path, "state file"), (RollbackStack(path, []).path, "rollback file")):
        try:
            refuse_link(candidate, what)
        except UnsafePathError as err:
            raise ConfigError(err.code, err.message, "rejected", **err.details) from None


def _write(path: Path, data: bytes) -> None:
    try:
        atomic_write(path, data)
    except UnsafePathError as err:
        raise ConfigError(err.code, err.message, "rejected", **err.details) from None
    except OSError as exc:
        raise ConfigError("runtime.io.write_failed", f"{path}: {exc.strerror or exc}", "io",
                          path=str(path)) from None


def _failed_after_write(exc: BaseException) -> ConfigError:
    if isinstance(exc, ConfigError):
        exc.details["rolled_back"] = True
        return exc
    if isinstance(exc, sqlite3.Error):
        return ConfigError("audit.write_failed",
                           f"the audit event could not be recorded ({exc}); the change was "
                           "rolled back", "io", rolled_back=True)
    return ConfigError("runtime.apply.failed", f"the last step failed and was rolled back: {exc}",
                       rolled_back=True)


def commit_file(
    path: Path,
    expected: bytes,
    new: bytes,
    *,
    audit_id: str,
    operation: str,
    summary: dict[str, Any],
    after_write: AfterWrite | None = None,
) -> RollbackInfo:
    """Replace ``path`` (whose bytes must still be ``expected``) with ``new``."""
    refuse_links(path)
    current = read_current(path)
    if current != expected:
        raise ConfigError("runtime.changed_underneath",
                          f"{path} changed while the operation was being prepared; run it again",
                          "rejected", path=str(path))
    stack = RollbackStack.load(path)
    stack.repair(digest_bytes(current))
    info = RollbackInfo(audit_id, operation, now_iso(), digest_bytes(current), digest_bytes(new),
                        current, summary)
    stack.entries.append(info)
    commit_point(operation)  # a cancel (SIGTERM) before here leaves everything unchanged
    _save(stack)  # the RollbackInfo is durable before the file changes
    crash_test_pause()
    try:
        _write(path, new)
    except ConfigError as exc:
        stack.entries.pop()
        with contextlib.suppress(OSError):
            stack.save()
        exc.details["rolled_back"] = True
        raise
    crash_test_pause()
    if after_write is not None:
        try:
            after_write()
        except Exception as exc:
            _write(path, current)
            stack.entries.pop()
            with contextlib.suppress(OSError):
                stack.save()  # if this fails the entry is an orphan and repair() drops it
            raise _failed_after_write(exc) from None
    return info


def rollback_file(
    path: Path, *, dry_run: bool = False, after_write: Callable[[RollbackInfo], None] | None = None
) -> tuple[RollbackInfo, bytes]:
    """Restore the newest RollbackInfo of ``path``; returns it and the bytes that were replaced."""
    refuse_links(path)
    current = read_current(path)
    stack = RollbackStack.load(path)
    stack.repair(digest_bytes(current))
    info = stack.top()
    if info is None:
        raise ConfigError("reload.rollback.empty", f"{path}: nothing to roll back", "rejected",
                          path=str(path))
    if info.to_digest != digest_bytes(current):
        raise ConfigError(
            "reload.rollback.mismatch",
            f"{path} was changed outside reml-run since {info.audit_id}; refusing to roll back",
            "rejected", path=str(path), audit_id=info.audit_id,
        )
    if dry_run:
        return info, current
    commit_point("rollback")
    _write(path, info.content)
    crash_test_pause()
    if after_write is not None:
        try:
            after_write(info)
        except Exception as exc:
            _write(path, current)
            raise _failed_after_write(exc) from None
    stack.entries.pop()
    with contextlib.suppress(OSError):
        stack.save()  # if this fails the entry is an orphan and repair() drops it
    return info, current


def _save(stack: RollbackStack) -> None:
    try:
        stack.save()
    except OSError as exc:
        raise ConfigError("reload.rollback.write_failed",
                          f"{stack.path}: cannot save the RollbackInfo: {exc.strerror or exc}",
                          "io", path=str(stack.path)) from None
