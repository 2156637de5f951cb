"""Code actions from fix-its and ``reml.applyFix`` (audit ``lsp.codeAction``, then
``workspace/applyEdit``)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from reml_lsp.lsp.convert import offset_of, range_of, to_lsp_diagnostic
from reml_lsp.lsp.names import CMD_APPLY_FIX
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.sync import settle_audit


def code_action(ls: RemlServer, params: lsp.CodeActionParams):
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.src.index
    start = offset_of(index, params.range.start, ls.encoding)
    end = offset_of(index, params.range.end, ls.encoding)
    wanted = {(d.data or {}).get("audit_id") for d in params.context.diagnostics
              if isinstance(d.data, dict)}
    actions = []
    for fix in ls.host.fixes(doc.uri, ls.locale, start, end):
        edits = [{"range": _json_range(range_of(index, e.start, e.end, ls.encoding)),
                  "newText": e.text} for e in fix.edits]
        argument = {"uri": doc.uri, "version": doc.version, "audit_id": fix.audit_id,
                    "code": fix.code, "title": fix.title, "edits": edits}
        actions.append(lsp.CodeAction(
            title=fix.title, kind=lsp.CodeActionKind.QuickFix,
            diagnostics=[to_lsp_diagnostic(fix.diagnostic, index, doc.uri, ls.encoding)],
            is_preferred=fix.audit_id in wanted or len(fix.diagnostic.fixits) == 1,
            command=lsp.Command(title=fix.title, command=CMD_APPLY_FIX,
                                arguments=[argument]),
            data={"audit_id": fix.audit_id}))
    return actions


async def apply_fix(ls: RemlServer, *args: Any) -> dict[str, Any]:
    arg = args[0] if args and isinstance(args[0], dict) else None
    if arg is None or "uri" not in arg or "edits" not in arg:
        return {"applied": False, "reason": "reml.applyFix needs {uri, version, edits}"}
    doc = ls.doc(arg["uri"])
    if doc is None:
        return {"applied": False, "reason": "the document is not open"}
    if arg.get("version") is not None and arg["version"] != doc.version:
        ls.show("Reml: the document changed since this fix was offered; ask again.",
                lsp.MessageType.Warning)
        return {"applied": False, "reason": "stale", "audit_id": arg.get("audit_id")}
    audit_id = arg.get("audit_id")
    edits = [lsp.TextEdit(range=_range(e["range"]), new_text=e.get("newText", ""))
             for e in arg["edits"]]
    if audit_id:
        settle_audit(ls, doc)  # the finding's lsp.diagnostic.published comes first
        ls.audit.record_now("lsp.codeAction", audit_id, {
            "audit_id": audit_id, "command": CMD_APPLY_FIX, "uri": doc.uri,
            "path": doc.rel_path, "version": doc.version, "code": arg.get("code"),
            "title": arg.get("title"), "edits": arg["edits"]})
    if ls.document_changes:
        edit = lsp.WorkspaceEdit(document_changes=[lsp.TextDocumentEdit(
            text_document=lsp.OptionalVersionedTextDocumentIdentifier(
                uri=doc.uri, version=doc.version), edits=edits)])
    else:
        edit = lsp.WorkspaceEdit(changes={doc.uri: edits})
    result = await ls.workspace_apply_edit_async(lsp.ApplyWorkspaceEditParams(
        edit=edit, label=arg.get("title") or "Reml fix"))
    return {"applied": bool(result and result.applied), "audit_id": audit_id}


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
        code_action_kinds=[lsp.CodeActionKind.QuickFix]))(code_action)
    server.command(CMD_APPLY_FIX)(apply_fix)


def _json_range(r: lsp.Range) -> dict[str, Any]:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def _range(raw: dict[str, Any]) -> lsp.Range:
    return lsp.Range(start=lsp.Position(**raw["start"]), end=lsp.Position(**raw["end"]))
