"""The one error type of the config layer (and of the reload runtime built on it).

It carries a stable dotted ``code`` and a *kind*; the CLI maps the kind onto its exit-code table
(``usage`` → 3, ``io`` → 4, ``failure`` → 1, ``rejected`` → 5), exactly like
``reml_lsp.runtime.bridge_errors.BridgeError``.
"""

from __future__ import annotations

from typing import Any, Literal

FailureKind = Literal["usage", "io", "failure", "rejected", "timeout", "unavailable"]


class ConfigError(Exception):
    """A user-facing config/reload failure (e.g. ``config.diff.stale``)."""

    def __init__(self, code: str, message: str, kind: FailureKind = "failure", **details: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.kind: FailureKind = kind
        self.details: dict[str, Any] = details

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body
