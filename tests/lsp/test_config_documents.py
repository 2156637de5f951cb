"""Config files as VS Code sends them: ``reml.toml`` with whatever language id the editor gives
it (``toml`` with a TOML extension installed, ``plaintext`` without), and a ``.json`` the client
sends that no schema claims. Push (VS Code) and pull (Neovim) clients both get the config
findings, never Reml parse errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_helpers import diagnostics, mark, uri
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _open(client, path: Path, language_id: str) -> str:
    doc_uri = uri(path)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=doc_uri, language_id=language_id, version=1,
                                           text=path.read_text(encoding="utf-8"))))
    return doc_uri


def _close(client, doc_uri: str) -> None:
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))


@pytest.mark.parametrize("language_id", ["reml", "toml", "plaintext"])
async def test_manifest_findings_whatever_the_language_id(client, workspace: Path, language_id):
    folder = workspace / f"vscode_manifest_{language_id}"
    folder.mkdir(exist_ok=True)
    (folder / "reml.toml").write_text('[project]\nname = 7\n', encoding="utf-8")
    m = mark(client)
    doc_uri = _open(client, folder / "reml.toml", language_id)
    got = await diagnostics(client, doc_uri, m)
    _close(client, doc_uri)
    assert [(d.code, d.range.start.line) for d in got] == [("config.schema.type_mismatch", 1)]


async def test_unassociated_json_gets_json_findings_not_reml_ones(client, workspace: Path):
    folder = workspace / "vscode_plain_json"
    folder.mkdir(exist_ok=True)
    (folder / "data.json").write_text('{"a": 1,}\n', encoding="utf-8")
    m = mark(client)
    doc_uri = _open(client, folder / "data.json", "json")
    got = await diagnostics(client, doc_uri, m)
    _close(client, doc_uri)
    assert [d.code for d in got] == ["config.parse.invalid_json"]
