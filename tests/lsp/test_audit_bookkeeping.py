"""The server records a finding in the audit store when it appears and when it goes (settled on
save), not on every publish: typing in one item writes nothing for the findings elsewhere."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest
from lsp_helpers import diagnostics, encoding, is_pull, mark, open_doc, pos_in
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = ("fn a() -> Int {\n  let x = (1\n  x\n}\n\n"
        "fn b() -> Int {\n  let y = 2\n  y\n}\n\n"
        "fn c() -> Int {\n  let z = [1, 2\n  z\n}\n")


def change(doc_uri: str, version: int, at: lsp.Position, text: str, end=None):
    return lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=at, end=end or at), text=text)])


async def rows_for(client, path: str, audit_ids: list[str], at_least: int
                   ) -> list[tuple[str, str]]:
    """(event, audit_id) of this file's diagnostic events once there are ``at_least`` (a save is
    handled by an async handler, so it may land after the next request); reml.showAuditEntry
    flushes the server's writer before each look."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="reml.showAuditEntry", arguments=[audit_ids[0]]))
        with sqlite3.connect(client.root / ".reml" / "audit.db") as conn:
            rows = conn.execute("SELECT event, audit_id, payload FROM events "
                                "WHERE event LIKE 'lsp.diagnostic.%' ORDER BY id").fetchall()
        found = [(e, a) for e, a, p in rows if json.loads(p).get("path") == path]
        if len(found) >= at_least or loop.time() > deadline:
            return found
        await asyncio.sleep(0.05)


async def test_typing_elsewhere_writes_no_rows_and_a_fix_writes_one(client):
    name = f"ledger_{client.profile}.reml"
    path = client.root / "src" / name
    path.write_text(TEXT, encoding="utf-8")
    enc = encoding(client)
    m = mark(client)
    doc_uri = await open_doc(client, path, TEXT)
    first = await diagnostics(client, doc_uri, m)
    ids = sorted(d.data["audit_id"] for d in first)
    assert len(ids) == 2
    version = 1
    at = pos_in(TEXT, "let y = 2", enc, len("let y = 2"))
    # 13 keystrokes in b, each leaving b valid: a pause longer than the settle time (a slow
    # machine) must not record a transient finding, or the row count depends on timing
    for ch in "0" * 13:
        version += 1
        m = mark(client)
        client.text_document_did_change(change(doc_uri, version, at, ch))
        at = lsp.Position(line=at.line, character=at.character + 1)
        if is_pull(client):
            await diagnostics(client, doc_uri, m)
    final = TEXT.replace("let y = 2", "let y = 2" + "0" * 13)
    m = mark(client)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), text=final))
    now = await diagnostics(client, doc_uri, m)
    assert sorted(d.data["audit_id"] for d in now) == ids
    rel = f"src/{name}"
    rows = await rows_for(client, rel, ids, 2)
    assert sorted(rows) == sorted(("lsp.diagnostic.published", i) for i in ids)

    # close the `(` of a: its finding goes (one row), c's stays (no row)
    fixed = final.replace("let x = (1\n", "let x = (1)\n")
    version += 1
    m = mark(client)
    client.text_document_did_change(change(doc_uri, version, pos_in(final, "(1\n", enc, 2),
                                           ")"))
    if is_pull(client):
        await diagnostics(client, doc_uri, m)
    m = mark(client)
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), text=fixed))
    left = await diagnostics(client, doc_uri, m)
    assert len(left) == 1 and left[0].data["audit_id"] in ids
    gone = next(i for i in ids if i != left[0].data["audit_id"])
    rows = await rows_for(client, rel, ids, 3)
    assert rows[2:] == [("lsp.diagnostic.resolved", gone)]
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
