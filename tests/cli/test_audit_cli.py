"""``reml-run audit show | list | export`` and concurrent writers (several CLIs plus a long-lived
writer standing in for the language server, which uses the same ``AuditStore``)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time

from reml_lsp.audit.store import AuditStore

# A writer that prints each committed row id, so a test knows what must survive a SIGKILL.
WRITER = """
import sys
from reml_lsp.audit.store import AuditStore
store = AuditStore(sys.argv[1])
for i in range(int(sys.argv[2])):
    rowid = store.record("server.event", sys.argv[3], {"i": i})
    print(rowid, flush=True)
"""


def _seed(cli, events):
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        for name, audit_id, payload in events:
            store.record(name, audit_id, payload)


def test_show_list_export(cli):
    _seed(cli, [("reml.reload", "A", {"n": 1}), ("config.diff", "B", {"n": 2}),
                ("reml.rollback", "A", {"n": 3})])
    out = cli.root / "export.jsonl"
    show, listed, limited, future, recent, export, to_file, text = cli.many(
        ("audit", "show", "A", "--format", "json"),
        ("audit", "list", "--event", "config.diff", "--format", "json"),
        ("audit", "list", "--limit", "1", "--format", "json"),
        ("audit", "list", "--since", "2999-01-01T00:00:00+09:00", "--format", "json"),
        ("audit", "list", "--since", "10m", "--format", "json"),
        ("audit", "export",),
        ("audit", "export", "--output", out, "--event", "reml.reload"),
        ("audit", "list", "--format", "text"),
    )
    assert show.rc == 0
    assert [e["event"] for e in show.json["events"]] == ["reml.reload", "reml.rollback"]
    assert listed.json["count"] == 1 and listed.json["events"][0]["audit_id"] == "B"
    assert limited.json["events"][0]["event"] == "reml.rollback"
    assert future.json["count"] == 0
    assert future.json["filters"]["since"] == "2998-12-31T15:00:00.000Z"
    assert recent.json["count"] == 3
    lines = export.stdout.splitlines()
    assert [json.loads(line)["payload"]["n"] for line in lines] == [1, 2, 3]
    assert to_file.rc == 0
    assert [json.loads(x)["audit_id"] for x in out.read_text().splitlines()] == ["A"]
    assert text.rc == 0 and len(text.stdout.splitlines()) == 3


def test_audit_failures(cli):
    (cli.root / "adir").mkdir()
    runs = cli.many(
        ("audit", "show", "nope", "--format", "json"),
        ("audit", "list", "--audit-db", cli.root / "adir", "--format", "json"),
        ("audit", "list", "--since", "yesterday-ish", "--format", "json"),
        ("audit", "--format", "json"),
    )
    assert [(r.rc, r.json["error"]["code"]) for r in runs] == [
        (1, "audit.not_found"), (4, "audit.unavailable"), (3, "cli.usage"), (3, "cli.usage")]


def test_concurrent_writers_lose_nothing_and_a_killed_writer_corrupts_nothing(cli):
    db = cli.root / ".reml" / "audit.db"
    AuditStore(db).close()
    old = cli.write("old.json", {"a": 1})
    new = cli.write("new.json", {"a": 2})
    env = {**cli.env}
    servers = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), "150", f"server-{i}"],
                                stdout=subprocess.PIPE, text=True, env=env) for i in range(2)]
    victim = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "100000", "victim"],
                              stdout=subprocess.PIPE, text=True, env=env)
    clis = cli.many(*[("diff", old, new, "--audit", "--format", "json")] * 6)
    assert all(r.rc == 0 for r in clis)
    time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    committed, _ = victim.communicate(timeout=30)
    for proc in servers:
        assert proc.wait(timeout=60) == 0
    with AuditStore(db) as store:
        assert len(store.list("server.event")) == 300 + len(store.show("victim"))
        assert {e.audit_id for e in store.list("server.event")} == {"server-0", "server-1",
                                                                    "victim"}
        assert len(store.list("config.diff")) == 6
        assert len({e.run_id for e in store.list("config.diff")}) == 6
        stored_victim = {e.id for e in store.show("victim")}
    printed = {int(x) for x in committed.split()}
    assert printed and printed <= stored_victim  # every acknowledged write survived the kill
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
