"""Cross-module names through a real server over stdio (VS Code: pushed diagnostics; Neovim:
pulled): an importer shows the member its imported module does not declare once the index
knows that module; editing the module in the editor to declare it clears the importer's
finding; and the finding is the one `reml-run lint` prints (code, range, message,
audit_id)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import SERVER, SERVER_ENV, encoding, is_pull, open_doc, pos_in, start, uri
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

CACHE = tempfile.mkdtemp(prefix="reml-lsp-test-cache-")
ENV = {**SERVER_ENV, "REML_CACHE_DIR": CACHE}
UTIL = "module ws.util\n\npub fn helper(x: Int) -> Int { x }\n"
MAIN = ("module app.main\n\nuse ws.util.{helpr}\nuse ws.util as u\n\n"
        "pub fn run() -> Int { helpr(1) + u.helper(2) }\n")
MEMBER = "name.unresolved.member"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("members") / "ws"
    for rel, text in {"ws/util.reml": UTIL, "app/main.reml": MAIN, "reml.toml": ""}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV),
                    params=["visual-studio-code", "neovim"], scope="module")
async def client(lsp_client: LanguageClient, request, workspace: Path):
    lsp_client.profile = request.param
    lsp_client.root = workspace
    lsp_client.published = []
    handler = lsp_client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def recorder(params: lsp.PublishDiagnosticsParams):
        lsp_client.published.append(params)
        return handler(params)

    lsp_client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = recorder

    await start(lsp_client, request.param, workspace)
    yield
    await lsp_client.shutdown_session()


async def current(client: LanguageClient, doc_uri: str) -> list[lsp.Diagnostic] | None:
    if is_pull(client):
        report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
        return list(report.items)
    for params in reversed(client.published):
        if params.uri == doc_uri:
            return list(params.diagnostics)
    return None


async def until(client: LanguageClient, doc_uri: str, wanted, what: str,
                timeout: float = 60.0) -> list[lsp.Diagnostic]:
    """The document's diagnostics once ``wanted(them)`` holds (a wait, not a timing)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = await current(client, doc_uri)
        if got is not None and wanted(got):
            return got
        if loop.time() > deadline:
            raise AssertionError(f"{what}: last diagnostics {got}")
        await asyncio.sleep(0.05)


def members(items: list[lsp.Diagnostic]) -> list[lsp.Diagnostic]:
    return [d for d in items if (d.data or {}).get("message_key") == MEMBER]


async def test_importer_follows_the_module_edited_in_the_editor(client, workspace: Path):
    enc = encoding(client)
    main_uri = await open_doc(client, workspace / "app/main.reml", MAIN)
    found = members(await until(client, main_uri, lambda d: members(d), "the finding appears"))
    assert [(d.code, d.message, d.range) for d in found] == [
        ("name.unresolved", "module `ws.util` has no member `helpr`",
         lsp.Range(start=pos_in(MAIN, "helpr", enc), end=pos_in(MAIN, "helpr", enc, 5)))]
    if client.profile == "visual-studio-code":  # the hint travels as related information
        assert [r.message for r in found[0].related_information or []] == [
            "a member with a similar name exists: `helper`"]

    # Lint prints the same finding (code, range, message, audit_id).
    done = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", ".",
                           "--format", "json"], cwd=workspace, capture_output=True, text=True,
                          env={**os.environ, "REML_CACHE_DIR": CACHE}, timeout=300)
    linted = [d for d in json.loads(done.stdout)["diagnostics"] if d["message_key"] == MEMBER]
    lines = MAIN.split("\n")

    def lsp_range(loc: dict) -> lsp.Range:
        def at(line: int, col: int) -> lsp.Position:
            seg = lines[line - 1][:col - 1]
            units = len(seg.encode("utf-8")) if enc == "utf-8" else len(
                seg.encode("utf-16-le")) // 2
            return lsp.Position(line=line - 1, character=units)
        return lsp.Range(start=at(loc["line"], loc["column"]),
                         end=at(loc["endLine"], loc["endColumn"]))

    assert [(d["code"], d["message"], d["audit_id"], lsp_range(d["location"]))
            for d in linted] == [(d.code, d.message, d.data["audit_id"], d.range)
                                 for d in found]

    # Declare the member in the module, in the editor (not saved): the importer is re-checked.
    util_uri = await open_doc(client, workspace / "ws/util.reml", UTIL)
    end = pos_in(UTIL, "}", enc, 1)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=util_uri, version=2),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=end, end=end),
            text="\npub fn helpr(x: Int) -> Int { x }")]))
    await until(client, main_uri, lambda d: not members(d), "the finding goes")

    # Rename it away again: the finding comes back.
    cut = UTIL.index("}") + 1
    at = pos_in(UTIL[:cut] + "\npub fn helpr(x: Int) -> Int { x }" + UTIL[cut:], "helpr", enc)
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=util_uri, version=3),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=at, end=lsp.Position(line=at.line,
                                                       character=at.character + 5)),
            text="other")]))
    back = await until(client, main_uri, lambda d: members(d), "the finding returns")
    assert [d.message for d in members(back)] == ["module `ws.util` has no member `helpr`"]
    assert uri(workspace / "app/main.reml") == main_uri
