"""Shared plumbing of the runtime-bridge commands (gpu, instrument, metrics): ``--format``,
the audit store, mapping runtime ``BridgeError`` kinds onto the exit-code table, and printing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.cli.commands._config_common import open_audit_store
from reml_lsp.cli.errors import CliError, from_reported
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.cli.output import print_result
from reml_lsp.runtime.bridge_errors import BridgeError


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("auto", "json", "table", "text"), default="auto",
                        help="output format (default auto: text on a terminal, json otherwise)")


def to_cli_error(err: BridgeError) -> CliError:
    return from_reported(err)


@contextmanager
def bridge_errors() -> Iterator[None]:
    """Turn runtime ``BridgeError`` into the CLI's ``CliError`` (JSON error + exit code)."""
    try:
        yield
    except BridgeError as err:
        raise to_cli_error(err) from None


@contextmanager
def audit_store() -> Iterator[AuditStore]:
    store = open_audit_store(None)
    try:
        yield store
    finally:
        store.close()


def exit_for(status: str) -> ExitCode:
    return {"ok": ExitCode.SUCCESS, "warning": ExitCode.WARNING}.get(status, ExitCode.FAILURE)


def emit(command: str, doc: dict[str, Any], fmt: str, render: Callable[[dict[str, Any]], str],
         ) -> int:
    """Print ``doc`` (adding ``command`` and ``exit_code``) and return its exit code."""
    code = exit_for(str(doc.get("status", "ok")))
    full = {"command": command, **doc, "exit_code": code.as_json()}
    if fmt == "json":
        print_result(full)
    else:
        sys.stdout.write(render(full).rstrip("\n") + "\n")
    return int(code)


def table(rows: list[list[Any]], header: list[str]) -> str:
    cells = [[str("" if c is None else c) for c in row] for row in [header, *rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
