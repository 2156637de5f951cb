"""GC profiles in the product (runtime-bridges §10): a real server session in a workspace whose
``reml.toml`` says ``[run.gc] profile = "game"`` records ``gc.stats`` with that profile and the
session's ``run_id`` in the workspace audit store, on real collections of the server process."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest_lsp
from lsp_helpers import (
    FIXTURES,
    SERVER,
    SERVER_ENV,
    diagnostics,
    mark,
    open_doc,
    record_published,
    start,
)
from pytest_lsp import ClientServerConfig, LanguageClient

GAME = '[package]\nname = "g"\n\n[run.gc]\nprofile = "game"\nheap_max_bytes = 536870912\n'


def _gc_stats(db: Path) -> list[dict]:
    import json

    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT audit_id, run_id, payload FROM events "
                            "WHERE event = 'gc.stats' ORDER BY id").fetchall()
    return [{"row_audit_id": a, "row_run_id": r, **json.loads(p)} for a, r, p in rows]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV))
async def client(lsp_client: LanguageClient, tmp_path: Path):
    root = tmp_path / "game"
    shutil.copytree(FIXTURES / "workspace", root)
    (root / "reml.toml").write_text(GAME)
    lsp_client.root = root
    lsp_client.profile = "visual-studio-code"
    record_published(lsp_client)
    await start(lsp_client, "visual-studio-code", root)
    yield
    await lsp_client.shutdown_session()


async def test_a_game_workspace_records_gc_stats_with_its_profile(client):
    db = client.root / ".reml" / "audit.db"
    for name in ("app.reml", "geometry.reml", "unicode.reml"):
        at = mark(client)
        doc = await open_doc(client, client.root / "src" / name)
        await diagnostics(client, doc, at)
    # the flusher writes every 2 s; wait (bounded) for a collection's stats, not a snapshot's
    for _ in range(150):
        stats = _gc_stats(db)
        if any(s["total_collections"] >= 1 for s in stats):
            break
        await asyncio.sleep(0.2)
    assert stats, "no gc.stats in the audit store"
    assert {s["profile"] for s in stats} == {"game"}
    assert {s["policy"] for s in stats} == {"Incremental"}
    assert {s["heap_limit"] for s in stats} == {536870912}  # the [run.gc] override
    assert {s["pause_target_ms"] for s in stats} == {4.0}
    assert len({s["run_id"] for s in stats}) == 1
    assert all(s["row_audit_id"] == s["row_run_id"] == s["run_id"] for s in stats)
    assert any(s["total_collections"] >= 1 for s in stats), stats


def test_an_unknown_gc_profile_is_a_usage_error(tmp_path):
    (tmp_path / "reml.toml").write_text('[run.gc]\nprofile = "mobile"\n')
    bad = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--gc-profile",
                          "nope"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert bad.returncode == 3
    assert "unknown GC profile 'nope'" in bad.stderr and "Traceback" not in bad.stderr
