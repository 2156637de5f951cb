"""The server's ``reml-run`` children: started in their own process group, ended as a group.

* Each child gets a new session (``start_new_session``), so SIGTERM/SIGKILL reach it and anything
  it started (a wrapper script's grandchild) through ``killpg``.
* Its stdin is a pipe the server never writes to and ``$REML_PARENT_PID`` names the server: the
  child sets a parent-death signal and watches the pipe (``reml_lsp.runtime.parent_watch``), so a
  server killed with SIGKILL leaves no child behind.
* :meth:`Child.stop` (cancel, timeout): SIGTERM to the group, SIGKILL after :data:`GRACE_S` —
  unless the child has announced its commit point (``reml_lsp.runtime.cancel``): then it is let
  finish, because the operation has started changing state and will report what it applied.
* :func:`kill_all` ends every live group (server shutdown, exit).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import signal
import time

from reml_lsp.runtime.cancel import COMMIT_MARKER, PARENT_ENV
from reml_lsp.runtime.parent_watch import STDIN_ENV

GRACE_S = 0.5  # SIGTERM → SIGKILL
AFTER_COMMIT_S = 60.0  # how long a committed child may take to finish after a cancel
OUTPUT_LIMIT = 2_000_000

_live: set[Child] = set()


class Child:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.committed = False
        self.stdout = bytearray()
        self.stderr = bytearray()
        self._readers = [asyncio.ensure_future(self._read_stdout()),
                         asyncio.ensure_future(self._read_stderr())]
        self._done: asyncio.Future[None] | None = None

    @classmethod
    async def start(cls, argv: list[str], cwd: str | None) -> Child:
        # PYTHONSAFEPATH: `python -m` must not import modules from the (untrusted) workspace
        # folder it runs in, e.g. a planted numpy.py or pyvisa_x.py (docs/security.md)
        env = {**os.environ, PARENT_ENV: str(os.getpid()), STDIN_ENV: "1", "PYTHONSAFEPATH": "1"}
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, env=env, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            start_new_session=True)
        child = cls(proc)
        _live.add(child)
        return child

    @staticmethod
    async def settled(starting: asyncio.Future[Child]) -> Child | None:
        """The child a shielded :meth:`start` gave once it is done (None: it could not start)."""
        try:
            return await starting
        except OSError:
            return None

    async def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        while chunk := await self.proc.stdout.read(65536):
            if len(self.stdout) < OUTPUT_LIMIT:
                self.stdout += chunk

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            if line.startswith(COMMIT_MARKER.encode()):
                self.committed = True
            if len(self.stderr) < OUTPUT_LIMIT:
                self.stderr += line

    @property
    def running(self) -> bool:
        return self.proc.returncode is None

    async def wait(self, timeout: float | None = None) -> bool:
        """Wait for the exit and the end of its output; False when ``timeout`` ran out."""
        if self._done is None:
            self._done = asyncio.ensure_future(self._finish())
        try:
            await asyncio.wait_for(asyncio.shield(self._done), timeout)
        except TimeoutError:
            return False
        return True

    async def _finish(self) -> None:
        await self.proc.wait()
        await asyncio.gather(*self._readers, return_exceptions=True)
        self._close()

    def _close(self) -> None:
        _live.discard(self)
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()

    async def stop(self, grace_s: float = GRACE_S) -> None:
        """End the child's group: SIGTERM, then SIGKILL after ``grace_s``; a committed child is
        let finish (up to :data:`AFTER_COMMIT_S`). Returns once the child is reaped."""
        if self.running and not self.committed:
            signal_group(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while self.running and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self.committed and self.running:
            await self.wait(AFTER_COMMIT_S)
        signal_group(self.pid, signal.SIGKILL)  # stragglers of the group, or the child itself
        await self.wait()


def signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def kill_all(grace_s: float = GRACE_S) -> None:
    """End every live child group now (synchronous: shutdown, exit); a child past its commit
    point is left to finish."""
    children = [c for c in _live if c.running]
    for child in children:
        if not child.committed:
            signal_group(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(_exited(c) is False for c in children) and time.monotonic() < deadline:
        time.sleep(0.02)
    for child in children:
        if not child.committed and _exited(child) is False:
            signal_group(child.pid, signal.SIGKILL)
    _live.clear()  # a committed child finishes on its own (its operation is crash-safe)


def _exited(child: Child) -> bool:
    try:
        pid, _ = os.waitpid(child.pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return pid != 0


atexit.register(kill_all)
