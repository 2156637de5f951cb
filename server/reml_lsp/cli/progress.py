"""A progress bar on stderr for long batch work: only when stderr is a terminal, and only once
the work has taken more than a moment (short runs print nothing extra)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

DELAY_S = 0.5
PROGRESS_DELAY_ENV = "REML_PROGRESS_DELAY_S"  # overrides DELAY_S (tests, impatient users)


def progress_delay() -> float:
    try:
        return float(os.environ.get(PROGRESS_DELAY_ENV, DELAY_S))
    except ValueError:
        return DELAY_S


class BatchProgress:
    def __init__(self, label: str, *, delay: float | None = None, stream: Any = None) -> None:
        self.label = label
        self.delay = progress_delay() if delay is None else delay
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or done >= total:
            return
        if self._bar is None:
            if time.monotonic() - self.started < self.delay:
                return
            try:
                from rich.console import Console
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeRemainingColumn,
                )
            except ImportError:
                self.enabled = False
                return
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(file=self.stream), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> BatchProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
