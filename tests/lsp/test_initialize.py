"""Locale negotiation at initialize: initializationOptions.i18n.locale, initialize.locale, the
fallback warning; position encoding negotiated from the client's preference."""

from __future__ import annotations

import sys

import pytest
from lsp_helpers import SERVER_ENV, diagnostics, mark, open_doc, record_published, uri
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, client_capabilities

pytestmark = pytest.mark.asyncio

CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"],
    server_env=SERVER_ENV)


async def session(workspace, **init):
    client = await CONFIG.start()
    record_published(client)
    client.profile = "visual-studio-code"
    caps = init.pop("capabilities", client_capabilities("visual-studio-code"))
    result = await client.initialize_session(lsp.InitializeParams(
        capabilities=caps, root_uri=uri(workspace), **init))
    return client, result


async def test_initialization_options_locale_and_utf32(workspace):
    caps = client_capabilities("visual-studio-code")
    caps.general = lsp.GeneralClientCapabilities(
        position_encodings=[lsp.PositionEncodingKind.Utf32, lsp.PositionEncodingKind.Utf16])
    client, result = await session(workspace, capabilities=caps,
                                   initialization_options={"i18n": {"locale": "ja-JP"}})
    try:
        assert result.capabilities.position_encoding == lsp.PositionEncodingKind.Utf32
        text = 'fn f() -> Str { "🎉" + ) }\n'
        path = workspace / "src" / "init32.reml"
        path.write_text(text, encoding="utf-8")
        m = mark(client)
        doc_uri = await open_doc(client, path, text)
        diags = await diagnostics(client, doc_uri, m)
        assert diags[0].data["locale"] == "ja-JP"
        assert diags[0].range.start.character == text.index("+ )") + 2  # code points
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_unsupported_locale_falls_back_with_one_warning(workspace):
    client, _ = await session(workspace, locale="fr-FR")
    try:
        import asyncio

        for _ in range(100):
            if client.messages:
                break
            await asyncio.sleep(0.02)
        warnings = [m for m in client.messages if m.type == lsp.MessageType.Warning]
        assert len(warnings) == 1 and "fr-FR" in warnings[0].message
    finally:
        await client.shutdown_session()
        await client.stop()
