"""The one error type of the config layer (and of the reload runtime built on it).

It carries a stable dotted ``code`` and a *kind*; the CLI maps the kind onto its exit-code table
(``usage`` → 3, ``io`` → 4, ``failure`` → 1, ``rejected`` → 5), exactly like
``reml_lsp.runtime.bridge_errors.BridgeError``.
"""

from __future__ import annotations

from reml_lsp.errors import FailureKind, ReportedError

__all__ = ["ConfigError", "FailureKind"]


class ConfigError(ReportedError):
    """A user-facing config/reload failure (e.g. ``config.diff.stale``)."""
