"""The error every command raises for an expected failure; ``main`` turns it into JSON or text."""

from __future__ import annotations

from typing import Any

from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.errors import ReportedError

KIND_TO_EXIT = {
    "usage": ExitCode.USAGE,
    "io": ExitCode.IO,
    "unavailable": ExitCode.UNAVAILABLE,
    "timeout": ExitCode.TIMEOUT,
    "failure": ExitCode.FAILURE,
    "rejected": ExitCode.REJECTED,
}


class CliError(Exception):
    """A located, user-facing failure with a stable ``code`` and an exit code from the table."""

    def __init__(
        self,
        code: str,
        message: str,
        exit_code: ExitCode = ExitCode.FAILURE,
        **details: Any,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.exit_code = exit_code
        self.details = details

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        body.update({k: v for k, v in self.details.items() if v is not None})
        return body


def from_reported(err: ReportedError) -> CliError:
    """A library error (config, runtime) as the CLI reports it: same code, table exit code."""
    return CliError(err.code, err.message, KIND_TO_EXIT.get(err.kind, ExitCode.FAILURE),
                    **err.details)
