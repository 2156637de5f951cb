"""The one error type the runtime bridges (GPU, instruments) raise for expected failures.

The runtime knows nothing of the CLI: it says what *kind* of failure happened and the CLI maps the
kind onto its exit-code table (``usage`` → 3, ``io`` → 4, ``unavailable`` → 6, ``timeout`` → 7,
``failure`` → 1, ``rejected`` → 5).
"""

from __future__ import annotations

from typing import Any, Literal

FailureKind = Literal["usage", "io", "unavailable", "timeout", "failure", "rejected"]


class BridgeError(Exception):
    """A user-facing runtime failure with a stable dotted ``code`` (e.g. ``gpu.out_of_memory``)."""

    def __init__(self, code: str, message: str, kind: FailureKind = "failure", **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind: FailureKind = kind
        self.details: dict[str, Any] = details
