"""Audit events from the server, written to the shared SQLite store by one background thread so
that no LSP message waits on the disk. A damaged store is reported once (a warning) and never
written to; the server goes on without auditing."""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditStore, AuditStoreDamaged

log = logging.getLogger(__name__)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._queue: queue.Queue[tuple[str, str, dict[str, Any]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()
        self.disabled: str | None = None  # why auditing stopped (a damaged store)

    def _disable(self, exc: AuditStoreDamaged) -> None:
        if self.disabled is None:
            self.disabled = exc.message
            log.warning("audit: %s; the server keeps running without auditing", exc.message)

    def record(self, event: str, audit_id: str, payload: dict[str, Any]) -> None:
        if self.disabled:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reml-audit", daemon=True)
            self._thread.start()
        self._idle.clear()
        self._queue.put((event, audit_id, payload))

    def record_now(self, event: str, audit_id: str, payload: dict[str, Any]) -> None:
        """Write synchronously (a user action that must be on disk before we answer)."""
        self.flush()
        if self.disabled:
            return
        try:
            with AuditStore(self.path) as store:
                store.record(event, audit_id, payload)
        except AuditStoreDamaged as exc:
            self._disable(exc)

    def flush(self, timeout: float = 10.0) -> None:
        if self._thread is not None:
            self._idle.wait(timeout)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        store: AuditStore | None = None
        while True:
            item = self._queue.get()
            if item is None:
                break
            for attempt in (1, 2):  # a failed write is tried once more on a new connection
                try:
                    if self.disabled is None:
                        if store is None:
                            store = AuditStore(self.path)
                        store.record(*item)
                    break
                except AuditStoreDamaged as exc:  # one warning, then no more writes
                    self._disable(exc)
                    store = _closed(store)
                    break
                except Exception as exc:  # the audit store must never take the server down
                    store = _closed(store)
                    if attempt == 2 or not isinstance(exc, sqlite3.Error):
                        log.warning("audit: could not record %s: %s", item[0], exc)
                        break
            if self._queue.empty():
                self._idle.set()
        if store is not None:
            store.close()
        self._idle.set()


def _closed(store: AuditStore | None) -> None:
    """Close ``store`` (a broken connection may fail to close: it is dropped all the same)."""
    if store is not None:
        try:
            store.close()
        except Exception:
            pass
    return None
