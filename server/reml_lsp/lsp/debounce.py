"""Run an action once a stream of changes has been quiet for a while.

Workspace indexing changes the index thousands of times; the importers are re-checked once, when
it has been quiet. A change while the action waits only moves its deadline (no new task per
change); a change while the action runs cancels that run (its answers may already be stale) and
waits again."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Debounce:
    def __init__(self, quiet_s: float, action: Callable[[], Awaitable[None]]) -> None:
        self.quiet_s = quiet_s
        self._action = action
        self._due = 0.0
        self._waiting = False
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        """A change: the action runs ``quiet_s`` after the last one (needs a running loop)."""
        loop = asyncio.get_running_loop()
        self._due = loop.time() + self.quiet_s
        if self._task is not None and not self._task.done():
            if self._waiting:
                return
            self._task.cancel()
        self._waiting = True  # from now: a new task counts as waiting before its first step
        self._task = loop.create_task(self._run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None  # a poke right after starts afresh

    @property
    def pending(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (delay := self._due - loop.time()) > 0:
                await asyncio.sleep(delay)
        finally:
            self._waiting = False
        await self._action()
