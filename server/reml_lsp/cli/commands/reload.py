"""``reml-run reload STATE DIFF``: apply a diff (as printed by ``reml-run diff --format json``) to a
runtime state file, or ``--rollback`` the last reload.

Output (every outcome, success or not)::

    {"command": "reload", "status": "ok" | "error",
     "result": {"status": "applied"|"dry-run"|"rejected"|"failed"|"rolled-back", "audit_id",
                "errors": [...], "change_set", "dangerous", "restart_required",
                "version_before", "version_after", "rolled_back", "rollback"},
     "error": {"code", "message", ...}   # only when status is "error"
     "exit_code": {"label", "value"}}

so ``jq '.result | {status, audit_id}'`` works whatever happened.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from reml_lsp.audit.store import AuditStore
from reml_lsp.cli.commands._config_common import (
    add_audit_db,
    add_format,
    emit,
    exit_for,
    open_audit_store,
    read_json_arg,
)
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.contract.converter import converter
from reml_lsp.contract.results import ExitCodeInfo, ReloadDocument, error_info
from reml_lsp.runtime.reload import Reloader, ReloadOutcome

STATUS_EXIT = {
    "applied": ExitCode.SUCCESS,
    "dry-run": ExitCode.SUCCESS,
    "rolled-back": ExitCode.SUCCESS,
    "rejected": ExitCode.REJECTED,
    "failed": ExitCode.FAILURE,
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reload", help="apply a diff to a runtime state file, or roll it back")
    p.add_argument("state", type=Path, metavar="STATE")
    p.add_argument("diff", nargs="?", metavar="DIFF",
                   help="diff JSON from `reml-run diff --format json` ('-' = stdin)")
    p.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    p.add_argument("--rollback", action="store_true",
                   help="restore the last RollbackInfo of STATE (no DIFF)")
    p.add_argument("--audit", action="store_true", help="record the result in the audit store")
    p.add_argument("--allow-dangerous", action="store_true",
                   help="apply dangerous changes (always audited)")
    add_audit_db(p)
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.rollback and args.diff:
        raise CliError("cli.usage", "--rollback takes no DIFF", ExitCode.USAGE)
    if not args.rollback and not args.diff:
        raise CliError("cli.usage", "DIFF is required (or pass --rollback)", ExitCode.USAGE)
    doc = None if args.rollback else read_json_arg(args.diff, "diff")
    store: AuditStore | None = None
    if args.audit or args.allow_dangerous:
        store = open_audit_store(args.audit_db)
    try:
        reloader = Reloader(args.state, store)
        if args.rollback:
            outcome = reloader.rollback(dry_run=args.dry_run)
        else:
            outcome = reloader.reload(doc, dry_run=args.dry_run,
                                      allow_dangerous=args.allow_dangerous)
    finally:
        if store is not None:
            store.close()
    return report(outcome, args.format, audited=store is not None)


def report(outcome: ReloadOutcome, fmt: str, *, audited: bool) -> int:
    code = STATUS_EXIT[outcome.status]
    if outcome.error is not None and outcome.status == "failed":
        code = exit_for(outcome.error)
    doc = ReloadDocument(
        command="reload", status="ok" if code == 0 else "error",
        result=outcome.result(audited=audited),
        error=error_info(outcome.error.as_json()) if outcome.error is not None else None,
        exit_code=ExitCodeInfo(code.label, int(code)))
    body = converter.unstructure(doc)
    del body["exit_code"]  # emit() adds it (the same value)
    return emit(body, fmt, render(outcome), code)


def render(o: ReloadOutcome) -> str:
    lines = [f"{o.status}  audit_id: {o.audit_id}"]
    if o.version_before is not None or o.version_after is not None:
        lines.append(f"version: {o.version_before} -> {o.version_after}")
    if o.change_set:
        s = o.change_set["summary"]
        lines.append(f"changes: {s['added']} added, {s['removed']} removed, "
                     f"{s['updated']} updated")
    for d in o.dangerous:
        lines.append(f"dangerous [{d['reason']}] {d['message']}")
    if o.restart_required:
        lines.append("restart required: " + ", ".join(o.restart_required))
    for e in o.errors:
        lines.append(f"error[{e.get('code') or e.get('reason')}]: {e.get('message')}")
    if o.rolled_back and o.status == "failed":
        lines.append("the previous state was restored")
    return "\n".join(lines)
