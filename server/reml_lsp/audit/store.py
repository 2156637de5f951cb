"""Audit store: one SQLite file per workspace (default ``.reml/audit.db``), one row per event.

WAL mode lets the CLI and the server (and several CLIs) write at once: each event is its own short
``BEGIN IMMEDIATE`` transaction, retried on ``SQLITE_BUSY``; a committed event survives the writer
being killed (WAL + ``synchronous=NORMAL`` is durable against process death).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import attrs

from reml_lsp.errors import ReportedError
from reml_lsp.safefs import ensure_dir, refuse_link
from reml_lsp.workspace import find_root, reml_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id  TEXT NOT NULL,
    event     TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    run_id    TEXT,
    payload   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_audit_id ON events (audit_id);
CREATE INDEX IF NOT EXISTS events_event ON events (event, timestamp);
"""

# One id per process, so the events of one CLI run or one server session can be grouped.
PROCESS_RUN_ID = str(uuid.uuid4())


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_store_path(start: Path | None = None) -> Path:
    """``$REML_AUDIT_DB`` if set, else ``<workspace root>/.reml/audit.db``."""
    env = os.environ.get("REML_AUDIT_DB")
    if env:
        return Path(env)
    return reml_dir(find_root(start or Path.cwd())) / "audit.db"


@attrs.frozen
class AuditEvent:
    id: int
    audit_id: str
    event: str
    timestamp: str
    run_id: str | None
    payload: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class AuditStoreDamaged(ReportedError, OSError):
    """The store's file is damaged or is not a database: reported (exit 4), never written to.

    An ``OSError`` too, so the callers that already survive "cannot write" survive this."""

    def __init__(self, path: Path, detail: str) -> None:
        detail = detail if len(detail) <= 160 else detail[:160] + "…"
        ReportedError.__init__(
            self, "audit.damaged",
            f"the audit store {path} is damaged ({detail}); nothing was written to it: move "
            "it aside (a new one is created) or repair it with sqlite3's .recover",
            "io", path=str(path), detail=detail)


