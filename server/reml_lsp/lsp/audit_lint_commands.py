"""``reml.showAuditEntry`` (the audit store's events for one ``audit_id``) and
``reml.lintWorkspace`` (publish every open document again, or ask a pull client to refresh)."""

from __future__ import annotations

from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.lsp.names import CMD_LINT_WORKSPACE, CMD_SHOW_AUDIT_ENTRY
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.sync import republish_all


def show_audit_entry(ls: RemlServer, *args: Any) -> dict[str, Any]:
    audit_id = args[0] if args and isinstance(args[0], str) else None
    if isinstance(args[0] if args else None, dict):
        audit_id = args[0].get("audit_id")
    if not audit_id:
        return {"status": "error", "error": {"code": "lsp.bad_argument",
                                             "message": "an audit_id is required"}}
    ls.audit.flush()
    try:
        with AuditStore(ls.audit.path) as store:
            events = [e.as_json() for e in store.show(audit_id)]
    except Exception as exc:
        return {"status": "error", "error": {"code": "audit.unavailable",
                                             "message": str(exc)}}
    ls.log_to_client(f"audit {audit_id}: {len(events)} event(s)")
    return {"status": "ok", "audit_id": audit_id, "events": events}


async def lint_workspace(ls: RemlServer, *args: Any) -> dict[str, Any]:
    if ls.pull_mode:
        if ls.refresh_support:
            await ls.workspace_diagnostic_refresh_async(None)
        return {"status": "ok", "mode": "pull"}
    await republish_all(ls)
    return {"status": "ok", "mode": "push", "documents": len(ls.docs)}


def register(server: RemlServer) -> None:
    server.command(CMD_SHOW_AUDIT_ENTRY)(show_audit_entry)
    server.command(CMD_LINT_WORKSPACE)(lint_workspace)
