"""The workspace index through a real server over stdio: workspace/symbol (fuzzy), references
across files from the compact index, `$/progress` while indexing, and a workspace request
cancelled while the index is still being built (the index goes on and answers afterwards)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import SERVER, SERVER_ENV, encoding, open_doc, pos_in, start, uri
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

CACHE = tempfile.mkdtemp(prefix="reml-lsp-test-cache-")
ENV = {**SERVER_ENV, "REML_CACHE_DIR": CACHE}


def write_workspace(root: Path, modules: int, filler: int = 0) -> None:
    for i in range(modules):
        deps = sorted({(i * 7 + 1) % modules, (i + 1) % modules} - {i})
        lines = [f"module ws.m{i}", ""]
        lines += [f"use ws.m{j}.{{api_{j}}}" for j in deps]
        lines += [f"use ws.m{j} as dep{j}" for j in deps]
        lines += ["", f"/// Module {i}'s entry.", f"pub fn api_{i}(x: Int) -> Int {{ x + {i} }}",
                  f"fn call_{i}() -> Int {{ "
                  + " + ".join([f"api_{j}(1) + dep{j}.api_{j}(2)" for j in deps] or ["0"])
                  + " }"]
        lines += [f"fn pad_{i}_{k}(v: Int) -> Int {{ let w = v * {k}\n  w + 1 }}"
                  for k in range(filler)]
        path = root / f"m{i}.reml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "reml.toml").write_text("", encoding="utf-8")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale") / "ws"
    root.mkdir()
    write_workspace(root, 12)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV),
                    params=["visual-studio-code", "neovim"], scope="module")
async def client(lsp_client: LanguageClient, request, workspace: Path):
    lsp_client.profile = request.param
    lsp_client.root = workspace
    await start(lsp_client, request.param, workspace)
    yield
    await lsp_client.shutdown_session()


def text_at(path: Path, rng: lsp.Range, enc: str) -> str:
    line = path.read_text(encoding="utf-8").split("\n")[rng.start.line]
    data = line.encode("utf-16-le" if enc == "utf-16" else "utf-8")
    unit = 2 if enc == "utf-16" else 1
    piece = data[rng.start.character * unit:rng.end.character * unit]
    return piece.decode("utf-16-le" if enc == "utf-16" else "utf-8")


async def test_workspace_symbol_is_fuzzy_and_located(client):
    result = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="api_1"))
    names = [s.name for s in result]
    assert names[:3] == ["api_1", "api_10", "api_11"]  # exact, then shortest prefixes
    first = result[0]
    assert first.kind == lsp.SymbolKind.Function and first.container_name == "ws.m1"
    assert first.location.uri == uri(client.root / "m1.reml")
    assert text_at(client.root / "m1.reml", first.location.range, encoding(client)) == "api_1"
    fuzzy = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="cl5"))
    assert "call_5" in [s.name for s in fuzzy]
    assert await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query="zzzq")) == []


async def test_references_across_files(client):
    path = client.root / "m3.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri),
        position=pos_in(text, "pub fn api_3", enc, 7),
        context=lsp.ReferenceContext(include_declaration=True)))
    by_file: dict[str, int] = {}
    for loc in refs:
        name = Path(loc.uri.removeprefix("file://")).name
        assert text_at(client.root / name, loc.range, enc) == "api_3"
        by_file[name] = by_file.get(name, 0) + 1
    # m2 (i + 1) and m4 (i * 7 + 1 = 22 % 12 = 10 → no; 4 * 7 + 1 = 29 % 12 = 5 → no)...
    importers = {f"m{i}.reml" for i in range(12)
                 if 3 in {(i * 7 + 1) % 12, (i + 1) % 12} - {i}}
    assert set(by_file) == {"m3.reml", *importers}
    # each importer: the `use` entry, the direct call and the `depN.api_3` member call
    assert all(by_file[f] == 3 for f in importers)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("big") / "ws"
    root.mkdir()
    write_workspace(root, 160, filler=40)  # ~1 MB: worker processes, seconds to index
    return root


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=SERVER,
    server_env={**SERVER_ENV, "REML_CACHE_DIR": tempfile.mkdtemp(prefix="reml-cold-")}),
    scope="module")
async def cold_client(lsp_client: LanguageClient, big_workspace: Path):
    lsp_client.profile = "visual-studio-code"
    lsp_client.root = big_workspace
    await start(lsp_client, "visual-studio-code", big_workspace)
    yield
    await lsp_client.shutdown_session()


async def test_cancel_a_workspace_request_while_indexing(cold_client):
    client = cold_client
    path = client.root / "m5.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    params = lsp.ReferenceParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri),
        position=pos_in(text, "pub fn api_5", "utf-16", 7),
        context=lsp.ReferenceContext(include_declaration=False))
    pending = asyncio.ensure_future(client.text_document_references_async(params))
    await asyncio.sleep(0)
    msg_id = list(client.protocol._request_futures)[-1]
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))
    with pytest.raises(JsonRpcRequestCancelled):
        await pending
    # per-file requests are answered meanwhile, and the index finishes and answers
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    assert "api_5" in [s.name for s in symbols]
    refs = await client.text_document_references_async(params)
    assert {Path(r.uri).name for r in refs} >= {"m4.reml"}
    reports = [r for reports in client.progress_reports.values() for r in reports]
    assert any(isinstance(r, lsp.WorkDoneProgressBegin) and "indexing" in r.title
               for r in reports)
    assert any(isinstance(r, lsp.WorkDoneProgressEnd) for r in reports)


async def test_a_file_changed_on_disk_is_reindexed(client):
    path = client.root / "m7.reml"
    text = path.read_text(encoding="utf-8")
    name = f"fresh_name_7_{text.count('fresh_name_7')}"  # the workspace is shared by both clients
    path.write_text(text + f"\npub fn {name}() -> Int {{ 7 }}\n", encoding="utf-8")
    names: list[str] = []
    for _ in range(100):  # re-indexed in the background after a later workspace request
        found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query=name))
        names = [s.name for s in found]
        if names:
            break
        await asyncio.sleep(0.25)
    assert names == [name]


async def symbol_names(client, query: str) -> list[str]:
    found = await client.workspace_symbol_async(lsp.WorkspaceSymbolParams(query=query))
    return [s.name for s in found]


async def test_closing_a_saved_document_keeps_its_entry(client):
    path = client.root / "m5.reml"
    text = path.read_text(encoding="utf-8")
    assert "api_5" in await symbol_names(client, "api_5")  # indexed
    doc_uri = await open_doc(client, path, text)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    # Answered at once from the entry of the closed text (it is the text on disk): no gap
    # until a background re-read.
    assert "api_5" in await symbol_names(client, "api_5")


async def test_closing_with_unsaved_edits_brings_back_the_disk_version(client):
    path = client.root / "m6.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    unsaved = f"unsaved_6_{client.profile.replace('-', '_')}"
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=doc_uri, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(
            text=text + f"\npub fn {unsaved}() -> Int {{ 6 }}\n")]))
    assert await symbol_names(client, unsaved) == [unsaved]  # the editor's text while open
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    names: list[str] = [unsaved]
    for _ in range(100):  # the disk version is read again in the background
        names = await symbol_names(client, unsaved)
        if not names and "api_6" in await symbol_names(client, "api_6"):
            break
        await asyncio.sleep(0.1)
    assert names == []
    assert "api_6" in await symbol_names(client, "api_6")