class AuditStore:
    def __init__(self, path: Path, *, timeout_s: float = 30.0) -> None:
        self.path = Path(path)
        ensure_dir(self.path.parent)  # a linked .reml is refused (docs/security.md)
        for suffix in ("", "-wal", "-shm", "-journal"):  # SQLite opens these by name
            refuse_link(self.path.with_name(self.path.name + suffix), "audit database")
        self._timeout_s = timeout_s
        # One statement or transaction at a time: a store may be shared by threads (the GC
        # flusher and ``shutdown``), and interleaved ``BEGIN``s on one connection would fail.
        self._lock = threading.RLock()
        if not os.path.lexists(self.path):
            self._create()
        self._conn = sqlite3.connect(
            self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            self._check_intact()  # before anything below writes to the file
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            self._retry(lambda: self._conn.executescript(SCHEMA))
        except BaseException:
            self._conn.close()
            raise

    def _create(self) -> None:
        """Make a new store (WAL, schema) in a temporary file beside it and link it into place,
        so that no other process ever opens it half made (a file without the table yet). When
        another process linked its own first, theirs is used; where links are not supported,
        the store is made in place as before."""
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(SCHEMA)
            finally:
                conn.close()  # the only connection: checkpointed, its -wal and -shm removed
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass
        except (OSError, sqlite3.Error):
            pass  # made in place by the connection below
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{tmp}{suffix}")

    def _check_intact(self) -> None:
        """Refuse a file that is not an SQLite database or fails ``PRAGMA quick_check`` (a scan
        of every page, ~0.3 s per 100 MB), so a damaged store is reported, not written to.

        The file is looked at through SQLite only, never ``open()``ed: closing any descriptor
        of a file drops every POSIX lock this process holds on it, so another connection of
        this process (the GC flusher's, the audit thread's) would lose the shared lock that
        tells other processes it is there; the next process to close would take itself for
        the last one and delete the ``-wal``/``-shm`` still in use here, and our later commits
        would go to an unlinked WAL (lost, then ``disk I/O error``)."""
        try:
            if os.stat(self.path).st_size == 0:
                return
        except FileNotFoundError:
            return
        try:
            rows = self._retry(lambda: self._conn.execute("PRAGMA quick_check(5)").fetchall())
        except AuditStoreDamaged as exc:
            if "not a database" in str(exc.details.get("detail", "")):
                raise AuditStoreDamaged(self.path, "not an SQLite database") from None
            raise
        problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
        if problems:
            raise AuditStoreDamaged(self.path, "; ".join(problems)[:300])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _retry(self, op):
        try:
            with self._lock:
                return self._retry_busy(op)
        except sqlite3.DatabaseError as exc:
            # malformed image, not a database, text that is not UTF-8 any more
            if type(exc) is sqlite3.DatabaseError or "decode" in str(exc):
                raise AuditStoreDamaged(self.path, str(exc)) from None
            raise

    def _retry_busy(self, op):
        deadline = time.monotonic() + self._timeout_s
        delay = 0.005
        while True:
            try:
                return op()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.2)

    def record(
        self,
        event: str,
        audit_id: str,
        payload: dict[str, Any] | None = None,
        *,
        run_id: str | None = None,
    ) -> int:
        """Append one event; returns its row id."""
        body = json.dumps(payload or {}, ensure_ascii=False, sort_keys=True, default=str)
        row = (audit_id, event, now_iso(), run_id or PROCESS_RUN_ID, body)

        def write() -> int:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute(
                    "INSERT INTO events (audit_id, event, timestamp, run_id, payload)"
                    " VALUES (?, ?, ?, ?, ?)",
                    row,
                )
                rowid = cur.lastrowid
                cur.execute("COMMIT")
                return int(rowid or 0)
            except BaseException:
                cur.execute("ROLLBACK")
                raise

        return self._retry(write)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> Iterator[AuditEvent]:
        for rid, aid, ev, ts, run, payload in self._retry(
            lambda: self._conn.execute(sql, params).fetchall()
        ):
            try:
                body = json.loads(payload)
            except (json.JSONDecodeError, RecursionError):
                raise AuditStoreDamaged(self.path, f"event {rid}: the payload is not JSON"
                                        ) from None
            yield AuditEvent(rid, aid, ev, ts, run, body)

    def show(self, audit_id: str) -> list[AuditEvent]:
        return list(
            self._rows(
                "SELECT id, audit_id, event, timestamp, run_id, payload FROM events"
                " WHERE audit_id = ? ORDER BY id",
                (audit_id,),
            )
        )

    def list(self, event: str | None = None, since: str | None = None) -> list[AuditEvent]:
        return list(self.iter_events(event, since))

    def iter_events(
        self, event: str | None = None, since: str | None = None, *, batch: int = 500
    ) -> Iterator[AuditEvent]:
        """All matching events in id order, read in batches (keyset pagination), so an export
        of a large store neither holds a read transaction open nor loads everything at once."""
        sql = "SELECT id, audit_id, event, timestamp, run_id, payload FROM events WHERE id > ?"
        params: list[Any] = []
        if event:
            sql += " AND event = ?"
            params.append(event)
        if since:
            sql += " AND timestamp >= ?"
            params.append(since)
        sql += " ORDER BY id LIMIT ?"
        last = 0
        while True:
            rows = list(self._rows(sql, (last, *params, batch)))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    def export_jsonl(self, stream: IO[str], event: str | None = None,
                     since: str | None = None) -> int:
        """Write one JSON object per line (``AuditEvent.as_json``); returns the line count."""
        n = 0
        for item in self.iter_events(event, since):
            stream.write(json.dumps(item.as_json(), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
        return n

    def count(self) -> int:
        return int(
            self._retry(lambda: self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
        )
