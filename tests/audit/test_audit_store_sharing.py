"""Several connections to one audit store: two stores in one process (the language server's audit
thread and its GC flusher) and other processes (a second server, ``reml-run``, a reader). Every
committed row must be visible to another process at once, on a fresh database too.

The bug this guards against: opening the database file outside SQLite (a header check with
``open()``) dropped this process's POSIX locks on it, so another process closing its connection
took itself for the last one and deleted the ``-wal``/``-shm`` still in use here: later commits
went to an unlinked WAL (rows lost, then ``disk I/O error``)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from contextlib import closing
from pathlib import Path

from reml_lsp.audit.store import AuditStore

WRITER = """
import sys
from pathlib import Path
from reml_lsp.audit.store import AuditStore
with AuditStore(Path(sys.argv[1])) as store:
    for n in range(int(sys.argv[2])):
        store.record("test.other_process", f"{sys.argv[3]}{n}")
"""


def other_process_writes(db: Path, count: int, prefix: str = "p") -> None:
    subprocess.run([sys.executable, "-c", WRITER, str(db), str(count), prefix], check=True,
                   timeout=60)


def ids_seen_by_another_process(db: Path) -> list[str]:
    code = ("import sqlite3, sys\n"
            "with __import__('contextlib').closing(sqlite3.connect(sys.argv[1])) as c:\n"
            "    print('\\n'.join(r[0] for r in c.execute('SELECT audit_id FROM events')))")
    out = subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=60,
                         capture_output=True, text=True).stdout
    return sorted(out.split())


def in_thread(fn) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised on the test's thread
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(timeout=60)
    assert not t.is_alive()
    if errors:
        raise errors[0]


def test_a_second_store_in_the_process_keeps_the_first_ones_rows_visible(tmp_path):
    db = tmp_path / ".reml" / "audit.db"
    first = AuditStore(db)  # the server's audit thread
    try:
        first.record("test.first", "a1")
        second: list[AuditStore] = []
        in_thread(lambda: second.append(AuditStore(db)))  # the GC flusher opens its own
        try:
            in_thread(lambda: second[0].record("test.second", "b1"))
            other_process_writes(db, 1)  # a CLI run (or a reader) opens and closes
            first.record("test.first", "a2")
            in_thread(lambda: second[0].record("test.second", "b2"))
            assert ids_seen_by_another_process(db) == ["a1", "a2", "b1", "b2", "p0"]
            assert first.count() == second[0].count() == 5
        finally:
            second[0].close()
    finally:
        first.close()


def test_concurrent_writers_on_a_fresh_database_lose_nothing(tmp_path):
    """Three threads with their own store, two threads sharing one, and other processes one
    after the other (each closing while the stores here are open), all starting on a database
    that does not exist yet."""
    db = tmp_path / ".reml" / "audit.db"
    per_writer = 40
    start = threading.Barrier(5)
    shared: list[AuditStore] = []
    errors: list[BaseException] = []

    def own_store(tag: str) -> None:
        try:
            start.wait()
            with AuditStore(db) as store:
                for n in range(per_writer):
                    store.record("test.thread", f"{tag}{n}")
                    if n % 10 == 0:  # another store opened and closed meanwhile
                        AuditStore(db).close()
        except BaseException as exc:
            errors.append(exc)

    def shared_store(tag: str) -> None:
        try:
            for n in range(per_writer):
                shared[0].record("test.shared", f"{tag}{n}")
        except BaseException as exc:
            errors.append(exc)

    def processes() -> None:
        try:
            start.wait()
            for prefix in "pqo":
                other_process_writes(db, per_writer // 4, prefix)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=own_store, args=(tag,)) for tag in ("t", "u", "v")]
    threads.append(threading.Thread(target=processes))
    for t in threads:
        t.start()
    start.wait()
    shared.append(AuditStore(db))
    try:
        sharers = [threading.Thread(target=shared_store, args=(tag,)) for tag in ("s", "r")]
        for t in sharers:
            t.start()
        for t in threads + sharers:
            t.join(timeout=120)
        assert not errors, errors
        expected = sorted([f"{tag}{n}" for tag in "rstuv" for n in range(per_writer)]
                          + [f"{tag}{n}" for tag in "pqo" for n in range(per_writer // 4)])
        assert ids_seen_by_another_process(db) == expected
    finally:
        shared[0].close()
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def fail_first_write(monkeypatch) -> list[str]:
    """The next ``AuditStore.record`` fails as a broken connection does; later ones work."""
    failed: list[str] = []
    real = AuditStore.record

    def record(self, event, audit_id, *args, **kwargs):
        if not failed:
            failed.append(audit_id)
            raise sqlite3.OperationalError("disk I/O error")
        return real(self, event, audit_id, *args, **kwargs)

    monkeypatch.setattr(AuditStore, "record", record)
    return failed


def test_the_gc_sink_writes_again_on_a_new_connection_after_a_failure(tmp_path, monkeypatch):
    from reml_lsp.lsp.gc_session import _StoreSink

    db = tmp_path / ".reml" / "audit.db"
    sink = _StoreSink(lambda: db)
    try:
        sink("gc.stats", {"run_id": "r1"})
        failed = fail_first_write(monkeypatch)
        sink("gc.stats", {"run_id": "r2"})  # fails once, then lands through a new connection
        sink("gc.stats", {"run_id": "r3"})
        assert failed == ["r2"]
        assert ids_seen_by_another_process(db) == ["r1", "r2", "r3"]
    finally:
        sink.close()


def test_the_audit_thread_writes_again_on_a_new_connection_after_a_failure(tmp_path,
                                                                          monkeypatch):
    from reml_lsp.lsp.audit_log import AuditLog

    db = tmp_path / ".reml" / "audit.db"
    audit = AuditLog(db)
    try:
        audit.record("test.event", "e1", {})
        audit.flush()
        failed = fail_first_write(monkeypatch)
        audit.record("test.event", "e2", {})
        audit.record("test.event", "e3", {})
        audit.flush()
        assert failed == ["e2"] and audit.disabled is None
        assert ids_seen_by_another_process(db) == ["e1", "e2", "e3"]
    finally:
        audit.close()


def test_a_reader_never_finds_a_new_store_without_its_table(tmp_path):
    """Another process (a reader, ``reml-run audit``) may open the file the moment it appears:
    the store is made aside and linked into place, never seen half made."""
    paths = [tmp_path / f"s{n}" / "audit.db" for n in range(30)]
    code = ("import os, sqlite3, sys, time\n"
            "for p in sys.argv[1:]:\n"
            "    while not os.path.exists(p): time.sleep(0.0005)\n"
            "    c = sqlite3.connect(p, timeout=30)\n"
            "    try: c.execute('SELECT count(*) FROM events').fetchone()\n"
            "    except sqlite3.Error as e: print(p, e)\n"
            "    c.close()\n")
    reader = subprocess.Popen([sys.executable, "-c", code, *map(str, paths)],
                              stdout=subprocess.PIPE, text=True)
    try:
        for path in paths:
            path.parent.mkdir()
            AuditStore(path).close()
    finally:
        out, _ = reader.communicate(timeout=120)
    assert reader.returncode == 0 and out == ""
