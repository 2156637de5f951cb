"""The error the library layers (config, runtime) raise for expected, user-facing failures.

They know nothing of the CLI: an error says what *kind* of failure happened and carries a stable
dotted ``code``; ``reml_lsp.cli.errors`` maps the kind onto the one exit-code table.
"""

from __future__ import annotations

from typing import Any, Literal

FailureKind = Literal["usage", "io", "unavailable", "timeout", "failure", "rejected"]


class ReportedError(Exception):
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
