"""Helpers for the pytest-lsp tests: starting a session, opening documents, waiting for
diagnostics (pushed for VS Code, pulled for Neovim), positions in a given encoding."""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
from pathlib import Path
from typing import Union

from lsprotocol import types as lsp
from pytest_lsp import LanguageClient, client_capabilities

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lsp"
CLIENTS = ["visual-studio-code", "neovim"]
SERVER = [sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"]
SERVER_ENV = {k: v for k, v in os.environ.items() if k != "REML_AUDIT_DB"}
SERVER_ENV["LANG"] = "C.UTF-8"
SERVER_ENV.pop("REML_LOCALE", None)


def uri(path: Path) -> str:
    return path.resolve().as_uri()


async def start(client: LanguageClient, profile: str, root: Path, **init) -> None:
    params = lsp.InitializeParams(
        capabilities=client_capabilities(profile),
        root_uri=uri(root),
        workspace_folders=[lsp.WorkspaceFolder(uri=uri(root), name="ws")],
        **init)
    await client.initialize_session(params)


def record_published(client: LanguageClient) -> None:
    client.published = []
    handler = client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def recorder(params: lsp.PublishDiagnosticsParams):
        client.published.append(params)
        return handler(params)

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = recorder


def is_pull(client: LanguageClient) -> bool:
    return client.profile == "neovim"


def encoding(client: LanguageClient) -> str:
    return "utf-8" if client.profile == "neovim" else "utf-16"


async def open_doc(client: LanguageClient, path: Path, text: str | None = None,
                   version: int = 1) -> str:
    text = path.read_text(encoding="utf-8") if text is None else text
    doc_uri = uri(path)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=doc_uri, language_id="reml", version=version,
                                           text=text)))
    return doc_uri


def mark(client: LanguageClient) -> int:
    """Call before an action; pass the result to ``diagnostics`` to wait for what follows."""
    return len(client.published)


async def diagnostics(client: LanguageClient, doc_uri: str, after: int = 0,
                      timeout: float = 15.0) -> list[lsp.Diagnostic]:
    """The document's diagnostics as the client sees them: pulled (Neovim) or the first
    publishDiagnostics for it after ``after`` (VS Code)."""
    if is_pull(client):
        report = await client.text_document_diagnostic_async(lsp.DocumentDiagnosticParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
        return list(report.items)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for params in client.published[after:]:
            if params.uri == doc_uri:
                return list(params.diagnostics)
        if loop.time() > deadline:
            raise TimeoutError(f"no diagnostics for {doc_uri}")
        await asyncio.sleep(0.005)


def pos_in(text: str, needle: str, enc: str, delta: int = 0, nth: int = 0) -> lsp.Position:
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += delta
    line = text.count("\n", 0, at)
    line_start = text.rfind("\n", 0, at) + 1
    seg = text[line_start:at]
    if enc == "utf-8":
        char = len(seg.encode("utf-8"))
    elif enc == "utf-16":
        char = len(seg.encode("utf-16-le")) // 2
    else:
        char = len(seg)
    return lsp.Position(line=line, character=char)


def fix_code_action_union(client: LanguageClient) -> None:
    """lsprotocol's client-side hook reads any object with a ``command`` key as a ``Command``,
    so a ``CodeAction`` carrying a command comes back as a ``Command``. Tell them apart by
    ``command`` being a string (Command) or an object (CodeAction), as the spec does."""
    converter = client.protocol._converter

    def hook(obj, _):
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, lsp.Command)
        return converter.structure(obj, lsp.CodeAction)

    converter.register_structure_hook(Union[lsp.Command, lsp.CodeAction], hook)  # noqa: UP007


def answer_prompts(client: LanguageClient, answer) -> None:
    """Answer the server's window/showMessageRequest with ``answer(params)`` (a title or None,
    or an awaitable of one);
    the handler is registered once per client, later calls replace ``answer``."""
    if getattr(client, "answer_prompt", None) is None:
        @client.feature(lsp.WINDOW_SHOW_MESSAGE_REQUEST)
        async def prompt(params: lsp.ShowMessageRequestParams):
            title = client.answer_prompt(params)
            if inspect.isawaitable(title):  # a user who takes their time
                title = await title
            return None if title is None else lsp.MessageActionItem(title=title)
    client.answer_prompt = answer


async def round_trips(client: LanguageClient, count: int = 2) -> None:
    """``count`` requests, one after the other. A task a message starts takes its first step
    before the message after the next one is handled (the server yields after each), so what
    the server began before (apply fetched settings, vet them, send a prompt) has been done once
    the last is answered."""
    for _ in range(count):
        await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="reml.showAuditEntry", arguments=["none"]))


async def reconfigure(client: LanguageClient, settings: dict, timeout: float = 30.0) -> None:
    """Change the ``reml`` settings as an editor does (``didChangeConfiguration`` without a
    value, the server asks with ``workspace/configuration``) and return once the server has
    its answer and has applied it — no fixed sleep, which a loaded machine outruns."""
    answered = asyncio.Event()
    ask = client.get_configuration

    def answer(*args, **kwargs):
        answered.set()
        return ask(*args, **kwargs)

    client.get_configuration = answer  # type: ignore[method-assign]
    try:
        client.set_configuration(settings, section="reml")
        client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(
            settings=None))
        await asyncio.wait_for(answered.wait(), timeout)
    finally:
        client.get_configuration = ask  # type: ignore[method-assign]
    await round_trips(client)


def proc_state(pid: int | str) -> tuple[str, int] | None:
    """(state letter, parent pid) of a process from ``/proc/<pid>/stat``; None when it is gone.
    (The command name before them may hold spaces and parentheses: read after the last ``)``.)"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1])


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    state = proc_state(pid)
    return state is not None and state[0] != "Z"
