"""A process started for another one dies with it, even when that one is SIGKILLed.

Two mechanisms, because neither covers every case alone:

* ``prctl(PR_SET_PDEATHSIG)`` (Linux, through ctypes): the kernel signals us when our *direct*
  parent's thread that forked us ends. Set in the child itself, so nothing unsafe runs between
  fork and exec. It does not help when the parent died before the call, nor when our parent is
  an intermediary (a fork server) that outlives the real owner.
* a watchdog thread (every platform): polls that our parent is unchanged and the owner's pid is
  alive, and ends the process otherwise.

Used by ``runtime.parent_watch`` (reml-run children of the server) and by the process pools of
``analysis.lint_batch`` and the server's indexer (the pool's ``initializer``). A pool worker
blocked on its call queue would never notice by itself: it holds the queue's write end too.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
POLL_S = 0.5


def set_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel for ``sig`` when our parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    return False


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def bind_to_owner(owner: int) -> None:
    """Pool-worker initializer: end this process when ``owner`` (the process that made the pool)
    or our direct parent (the owner, or a fork server between them) goes away."""
    parent = os.getppid()
    set_death_signal(signal.SIGKILL)
    if not _unchanged(owner, parent):  # died before the call: nobody will signal us
        os._exit(1)
    threading.Thread(target=_watch, args=(owner, parent), name="reml-owner-watch",
                     daemon=True).start()


def _unchanged(owner: int, parent: int) -> bool:
    return os.getppid() == parent and alive(owner)


def _watch(owner: int, parent: int) -> None:
    while _unchanged(owner, parent):
        time.sleep(POLL_S)
    os._exit(1)


def release_stdio() -> None:
    """A worker holds no end of its owner's stdin/stdout (for the server: the protocol pipes),
    so a client waiting for end-of-file after `exit` is not kept waiting by a worker, and a stray
    print cannot corrupt the protocol stream. stderr stays (logs)."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):
            os.dup2(null, fd)
        os.close(null)
