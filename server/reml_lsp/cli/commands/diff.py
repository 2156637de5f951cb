"""``reml-run diff OLD NEW``: compare two configs (JSON or TOML), list dangerous changes, and with
``--apply`` write NEW's values into OLD atomically after saving a RollbackInfo.

JSON output: the diff document of ``reml_lsp.config.diff_document`` (docs/runtime-config.md), plus
``audited``, ``applied`` and ``exit_code``; ``reml-run reload`` reads it back.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.cli.commands._config_common import (
    add_audit_db,
    add_format,
    emit,
    exit_for,
    open_audit_store,
    short,
)
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.config.apply import apply_diff
from reml_lsp.config.compare import ChangeSet
from reml_lsp.config.dangerous import DangerousChange
from reml_lsp.config.diff_document import diff_document
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.flatten import same_value
from reml_lsp.config.loader import LoadedConfig, dump_config, load_config
from reml_lsp.config.schema import Schema, load_schema
from reml_lsp.runtime.filelock import exclusive_lock
from reml_lsp.runtime.reload import DANGEROUS_EVENT
from reml_lsp.runtime.rollback import stack_path
from reml_lsp.runtime.transaction import commit_file

DIFF_EVENT = "config.diff"
APPLY_EVENT = "config.diff.apply"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("diff", help="compare two configs; --apply writes NEW into OLD")
    p.add_argument("old", type=Path, metavar="OLD")
    p.add_argument("new", type=Path, metavar="NEW")
    p.add_argument("--schema", type=Path, help="schema of OLD (and of NEW unless --target-schema)")
    p.add_argument("--target-schema", type=Path, help="schema of NEW (a major change is dangerous)")
    p.add_argument("--apply", action="store_true", help="write NEW's values into OLD atomically")
    p.add_argument("--audit", action="store_true", help="record the diff in the audit store")
    p.add_argument("--allow-dangerous", action="store_true",
                   help="apply even with dangerous changes (always audited)")
    add_audit_db(p)
    add_format(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    old, new = load_config(args.old), load_config(args.new)
    schema: Schema | None = load_schema(args.schema) if args.schema else None
    target_schema = load_schema(args.target_schema) if args.target_schema else None
    doc, change_set, dangerous = diff_document(
        old, new, schema=schema, target_schema=target_schema,
        shown_paths=(str(args.old), str(args.new)),
    )
    doc["audited"] = False
    doc["applied"] = None
    code = ExitCode.SUCCESS
    store: AuditStore | None = None
    needs_store = args.audit or (args.apply and args.allow_dangerous and bool(dangerous))
    try:
        if needs_store:
            store = open_audit_store(args.audit_db)
        if args.apply:
            _apply(args, doc, old, new, change_set, dangerous, store)
        elif store is not None:
            store.record(DIFF_EVENT, doc["audit_id"], _payload(doc))
            doc["audited"] = True
    except ConfigError as err:
        doc["status"] = "error"
        doc["error"] = err.as_json()
        code = exit_for(err)
    finally:
        if store is not None:
            store.close()
    return emit(doc, args.format, render(doc, args.format), code)


def _payload(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in ("base", "target", "schema", "target_schema", "summary",
                                 "change_set", "dangerous", "restart_required")}


def _apply(args: argparse.Namespace, doc: dict[str, Any], old: LoadedConfig, new: LoadedConfig,
           change_set: ChangeSet, dangerous: list[DangerousChange],
           store: AuditStore | None) -> None:
    if dangerous and not args.allow_dangerous:
        raise ConfigError("config.diff.dangerous",
                          f"{len(dangerous)} dangerous change(s); pass --allow-dangerous to apply",
                          "rejected", keys=[d.key for d in dangerous])
    if doc["validation"]["target"]:
        raise ConfigError("config.schema.invalid_result",
                          f"{args.new} breaks the schema ({len(doc['validation']['target'])} "
                          "issue(s)); nothing written", issues=doc["validation"]["target"])
    if not change_set:
        doc["status"] = "unchanged"
        return
    result = apply_diff(old.data, change_set)
    if not same_value(result, new.data):  # compare/apply_diff disagree: a bug, never written
        raise ConfigError("config.apply.mismatch", "applying the diff did not reproduce NEW")
    data = dump_config(result, old.format)
    audit_id = doc["audit_id"]

    def record() -> None:
        if store is None:
            return
        if dangerous:
            store.record(DANGEROUS_EVENT, audit_id, {"path": str(args.old),
                                                     "dangerous": doc["dangerous"]})
        if args.audit:
            store.record(APPLY_EVENT, audit_id, {**_payload(doc), "path": str(args.old)})

    with exclusive_lock(old.path):
        info = commit_file(old.path, old.raw, data, audit_id=audit_id, operation="diff.apply",
                           summary=change_set.summary(), after_write=record)
    doc["status"] = "applied"
    doc["audited"] = store is not None
    doc["applied"] = {"path": str(args.old), "format": old.format,
                      "rollback": str(stack_path(old.path)), "rollback_info": info.brief()}


_SIGN = {"added": "+", "removed": "-", "updated": "~"}


def render(doc: dict[str, Any], fmt: str) -> str:
    items = doc["change_set"]["items"]
    lines: list[str] = []
    if fmt == "table":
        rows = [("kind", "key", "previous", "current")]
        for it in items:
            kind = it["kind"].removeprefix("collections.diff.")
            rows.append((kind, it["key"], short(it["previous"]) if "previous" in it else "",
                         short(it["current"]) if "current" in it else ""))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for n, row in enumerate(rows):
            lines.append(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if n == 0:
                lines.append("-+-".join("-" * w for w in widths))
    else:
        for it in items:
            kind = it["kind"].removeprefix("collections.diff.")
            prev = short(it.get("previous")) if "previous" in it else ""
            cur = short(it.get("current")) if "current" in it else ""
            body = f"{prev} -> {cur}" if kind == "updated" else prev or cur
            lines.append(f"{_SIGN[kind]} {it['key']}: {body}")
    s = doc["summary"]
    lines.append(f"{doc['base']['path']} -> {doc['target']['path']}: {s['added']} added, "
                 f"{s['removed']} removed, {s['updated']} updated")
    for d in doc["dangerous"]:
        lines.append(f"dangerous [{d['reason']}] {d['message']}")
    if doc["restart_required"]:
        lines.append("restart required: " + ", ".join(doc["restart_required"]))
    for where in ("base", "target"):
        for issue in doc["validation"][where]:
            lines.append(f"{where}: {issue['code']}: {issue['message']}")
    lines.append(f"status: {doc['status']}  audit_id: {doc['audit_id']}")
    return "\n".join(lines)
