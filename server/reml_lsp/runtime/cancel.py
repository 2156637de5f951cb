"""Cancelling a ``reml-run`` process with SIGTERM, safely around a commit point.

An operation that changes state (reload, rollback, ``diff --apply``, ``instrument apply``) calls
:func:`commit_point` right before its first durable change. A SIGTERM that arrives *before* it
raises :class:`Cancelled` where the process is (locks released, temp files removed by the usual
``finally`` blocks, nothing changed); the CLI reports ``runtime.cancelled`` with exit code 130. A
SIGTERM *after* it is noted and ignored: the operation finishes (it is crash-safe either way) and
reports what it applied. Read-only commands have no commit point, so a SIGTERM always stops them.

Under the language server (``$REML_PARENT_PID`` set) the commit point also writes
:data:`COMMIT_MARKER` to stderr, so the server knows not to escalate to SIGKILL.

``$REML_CANCEL_TEST_DELAY_MS`` (tests only) sleeps at the commit point, before committing, so a
test can cancel a reload or an apply exactly there; each pause writes ``cancel-test-pause`` to
stderr.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

COMMIT_MARKER = "reml-run: commit point reached"
DELAY_ENV = "REML_CANCEL_TEST_DELAY_MS"
PARENT_ENV = "REML_PARENT_PID"


class Cancelled(BaseException):
    """SIGTERM before the commit point. A BaseException, so ``except Exception`` handlers on the
    way up do not swallow it, while ``finally`` blocks still clean up."""

    code = "runtime.cancelled"


_committed = False
_cancel_requested = False


def install() -> None:
    """Route SIGTERM to :func:`_on_sigterm` (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        return
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: object) -> None:
    global _cancel_requested
    _cancel_requested = True
    if not _committed:
        raise Cancelled()


def cancel_requested() -> bool:
    return _cancel_requested


def committed() -> bool:
    return _committed


def commit_point(operation: str) -> None:
    """Mark the point of no return of ``operation``; raises :class:`Cancelled` if a SIGTERM
    came first."""
    global _committed
    value = os.environ.get(DELAY_ENV)
    if value:
        with contextlib.suppress(ValueError, OSError):
            os.write(2, b"cancel-test-pause\n")
            time.sleep(max(0.0, float(value)) / 1000)
    if _cancel_requested:
        raise Cancelled()
    _committed = True  # from here a SIGTERM is ignored (signal handlers run between bytecodes)
    if os.environ.get(PARENT_ENV):
        with contextlib.suppress(OSError):
            os.write(2, f"{COMMIT_MARKER} ({operation})\n".encode())


def reset_for_tests() -> None:
    global _committed, _cancel_requested
    _committed = _cancel_requested = False
