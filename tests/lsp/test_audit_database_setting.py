"""``reml.audit.database`` end to end (docs/security.md, defence 4): a database outside the
workspace that the user allowed in the prompt is the one the server then writes, and one in the
user's own reml-lsp state folder is used without a question. Real server over stdio, real SQLite
files read back from this process."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import (
    SERVER,
    SERVER_ENV,
    answer_prompts,
    diagnostics,
    mark,
    open_doc,
    record_published,
    round_trips,
    start,
)
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

BROKEN = "fn {name}() -> Int {{\n  let x = (1\n  x\n}}\n"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV),
                    scope="module")
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.root = workspace
    lsp_client.profile = "visual-studio-code"
    record_published(lsp_client)
    await start(lsp_client, "visual-studio-code", workspace)
    yield
    await lsp_client.shutdown_session()


def diagnostic_rows(db: Path, rel_path: str) -> list[tuple[str, str]]:
    """(event, audit_id) of the diagnostic events for ``rel_path`` in ``db`` (none if absent)."""
    if not db.exists():
        return []
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT event, audit_id, payload FROM events "
                            "WHERE event LIKE 'lsp.diagnostic.%' ORDER BY id").fetchall()
    return [(e, a) for e, a, p in rows if json.loads(p).get("path") == rel_path]


async def use_setting(client, value: str, answer: str) -> list[str]:
    """Set ``reml.audit.database``; the prompts the server showed, each answered ``answer``."""
    await round_trips(client)  # the settings fetched at `initialized` are the old ones
    asked: list[str] = []
    answer_prompts(client, lambda params: asked.append(params.message) or answer)
    settings = {"audit": {"database": value}}
    client.set_configuration(settings, section="reml")
    client.workspace_did_change_configuration(
        lsp.DidChangeConfigurationParams(settings={"reml": settings}))
    await round_trips(client)
    return asked


async def finding_recorded(client, name: str, db: Path) -> tuple[str, list[tuple[str, str]]]:
    """Open ``src/<name>.reml`` with one syntax error, save it (findings are recorded when
    settled), and wait until ``db`` holds its row; (its audit_id, the rows found)."""
    path = client.root / "src" / f"{name}.reml"
    text = BROKEN.format(name=name)
    path.write_text(text, encoding="utf-8")
    m = mark(client)
    doc_uri = await open_doc(client, path, text)
    found = await diagnostics(client, doc_uri, m)
    assert len(found) == 1
    audit_id = found[0].data["audit_id"]
    client.text_document_did_save(lsp.DidSaveTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), text=text))
    rel = f"src/{name}.reml"
    rows: list[tuple[str, str]] = []
    for _ in range(300):
        answer = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
            command="reml.showAuditEntry", arguments=[audit_id]))  # flushes the writer
        rows = diagnostic_rows(db, rel)
        if rows and answer["events"]:
            break
        await asyncio.sleep(0.05)
    client.text_document_did_close(lsp.DidCloseTextDocumentParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    return audit_id, rows


async def test_an_allowed_database_outside_the_workspace_gets_the_rows(client):
    target = client.root.parent / "elsewhere" / "audit" / "shared.db"
    asked = await use_setting(client, str(target), "Allow")
    assert len(asked) == 1 and str(target) in asked[0] and "reml.audit.database" in asked[0]
    audit_id, rows = await finding_recorded(client, "allowed_outside", target)
    assert rows == [("lsp.diagnostic.published", audit_id)]
    assert diagnostic_rows(client.root / ".reml" / "audit.db", "src/allowed_outside.reml") == []
    assert not any("was not allowed" in m.message for m in client.messages)

    # the same path again (a settings change elsewhere): allowed already, not asked again
    assert await use_setting(client, str(target), "Cancel") == []


async def test_a_database_in_the_users_state_folder_is_used_without_asking(client):
    state = Path(os.environ["XDG_STATE_HOME"]) / "reml-lsp" / "audit.db"  # tests/conftest.py
    assert await use_setting(client, str(state), "Cancel") == []
    audit_id, rows = await finding_recorded(client, "in_state_folder", state)
    assert rows == [("lsp.diagnostic.published", audit_id)]
    outside = client.root.parent / "elsewhere" / "audit" / "shared.db"
    assert diagnostic_rows(outside, "src/in_state_folder.reml") == []


async def test_a_settings_change_while_the_question_is_open_does_not_ask_again(client):
    target = client.root.parent / "elsewhere" / "audit" / "slow.db"
    await round_trips(client)
    asked: list[str] = []
    answered = asyncio.Event()

    async def slow_user(params: lsp.ShowMessageRequestParams) -> str:
        asked.append(params.message)
        await answered.wait()
        return "Allow"

    answer_prompts(client, slow_user)
    settings = {"audit": {"database": str(target)}}
    client.set_configuration(settings, section="reml")
    for _ in range(3):  # e.g. the user edits other settings while the prompt is showing
        client.workspace_did_change_configuration(
            lsp.DidChangeConfigurationParams(settings={"reml": settings}))
        await round_trips(client)
    assert len(asked) == 1 and str(target) in asked[0]
    answered.set()
    await round_trips(client)
    audit_id, rows = await finding_recorded(client, "asked_once", target)
    assert rows == [("lsp.diagnostic.published", audit_id)]
    assert len(asked) == 1
