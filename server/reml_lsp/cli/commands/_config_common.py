"""Shared plumbing of the config/runtime commands (diff, reload, state, watch, audit): ``--format``,
mapping ``ConfigError`` kinds onto the exit-code table, opening the audit store, printing."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditStore, AuditStoreDamaged, default_store_path
from reml_lsp.cli.errors import CliError, from_reported
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.cli.output import print_result
from reml_lsp.config.depth import text_too_deep, too_deep_message
from reml_lsp.config.errors import ConfigError
from reml_lsp.safefs import UnsafePathError

AUDIT_TIMEOUT_ENV = "REML_AUDIT_TIMEOUT_S"


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("auto", "json", "table", "text"), default="auto",
                        help="output format (default auto: text on a terminal, json otherwise)")


def add_audit_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--audit-db", type=Path, default=None, metavar="PATH",
                        help="audit store (default $REML_AUDIT_DB or <workspace>/.reml/audit.db)")


def exit_for(err: ConfigError) -> ExitCode:
    return from_reported(err).exit_code


def open_audit_store(path: Path | None) -> AuditStore:
    path = path or default_store_path()
    try:
        timeout = float(os.environ.get(AUDIT_TIMEOUT_ENV, "30"))
    except ValueError:
        timeout = 30.0
    try:
        return AuditStore(path, timeout_s=timeout)
    except (UnsafePathError, AuditStoreDamaged) as exc:
        raise from_reported(exc) from None
    except Exception as exc:  # sqlite3.Error, OSError
        raise CliError("audit.unavailable", f"cannot open the audit store {path}: {exc}",
                       ExitCode.IO, path=str(path)) from None


def read_json_arg(path_text: str, what: str) -> Any:
    """A JSON document from a file, or stdin for ``-``."""
    try:
        text = sys.stdin.read() if path_text == "-" else Path(path_text).read_text("utf-8")
    except FileNotFoundError:
        raise CliError(f"{what}.io.not_found", f"{path_text}: no such file", ExitCode.IO,
                       path=path_text) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{what}.io.unreadable", f"{path_text}: {exc}", ExitCode.IO,
                       path=path_text) from None
    if text_too_deep(text, "json") is not None:  # json.loads would raise RecursionError
        raise CliError(f"{what}.parse.too_deep", too_deep_message(path_text), ExitCode.FAILURE,
                       path=path_text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{what}.parse.invalid_json",
                       f"{path_text}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
                       ExitCode.FAILURE, path=path_text) from None


def emit(doc: dict[str, Any], fmt: str, text: str, code: ExitCode) -> int:
    """Print ``doc`` (json) or ``text`` (table/text; an ``error`` also goes to stderr)."""
    doc["exit_code"] = code.as_json()
    if fmt == "json":
        print_result(doc)
        return int(code)
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
    error = doc.get("error")
    if isinstance(error, dict):
        sys.stderr.write(f"reml-run {doc.get('command')}: error[{error.get('code')}]: "
                         f"{error.get('message')}\n")
    return int(code)


def short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
