"""Shared plumbing of the runtime-bridge commands (gpu, instrument, metrics): ``--format``,
the audit store, the exit code of a status, and printing (a runtime ``BridgeError`` reaches
``cli/main.py``, which maps its kind onto the exit-code table)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.cli.commands._config_common import add_format, open_audit_store
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.cli.output import print_result

__all__ = ["add_format", "audit_store", "emit", "exit_for", "table"]


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
