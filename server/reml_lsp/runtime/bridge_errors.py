"""The one error type the runtime bridges (GPU, instruments) raise for expected failures.

The runtime knows nothing of the CLI: it says what *kind* of failure happened and the CLI maps the
kind onto its exit-code table (``usage`` → 3, ``io`` → 4, ``unavailable`` → 6, ``timeout`` → 7,
``failure`` → 1, ``rejected`` → 5).
"""

from __future__ import annotations

from reml_lsp.errors import FailureKind, ReportedError

__all__ = ["BridgeError", "FailureKind"]


class BridgeError(ReportedError):
    """A user-facing runtime failure with a stable dotted ``code`` (e.g. ``gpu.out_of_memory``)."""
