"""A ``reml-run`` child of the language server ends when the server dies, even by SIGKILL.

The server starts each runtime child in its own process group with ``$REML_PARENT_PID`` set and a
pipe on stdin that it never writes to. :func:`install_from_env` (run first thing by the CLI)

* asks Linux to send SIGTERM when the parent dies (``reml_lsp.lifeline.set_death_signal``, set in
  the child itself after exec), and checks the parent is still there afterwards (it may have died
  before the call);
* watches stdin: end-of-file means the server is gone (or closed the pipe to cancel), and the
  whole process group gets SIGTERM — this also covers a wrapper script between server and CLI,
  whose death signal would not reach the grandchild.

SIGTERM then takes the :mod:`reml_lsp.runtime.cancel` path: an operation before its commit point
stops with nothing changed, one past it finishes.
"""

from __future__ import annotations

import os
import signal
import threading

from reml_lsp.lifeline import alive, set_death_signal
from reml_lsp.runtime.cancel import PARENT_ENV

STDIN_ENV = "REML_PARENT_STDIN"


def install_from_env() -> None:
    value = os.environ.get(PARENT_ENV, "")
    if not value.isdigit():
        return
    parent = int(value)
    set_death_signal(signal.SIGTERM)
    if not alive(parent):  # died before prctl: nobody will signal us
        _terminate_group()
    if os.environ.get(STDIN_ENV) == "1":
        threading.Thread(target=_watch_stdin, name="reml-parent-watch", daemon=True).start()


def _watch_stdin() -> None:
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    _terminate_group()


def _terminate_group() -> None:
    """SIGTERM to our process group (the server made it ours), else to ourselves."""
    try:
        if os.getpgrp() != os.getpgid(os.getppid()):
            os.killpg(os.getpgrp(), signal.SIGTERM)
            return
    except OSError:
        pass
    os.kill(os.getpid(), signal.SIGTERM)
