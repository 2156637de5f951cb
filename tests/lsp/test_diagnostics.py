"""Diagnostics end to end: on open, on change (incremental edits), on save, pulled with resultId
and unchanged reports (Neovim), pushed (VS Code), workspace diagnostics with progress, code
actions → reml.applyFix → audit + workspace/applyEdit."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from lsp_helpers import diagnostics, encoding, is_pull, mark, open_doc, pos_in
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")


def change(doc_uri: str, version: int, start: lsp.Position, end: lsp.Position, text: str):
    return lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=start, end=end), text=text)])


async def test_open_reports_codes_data_and_related_information(client):
    path = client.root / "src" / "broken.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path)
    diags = await diagnostics(client, doc_uri, m)
    codes = sorted(d.code for d in diags)
    assert codes == ["effects.handler.missing_with", "parser.syntax.expected_tokens",
                     "parser.syntax.expected_tokens"]
    for d in diags:
        assert d.source == "reml"
        assert set(d.data) >= {"audit_id", "message_key", "locale", "locale_args", "domain",
                               "expected", "change_set", "severity_hint", "stream_meta"}
        assert d.data["domain"] == "parser" and d.data["locale"] == "en-US"
    unclosed = next(d for d in diags if "`)` is needed" in d.message)
    assert unclosed.related_information, "the unclosed `(` note becomes relatedInformation"
    assert unclosed.related_information[0].location.uri == doc_uri
    assert unclosed.range.start.line == 4


async def test_change_then_fix_clears_the_diagnostic(client):
    path = client.root / "src" / "edited.reml"
    text = "fn f(x: Int) -> Int {\n  x + 1\n}\n"
    path.write_text(text, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    assert await diagnostics(client, doc_uri, m) == []
    enc = encoding(client)
    # delete the closing brace: an error at the end
    m = mark(client)
    client.text_document_did_change(change(doc_uri, 2, pos_in(text, "}", enc),
                                           pos_in(text, "}", enc, 1), ""))
    diags = await diagnostics(client, doc_uri, m)
    assert [d.code for d in diags] == ["parser.unexpected_eof"]
    # and type it again
    m = mark(client)
    client.text_document_did_change(change(doc_uri, 3, pos_in(text, "}", enc),
                                           pos_in(text, "}", enc), "}"))
    assert await diagnostics(client, doc_uri, m) == []


async def test_rapid_changes_end_with_the_last_version(client):
    path = client.root / "src" / "rapid.reml"
    text = "fn g() -> Int { 0 }\n"
    path.write_text(text, encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    at = pos_in(text, "0", enc)
    m = mark(client)
    for version, ch in enumerate("(1 + 2", start=2):
        client.text_document_did_change(change(doc_uri, version, at, at, ch))
        at = lsp.Position(line=at.line, character=at.character + 1)
    diags = await diagnostics(client, doc_uri, m)
    if not is_pull(client):
        # intermediate versions may or may not be published; the last publish is for the
        # final text, and it carries no diagnostics of the stale ones
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while loop.time() < deadline:
            last = [p for p in client.published[m:] if p.uri == doc_uri][-1]
            if len(last.diagnostics) == 1 and "`)`" in last.diagnostics[0].message:
                break
            await asyncio.sleep(0.01)
        diags = list(last.diagnostics)
    assert len(diags) == 1 and "`)`" in diags[0].message


async def test_save_refreshes(client):
    path = client.root / "src" / "saved.reml"
    text = "fn h() -> Int { 1 }\n"
    path.write_text(text, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    await diagnostics(client, doc_uri, m)
    ident = lsp.TextDocumentIdentifier(uri=doc_uri)
    if is_pull(client):
        before = await client.text_document_diagnostic_async(
            lsp.DocumentDiagnosticParams(text_document=ident))
    m = mark(client)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(text_document=ident, text=text))
    if is_pull(client):
        # a save invalidates the resultId: the next pull gets a full report
        after = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
            text_document=ident, previous_result_id=before.result_id))
        assert after.kind == "full" and after.result_id != before.result_id
    else:
        assert await diagnostics(client, doc_uri, m) == []


async def test_pull_result_id_and_unchanged(client):
    if not is_pull(client):
        pytest.skip("the VS Code profile has no pull diagnostics")
    path = client.root / "src" / "broken.reml"
    doc_uri = await open_doc(client, path)
    first = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    assert first.kind == "full" and first.result_id
    again = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri),
        previous_result_id=first.result_id))
    assert again.kind == "unchanged" and again.result_id == first.result_id


async def test_workspace_diagnostic_with_progress(client):
    if not is_pull(client):
        pytest.skip("workspace/diagnostic is a pull feature")
    client.progress_reports.setdefault("ws-diag", [])  # a token the client made
    report = await client.workspace_diagnostic_async(lsp.WorkspaceDiagnosticParams(
        previous_result_ids=[], work_done_token="ws-diag"))
    by_uri = {r.uri: r for r in report.items}
    broken = next(u for u in by_uri if u.endswith("/src/broken.reml"))
    assert len(by_uri[broken].items) == 3
    assert next(u for u in by_uri if u.endswith("/src/geometry.reml"))
    kinds = [p.kind for p in client.progress_reports.get("ws-diag", [])]
    assert kinds[0] == "begin" and kinds[-1] == "end"
    again = await client.workspace_diagnostic_async(lsp.WorkspaceDiagnosticParams(
        previous_result_ids=[lsp.PreviousResultId(uri=r.uri, value=r.result_id)
                             for r in report.items]))
    assert all(r.kind == "unchanged" for r in again.items)


async def test_code_action_apply_fix_audits_and_edits(client):
    path = client.root / "src" / "fixme.reml"
    text = "fn f(x: Int) -> Int {\n  let y = add(x, 1\n  y * 2\n}\n"
    path.write_text(text, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    diags = await diagnostics(client, doc_uri, m)
    assert len(diags) == 1
    edits_seen: list[lsp.ApplyWorkspaceEditParams] = []

    @client.feature(lsp.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: lsp.ApplyWorkspaceEditParams):
        edits_seen.append(params)
        return lsp.ApplyWorkspaceEditResult(applied=True)

    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), range=diags[0].range,
        context=lsp.CodeActionContext(diagnostics=diags)))
    assert actions and actions[0].title == "insert `)`"
    action = actions[0]
    assert action.kind == lsp.CodeActionKind.QuickFix
    assert action.data["audit_id"] == diags[0].data["audit_id"]
    assert action.command.command == "reml.applyFix"
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=action.command.command, arguments=action.command.arguments))
    assert result["applied"] is True and result["audit_id"] == diags[0].data["audit_id"]
    assert len(edits_seen) == 1
    edit = edits_seen[0].edit
    changes = edit.document_changes[0].edits if edit.document_changes else edit.changes[doc_uri]
    assert changes[0].new_text == ")"
    enc = encoding(client)
    assert changes[0].range.start == pos_in(text, "1\n", enc, 1)
    db = client.root / ".reml" / "audit.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT event, payload FROM events WHERE audit_id = ?",
                            (diags[0].data["audit_id"],)).fetchall()
    events = [r[0] for r in rows]
    assert "lsp.codeAction" in events and "lsp.diagnostic.published" in events
    payload = json.loads(next(p for e, p in rows if e == "lsp.codeAction"))
    assert payload["command"] == "reml.applyFix"
