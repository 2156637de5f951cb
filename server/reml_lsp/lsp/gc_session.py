"""The language server's GC session (runtime-bridges §10): the profile of ``[run.gc]`` in the
first workspace folder's ``reml.toml`` (``reml-run lsp --gc-profile`` wins; default ``ide``),
installed at ``initialized``. ``gc.stats`` and the ``severity: warn`` events are written to the
workspace audit store under the session's ``run_id`` by the monitor's flusher thread (never by the
event loop); a pause over budget is also logged to the client (``window/logMessage``) and stderr.
Uninstalled (and flushed) at ``shutdown`` and, failing that, at process exit."""

from __future__ import annotations

import atexit
import logging
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from reml_lsp.audit.store import AuditStore, default_store_path
from reml_lsp.runtime.gc_config import GcConfigError, resolve_gc, start_gc_session
from reml_lsp.runtime.gc_profiles import PROFILES, GcMonitor

log = logging.getLogger(__name__)
_cli_profile: str | None = None


def set_cli_profile(profile: str | None) -> None:
    """``reml-run lsp --gc-profile`` (checked by the command before the server starts)."""
    global _cli_profile
    _cli_profile = profile


class _StoreSink:
    """Writes each event synchronously on the calling (flusher) thread, own connection, to the
    store the server uses now (``path()``: the vetted ``reml.audit.database`` may come later)."""

    def __init__(self, path: Callable[[], Path]) -> None:
        self.path = path
        self._store: AuditStore | None = None
        self._lock = threading.Lock()

    def __call__(self, event: str, payload: dict[str, Any]) -> None:
        run_id = str(payload.get("run_id"))
        with self._lock:
            try:
                self._store_now().record(event, run_id, payload, run_id=run_id)
            except sqlite3.Error:  # a broken connection: once more on a new one
                self._drop()
                self._store_now().record(event, run_id, payload, run_id=run_id)

    def _store_now(self) -> AuditStore:
        where = self.path()
        if self._store is not None and self._store.path != where:
            self._drop()
        if self._store is None:
            self._store = AuditStore(where)
        return self._store

    def _drop(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except sqlite3.Error:
                pass
            self._store = None

    def close(self) -> None:
        with self._lock:
            self._drop()


class GcSession:
    """The installed monitor and its store; ``uninstall()`` (what ``shutdown`` calls) flushes
    queued events to the store and closes it. Idempotent."""

    def __init__(self, monitor: GcMonitor, sink: _StoreSink) -> None:
        self.monitor = monitor
        self.sink = sink

    def uninstall(self) -> None:
        try:
            self.monitor.uninstall()
        except Exception as exc:
            log.warning("gc session: %s", exc)
        self.sink.close()


def start(ls: Any) -> GcSession:
    """Install the session's profile; a bad ``[run.gc]`` is shown and ``ide`` is used."""
    root = ls.roots[0] if ls.roots else None
    try:
        profile = resolve_gc(root, _cli_profile)
    except GcConfigError as exc:
        ls.show(f"Reml: {exc}; using the ide GC profile", lsp.MessageType.Warning)
        profile = PROFILES["ide"]
    sink = _StoreSink(lambda: getattr(ls, "audit_db_path", None) or default_store_path(root))
    loop = getattr(ls, "loop", None)

    def warn(name: str, payload: dict[str, Any]) -> None:  # on the flusher thread
        detail = ", ".join(f"{k}={payload[k]}" for k in ("profile", "last_pause_ms",
                                                          "pause_target_ms") if k in payload)
        text = f"warning[{name}]: {detail}"
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(ls.log_to_client, text, lsp.MessageType.Warning)

    monitor = start_gc_session(profile, sink, warn_stream=sys.stderr, flush_interval_s=2.0,
                               on_warning=warn)
    session = GcSession(monitor, sink)
    atexit.register(session.uninstall)  # a client that exits without shutdown
    log.info("gc profile %s (%s), run_id %s", profile.id, profile.policy, monitor.run_id)
    return session
