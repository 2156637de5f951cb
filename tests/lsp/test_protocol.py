"""Robustness and protocol details: malformed JSON-RPC, unknown methods, a 5 MB document opened
and edited, positions with CJK/emoji/ZWJ/combining marks in the negotiated encoding, locale
negotiation and switch, invalid settings."""

from __future__ import annotations

import asyncio

import pytest
from lsp_helpers import diagnostics, encoding, mark, open_doc, pos_in, reconfigure
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_malformed_json_and_unknown_methods_are_answered(client):
    server = client._server
    body = b'{"jsonrpc": "2.0", "id": 99, "method": '  # cut short
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    garbage = b"this is not json"
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(garbage) + garbage)
    await server.stdin.drain()
    with pytest.raises(Exception, match="Method Not Found"):
        await client.protocol.send_request_async("reml/noSuchMethod", {})
    client.protocol.notify("reml/noSuchNotification", {"x": 1})
    # and the server still works
    path = client.root / "src" / "geometry.reml"
    doc_uri = await open_doc(client, path)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    assert symbols and server.returncode is None


async def test_five_megabyte_document(client):
    path = client.root / "src" / "huge.reml"
    row = '  "' + "x" * 10_000 + '",\n'
    text = ("module huge\n\n/// Test data.\nlet table = [\n" + row * 500 + "]\n\n"
            "fn size() -> Int { 500 }\n")
    assert len(text.encode()) > 5_000_000
    path.write_text(text, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    assert await diagnostics(client, doc_uri, m, timeout=60) == []
    enc = encoding(client)
    at = pos_in(text, "{ 500 }", enc, 2)
    m = mark(client)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=at, end=at), text="(")]))
    diags = await diagnostics(client, doc_uri, m, timeout=60)
    assert len(diags) == 1 and diags[0].range.start.line == at.line
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri),
        position=pos_in(text, "table =", enc, 1)))
    assert "let table" in hover.contents.value and "Test data." in hover.contents.value
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))


async def test_multibyte_positions(client):
    path = client.root / "src" / "unicode.reml"
    text = path.read_text(encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    diags = await diagnostics(client, doc_uri, m)
    enc = encoding(client)
    assert len(diags) == 1
    # the stray `)` after emoji and CJK, in the client's units
    assert diags[0].range.start == pos_in(text, ")\n}", enc)
    assert diags[0].range.end == pos_in(text, ")\n}", enc, 1)
    # highlights of a CJK identifier after a ZWJ sequence and a combining mark
    hl = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri),
        position=pos_in(text, "挨拶 +", enc, 1)))
    starts = sorted((h.range.start.line, h.range.start.character) for h in hl)
    first, second = pos_in(text, "挨拶 =", enc), pos_in(text, "挨拶 +", enc)
    assert starts == [(first.line, first.character), (second.line, second.character)]
    assert hl[0].range.end.character - hl[0].range.start.character == (6 if enc == "utf-8"
                                                                       else 2)
    # an edit after the emoji, given in the client's units, lands in the right place
    at = pos_in(text, ")\n}", enc)
    m = mark(client)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=at, end=lsp.Position(line=at.line,
                                                       character=at.character + 1)),
            text="名前")]))
    assert await diagnostics(client, doc_uri, m) == []


async def test_locale_switch_republishes_in_japanese(client):
    path = client.root / "src" / "broken.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path)
    english = await diagnostics(client, doc_uri, m)
    assert all(d.data["locale"] == "en-US" for d in english)
    m = mark(client)
    await reconfigure(client, {"language": {"locale": "ja-JP"}})
    japanese = await diagnostics(client, doc_uri, m)
    assert all(d.data["locale"] == "ja-JP" for d in japanese)
    assert any("構文エラー" in d.message for d in japanese)
    assert [d.data["audit_id"] for d in japanese] == [d.data["audit_id"] for d in english]
    await reconfigure(client, {"language": {"locale": None}})


async def test_invalid_settings_get_a_message_and_the_default(client):
    client.messages.clear()
    client.set_configuration({"backpressure": {"debounceMs": -5, "maxLagMs": "soon"}},
                             section="reml")
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    for _ in range(100):
        if len(client.messages) >= 2:
            break
        await asyncio.sleep(0.02)
    texts = [m.message for m in client.messages]
    assert any("reml.backpressure.debounceMs" in t and "default 0.0" in t for t in texts)
    assert any("reml.backpressure.maxLagMs" in t for t in texts)
    client.set_configuration({}, section="reml")
    # still serving
    path = client.root / "src" / "geometry.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path, version=40)
    await diagnostics(client, doc_uri, m)
