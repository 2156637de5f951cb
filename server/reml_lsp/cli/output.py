"""Writing command results: JSON on stdout (one document), human text on stdout, notes on stderr."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.contract.converter import converter
from reml_lsp.contract.documents import ContractError, conform
from reml_lsp.contract.results import ErrorDocument, ExitCodeInfo, error_info

AUTO = "auto"


def resolve_format(fmt: str | None, stream: Any = None) -> str:
    """``auto`` (every command's default) is ``text`` on a terminal and ``json`` otherwise, so
    ``reml-run reload … | jq`` works without ``--format json``; other values pass through."""
    if fmt not in (None, AUTO):
        return str(fmt)
    stream = sys.stdout if stream is None else stream
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError, OSError):  # closed or replaced stdout
        return "json"


_SURROGATE = re.compile("[\ud800-\udfff]")


def dumps(doc: Any) -> str:
    """JSON text that always encodes to valid UTF-8: a lone surrogate (an invalid byte of a file
    name or source, decoded with surrogateescape) is written as its ``\\uXXXX`` escape."""
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    if text.isascii():
        return text
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(doc: Any) -> None:
    sys.stdout.write(dumps(doc) + "\n")
    sys.stdout.flush()


def print_result(doc: dict[str, Any]) -> None:
    """Print a command's result document through its contract class
    (``reml_lsp.contract.results``), so what is printed is what the schema describes. A document
    that does not match is a bug: it is still printed as it is (the outcome is never lost), with
    a note on stderr naming the fields."""
    try:
        doc = conform(doc)
    except ContractError as exc:
        sys.stderr.write(f"reml-run: internal: the output does not match its contract: {exc}\n")
    print_json(doc)


def error_document(command: str, err: CliError) -> dict[str, Any]:
    """The error envelope (:class:`~reml_lsp.contract.results.ErrorDocument`)."""
    doc = ErrorDocument(command=command, status="error", error=error_info(err.as_json()),
                        exit_code=ExitCodeInfo(err.exit_code.label, int(err.exit_code)))
    return converter.unstructure(doc)


def report_error(command: str, err: CliError, fmt: str) -> ExitCode:
    if fmt == "json":
        print_json(error_document(command, err))
    else:
        sys.stderr.write(f"reml-run {command}: error[{err.code}]: {err.message}\n")
    return err.exit_code
