"""A key → JSON value store in one SQLite file (WAL), shared by every `reml-run` and server
process of the user. A damaged or foreign file is moved aside and rebuilt; when even that fails
the store turns itself off (every lookup misses) — a cache never makes a command fail."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reml_lsp.cache.location import analysis_cache_dir

log = logging.getLogger("reml_lsp.cache")

FILE_NAME = "cache-v1.sqlite"
SCHEMA = """CREATE TABLE IF NOT EXISTS entries (
    kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, used REAL NOT NULL,
    PRIMARY KEY (kind, key)) WITHOUT ROWID"""
BUSY_WAIT_S = 10.0  # how long opening waits for another process's lock before going without
BATCH = 500  # SQLite's host-parameter limit is far above; keeps statements short


class CacheStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or analysis_cache_dir() / FILE_NAME
        self._db: sqlite3.Connection | None = None
        self._disabled = False
        self._lock = threading.Lock()

    # -- opening and repair ----------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection | None:
        if self._disabled:
            return None
        if self._db is not None:
            return self._db
        moved = False
        deadline = time.monotonic() + BUSY_WAIT_S
        while True:
            db = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False,
                                     isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.execute(SCHEMA)
                db.execute("SELECT kind, key, value, used FROM entries LIMIT 1").fetchall()
                self._db = db
                return db
            except sqlite3.DatabaseError as exc:
                if db is not None:
                    with contextlib.suppress(sqlite3.Error):
                        db.close()
                if _busy(exc):
                    # Another process is creating the database or switching it to WAL (its
                    # journal-mode change does not wait in the busy handler): not damage.
                    if time.monotonic() < deadline:
                        time.sleep(0.05)
                        continue
                    log.warning("cache %s busy (%s); continuing without it", self.path, exc)
                    return None
                if not moved and self._move_aside(exc):
                    moved = True
                    continue
                log.warning("cache %s unusable (%s); continuing without it", self.path, exc)
            except OSError as exc:
                log.warning("cache folder %s unusable (%s); continuing without it",
                            self.path.parent, exc)
            break
        self._disabled = True
        return None

    def _move_aside(self, exc: Exception) -> bool:
        """Rename a damaged database (and its WAL) out of the way; another process may have
        done it already, which is fine."""
        log.warning("cache %s is damaged (%s); rebuilding it", self.path, exc)
        stamp = f".corrupt-{os.getpid()}-{int(time.time())}"
        moved = False
        for suffix in ("", "-wal", "-shm"):
            src = Path(str(self.path) + suffix)
            try:
                src.replace(Path(str(self.path) + suffix + stamp))
                moved = True
            except FileNotFoundError:
                moved = moved or suffix == ""
            except OSError:
                return False
        return moved

    def _drop_connection(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def _fail(self, exc: Exception) -> None:
        log.warning("cache %s: %s; rebuilding it", self.path, exc)
        self._drop_connection()
        if not self._move_aside(exc):
            self._disabled = True

    # -- access ----------------------------------------------------------------------------
    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        wanted = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        with self._lock:
            db = self._connect()
            if db is None:
                return out
            try:
                for i in range(0, len(wanted), BATCH):
                    chunk = wanted[i:i + BATCH]
                    marks = ",".join("?" * len(chunk))
                    rows = db.execute(f"SELECT key, value FROM entries WHERE kind = ? AND key IN "
                                      f"({marks})", (kind, *chunk)).fetchall()
                    for key, blob in rows:
                        value = _decode(blob)
                        if value is not None:
                            out[key] = value
            except sqlite3.DatabaseError as exc:
                if not _busy(exc):  # busy: this lookup misses, the database is fine
                    self._fail(exc)
                return {}
        return out

    def get(self, kind: str, key: str) -> Any | None:
        return self.get_many(kind, [key]).get(key)

    def put_many(self, kind: str, items: Iterable[tuple[str, Any]]) -> None:
        self.put_encoded(kind, [(key, encode_value(value)) for key, value in items])

    def put_encoded(self, kind: str, items: Iterable[tuple[str, bytes]]) -> None:
        """``put_many`` with values already through ``encode_value`` (by an index worker: the
        encoding is not redone on the server's threads)."""
        now = time.time()
        rows = [(kind, key, blob, now) for key, blob in items]
        if not rows:
            return
        with self._lock:
            db = self._connect()
            if db is None:
                return
            try:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO entries (kind, key, value, used) "
                               "VALUES (?, ?, ?, ?)", rows)
                db.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # busy beyond the timeout: skip, no harm
                log.warning("cache write skipped: %s", exc)
                try:
                    db.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
            except sqlite3.DatabaseError as exc:
                self._fail(exc)

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_many(kind, [(key, value)])

    def close(self) -> None:
        with self._lock:
            self._drop_connection()


def _busy(exc: Exception) -> bool:
    """A lock held by another process (SQLITE_BUSY / SQLITE_LOCKED), not a damaged file."""
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


RAW = b"\0"  # a value stored as bytes (not JSON): this byte, then the compressed bytes


def encode_value(value: Any) -> bytes:
    """A JSON value, compressed; ``bytes`` are stored as they are (compressed, marked ``RAW``:
    a zlib stream never starts with a zero byte), for large text that JSON would escape."""
    if isinstance(value, bytes):
        return RAW + zlib.compress(value, 1)
    return zlib.compress(json.dumps(value, separators=(",", ":"), ensure_ascii=False,
                                    ).encode("utf-8", "surrogatepass"), 1)


def _decode(blob: Any) -> Any | None:
    """The stored value, or None for anything unreadable (a stale or damaged row is a miss)."""
    try:
        if blob[:1] == RAW:
            return zlib.decompress(blob[1:])
        return json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"))
    except (zlib.error, TypeError, ValueError, UnicodeDecodeError):
        return None


def clear_cache(root: Path | None = None) -> list[Path]:
    """Delete the cache files (ours only); the paths removed."""
    folder = root or analysis_cache_dir()
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        ours = path.name.startswith(FILE_NAME) or (  # the SQLite cache, Lark's tables
            path.name.startswith("reml-lark-") and path.name.endswith(".lark-cache"))
        if ours and path.is_file() and not path.is_symlink():
            try:
                path.unlink()
                removed.append(path)
            except OSError as exc:
                log.warning("cannot remove %s: %s", path, exc)
    return removed
