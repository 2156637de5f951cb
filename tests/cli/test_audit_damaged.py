"""A damaged audit store (a page overwritten in the middle, or a file that is not a database) is
reported as exit 4 with a JSON error naming the file by readers, and refused by writers: the
file is left byte for byte as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reml_lsp.audit.store import AuditStore, AuditStoreDamaged
from reml_lsp.config.diff_document import diff_document
from reml_lsp.config.loader import load_config
from reml_lsp.runtime.state_file import new_state

OLD = {"service": {"name": "a", "replicas": 2}}
NEW = {"service": {"name": "a", "replicas": 3}}


def make_store(path: Path, rows: int = 3000) -> None:
    with AuditStore(path) as store:
        for i in range(rows):
            store.record("test.event", f"id-{i}", {"n": i, "pad": "x" * 200})
    assert not path.with_name(path.name + "-wal").exists() or \
        path.with_name(path.name + "-wal").stat().st_size == 0


def damage_a_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = (len(data) // 2 // 4096) * 4096  # the start of a page in the middle
    data[middle:middle + 64] = b"\xa5" * 64  # the page header and first cell pointers
    path.write_bytes(bytes(data))


@pytest.fixture(params=["page", "not-a-database"])
def damaged(cli, request) -> Path:
    db = cli.root / ".reml" / "audit.db"
    db.parent.mkdir(exist_ok=True)
    if request.param == "page":
        make_store(db)
        damage_a_page(db)
    else:
        db.write_text("this is a text file, not SQLite\n" * 100)
    return db


def assert_io_error(run, db: Path) -> None:
    assert run.rc == 4, (run.stdout, run.stderr)
    err = run.json["error"]
    assert err["code"] == "audit.damaged"
    assert str(db) in err["message"] and err["path"] == str(db)


def test_readers_report_exit_4_naming_the_file(cli, damaged):
    before = damaged.read_bytes()
    for args in (("audit", "list", "--format", "json"),
                 ("audit", "show", "id-5", "--format", "json"),
                 ("audit", "export", "--format", "json")):
        assert_io_error(cli(*args), damaged)
    jsonl = cli("audit", "export", "--format", "jsonl")
    assert jsonl.rc == 4 and jsonl.stdout == ""
    assert "audit.damaged" in jsonl.stderr
    assert damaged.read_bytes() == before


def test_writers_refuse_and_leave_the_file_as_it_was(cli, damaged):
    before = damaged.read_bytes()
    old, new = cli.write("old.json", OLD), cli.write("new.json", NEW)
    assert_io_error(cli("diff", old, new, "--audit", "--format", "json"), damaged)
    applied = cli("diff", old, new, "--apply", "--audit", "--format", "json")
    assert_io_error(applied, damaged)
    assert json.loads(old.read_text()) == OLD  # the apply did not happen either

    state = cli.root / "st.json"
    state.write_bytes(new_state(OLD, "old.json", "json", None).to_bytes())
    doc, _, _ = diff_document(load_config(old), load_config(new), schema=None)
    (cli.root / "d.json").write_text(json.dumps(doc))
    state_before = state.read_bytes()
    assert_io_error(cli("reload", state, cli.root / "d.json", "--audit", "--format", "json"),
                    damaged)
    assert state.read_bytes() == state_before
    assert damaged.read_bytes() == before
    assert not damaged.with_name("audit.db-wal").exists() or \
        damaged.with_name("audit.db-wal").stat().st_size == 0


def test_damaged_rows_are_reported_too(cli):
    """Bytes overwritten inside the rows (the page structure intact, so quick_check passes):
    reading reports exit 4 when it reaches them."""
    db = cli.root / ".reml" / "audit.db"
    db.parent.mkdir(exist_ok=True)
    make_store(db)
    data = bytearray(db.read_bytes())
    middle = (len(data) // 2 // 4096) * 4096 + 2000
    data[middle:middle + 64] = b"\xa5" * 64
    db.write_bytes(bytes(data))
    assert_io_error(cli("audit", "list", "--format", "json"), db)
    export = cli("audit", "export", "--format", "jsonl")
    assert export.rc == 4 and "audit.damaged" in export.stderr


def test_store_open_refuses_without_writing(tmp_path):
    db = tmp_path / "audit.db"
    make_store(db, rows=2000)
    damage_a_page(db)
    before = db.read_bytes()
    with pytest.raises(AuditStoreDamaged) as info:
        AuditStore(db)
    assert info.value.kind == "io" and info.value.details["path"] == str(db)
    assert db.read_bytes() == before


def test_an_intact_store_opens(tmp_path):
    db = tmp_path / "audit.db"
    make_store(db, rows=50)
    with AuditStore(db) as store:
        assert store.count() == 50
