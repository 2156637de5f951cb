"""The one exit-code table shared by every ``reml-run`` command (documented in the README).

The upstream documents disagree (the compiler uses 1 = errors, 2 = warnings; the config CLI guide
uses 1 = warnings, 2 = validation, 3 = render, 4 = I/O). We keep the compiler's meaning of 0/1/2,
which ``lint`` must match, and give every other failure class its own number above 2.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    SUCCESS = 0  # nothing to report / operation done
    FAILURE = 1  # errors reported, or the operation failed (and was rolled back)
    WARNING = 2  # only warnings (lint); with --fail-on-warning they count as FAILURE
    USAGE = 3  # bad command line: unknown option, missing argument, bad value
    IO = 4  # an input could not be read or an output could not be written
    REJECTED = 5  # refused on purpose: dangerous change, stale diff, nothing to roll back
    UNAVAILABLE = 6  # a device, instrument, backend or runtime command is missing
    TIMEOUT = 7  # an instrument, device or subprocess did not answer in time
    CANCELLED = 130  # SIGTERM / cancel before the commit point: nothing was changed
    INTERNAL = 70  # a bug in reml-run itself (still reported as JSON, never a traceback)

    @property
    def label(self) -> str:
        return self.name.lower()

    def as_json(self) -> dict[str, object]:
        return {"label": self.label, "value": int(self)}


# Severity order used when several exit codes compete (highest wins).
PRECEDENCE = [
    ExitCode.SUCCESS,
    ExitCode.CANCELLED,
    ExitCode.WARNING,
    ExitCode.FAILURE,
    ExitCode.REJECTED,
    ExitCode.TIMEOUT,
    ExitCode.UNAVAILABLE,
    ExitCode.IO,
    ExitCode.USAGE,
    ExitCode.INTERNAL,
]


def worst(*codes: ExitCode) -> ExitCode:
    """The exit code that wins when several outcomes are combined."""
    return max(codes, key=PRECEDENCE.index, default=ExitCode.SUCCESS)
