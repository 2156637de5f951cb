"""Name-resolution and runtime-bridges findings in the editor: published with their codes, and
their quick fixes offered as code actions that apply the same edit the CLI's fix-it describes."""

from __future__ import annotations

import pytest
from lsp_helpers import diagnostics, mark, open_doc
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = ("module fixes\n\nfn k(d: Int) -> Int !{gpu} {\n  unsafe {\n    audit.log(\"k\", d)\n"
        "    let buf = gpu.alloc(d)\n    gpu.launch(buf)\n  }\n}\n\n"
        "fn f(x: Int, unused: Int) -> Int = x + missing\n")


async def _actions(client, doc_uri: str, diag: lsp.Diagnostic) -> list:
    return await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), range=diag.range,
        context=lsp.CodeActionContext(diagnostics=[diag])))


async def test_semantic_findings_and_their_quick_fixes(client):
    path = client.root / "src" / f"semantic_{client.profile}.reml"
    path.write_text(TEXT, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, TEXT)
    found = {d.code: d for d in await diagnostics(client, doc_uri, m)}
    assert set(found) == {"bridges.effects.missing_tag", "bridges.unsafe.missing_defer",
                          "name.unused.param", "name.unresolved"}
    assert found["name.unresolved"].severity == lsp.DiagnosticSeverity.Error
    assert found["bridges.unsafe.missing_defer"].severity == lsp.DiagnosticSeverity.Warning
    edits_seen: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams):
        edits_seen.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    want = {"bridges.unsafe.missing_defer": ("insert `defer gpu.free(buf)`",
                                             "\n    defer gpu.free(buf)"),
            "bridges.effects.missing_tag": ("add the effect tag `runtime`", ", runtime"),
            "name.unused.param": ("prefix `unused` with `_`", "_unused")}
    for code, (title, new_text) in want.items():
        actions = [a for a in await _actions(client, doc_uri, found[code])
                   if a.data and a.data.get("audit_id") == found[code].data["audit_id"]]
        assert [a.title for a in actions] == [title], code
        result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command=actions[0].command.command, arguments=actions[0].command.arguments))
        assert result["applied"] is True
        edit = edits_seen[-1].edit
        changes = (edit.document_changes[0].edits if edit.document_changes
                   else edit.changes[doc_uri])
        assert changes[0].new_text == new_text, code
    assert not await _actions(client, doc_uri, found["name.unresolved"])  # nothing obvious
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
