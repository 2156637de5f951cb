"""The per-file diagnostics cap in the editor (`reml.diagnostics.maxPerFile`), and hostile text
over LSP: the same first findings and summary as `reml-run lint`, the server stays up."""

from __future__ import annotations

import asyncio

import pytest
from lsp_helpers import diagnostics, mark, open_doc, reconfigure
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

FLOOD = "fn f() -> Int = 1\n" + "§ x\n" * 300


async def test_default_cap_then_a_smaller_one_from_the_settings(client):
    path = client.root / "src" / "flood.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path, FLOOD)
    shown = await diagnostics(client, doc_uri, m)
    assert len(shown) == 201
    summary = shown[-1]
    assert summary.code == "diagnostics.truncated"
    assert summary.severity == lsp.DiagnosticSeverity.Information
    assert summary.data["locale_args"][1] == "200"

    m = mark(client)
    await reconfigure(client, {"diagnostics": {"maxPerFile": 10}})
    shown = await diagnostics(client, doc_uri, m)
    assert len(shown) == 11 and shown[-1].code == "diagnostics.truncated"
    assert int(shown[-1].data["locale_args"][0]) == 201 - 1 - 10 + int(
        summary.data["locale_args"][0])

    m = mark(client)
    await reconfigure(client, {"diagnostics": {"maxPerFile": 0}})
    shown = await diagnostics(client, doc_uri, m)
    assert len(shown) > 201 and all(d.code != "diagnostics.truncated" for d in shown)
    await reconfigure(client, {})


async def test_an_invalid_cap_is_reported_and_the_default_kept(client):
    client.messages.clear()
    await reconfigure(client, {"diagnostics": {"maxPerFile": -3}})
    for _ in range(100):
        if any("reml.diagnostics.maxPerFile" in m.message for m in client.messages):
            break
        await asyncio.sleep(0.02)
    assert any("reml.diagnostics.maxPerFile" in m.message and "default 200" in m.message
               for m in client.messages)
    await reconfigure(client, {})


async def test_hostile_text_gets_bounded_diagnostics(client):
    path = client.root / "src" / "hostile.reml"
    text = ("fn f() -> Str = \"" + "\\u{" * 20000 + "\"\n" + "\x00" * 50000 + "😀" * 20000
            + "\n\ud800 '''''' " + "(" * 3000 + "\n" + "- " * 3000 + "x\n")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    shown = await diagnostics(client, doc_uri, m, timeout=60)
    assert 1 <= len(shown) <= 201
    assert "parser.lexer.unknown_token" in {d.code for d in shown}
    # still serving
    m = mark(client)
    ok = await open_doc(client, client.root / "src" / "ok.reml", "fn g() -> Int = 1\n")
    assert await diagnostics(client, ok, m) == []
