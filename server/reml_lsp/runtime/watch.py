"""``watch``: hot-reload a state file whenever its config file changes (push mode, seed §9.1).

Each released chunk is parsed (JSON/TOML by the config's suffix), compared with the state's live
config and applied through :class:`~reml_lsp.runtime.reload.Reloader` — so stale checks, dangerous
change rejection, schema validation, RollbackInfo and atomic writes are the same as ``reload``.
A bad edit is rejected and the last good state stays live. Every stream step is reported as a
``parser.stream`` event (``progress`` | ``pending`` | ``error``), to the caller and, when a store
is given, to the audit store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.config.compare import compare
from reml_lsp.config.document import operation_audit_id
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import decode_text, detect_format, parse_text
from reml_lsp.runtime.push_stream import FileChangeFeeder, PushFlow, PushFlowSpec, Released
from reml_lsp.runtime.reload import Reloader
from reml_lsp.runtime.state import parse_state
from reml_lsp.runtime.transaction import read_current

STREAM_EVENT = "parser.stream"
Emit = Callable[[dict[str, Any]], None]


class Watcher:
    def __init__(self, state_path: Path, config_path: Path, *, spec: PushFlowSpec,
                 emit: Emit, audit: AuditStore | None = None, allow_dangerous: bool = False,
                 poll_s: float = 0.002) -> None:
        self.state_path = Path(state_path)
        self.config_path = Path(config_path)
        self.flow = PushFlow(spec)
        self.feeder = FileChangeFeeder(self.config_path)
        self.emit = emit
        self.audit = audit
        self.allow_dangerous = allow_dangerous
        self.poll_s = poll_s
        self.counts = {"applied": 0, "rejected": 0, "unchanged": 0, "failed": 0}
        self.watch_id = operation_audit_id(self.state_path, "reml.watch",
                                           {"config": str(self.config_path)})

    def run(self, stop: threading.Event, max_versions: int | None = None) -> dict[str, Any]:
        """Loop until ``stop`` is set (SIGINT/SIGTERM in the CLI) or ``max_versions`` handled."""
        parse_state(read_current(self.state_path), self.state_path)  # fail early, before looping
        self._event("started", {"state": str(self.state_path), "config": str(self.config_path),
                                "flow": _spec_json(self.flow.spec)})
        handled = 0
        last_error: str | None = None
        while not stop.is_set():
            data = self.feeder.poll()
            if self.feeder.last_error and self.feeder.last_error != last_error:
                self._stream("error", self.watch_id, {"error": {
                    "code": "config.io.unreadable", "message": self.feeder.last_error}})
            last_error = self.feeder.last_error
            if data is not None:
                self.flow.push(data)
            released = self.flow.release()
            if released is not None:
                self._handle(released)
                handled += 1
                if max_versions is not None and handled >= max_versions:
                    break
                continue
            stop.wait(self.poll_s)
        summary = {**self.counts, "dropped": self.flow.dropped,
                   "consumed_bytes": self.flow.consumed_bytes}
        self._event("stopped", summary)
        return summary

    def _handle(self, released: Released) -> None:
        meta = released.meta
        if meta["last_reason"]:
            self._stream("pending", self.watch_id, {"reason": meta["last_reason"], "meta": meta})
        try:
            text = decode_text(self.config_path, released.data)
            new = parse_text(self.config_path, text, detect_format(self.config_path, text))
            state = parse_state(read_current(self.state_path), self.state_path)
        except ConfigError as err:
            self.counts["rejected"] += 1
            self._stream("error", self.watch_id, {"error": err.as_json(), "meta": meta,
                                                  "status": "rejected"})
            return
        change_set = compare(state.config, new)
        if not change_set:
            self.counts["unchanged"] += 1
            self._stream("progress", self.watch_id, {"status": "unchanged", "meta": meta})
            return
        doc = {"base": {"digest": state.config_digest},
               "change_set": change_set.change_set_json()}
        outcome = Reloader(self.state_path, self.audit).reload(
            doc, allow_dangerous=self.allow_dangerous)
        self.counts[outcome.status if outcome.status in self.counts else "failed"] += 1
        body = {"status": outcome.status, "meta": meta, "result": outcome.as_json()}
        kind = "progress" if outcome.status == "applied" else "error"
        self._stream(kind, outcome.audit_id or self.watch_id, body)

    def _stream(self, kind: str, audit_id: str, body: dict[str, Any]) -> None:
        payload = {"kind": kind, **body}
        if self.audit is not None:
            try:
                self.audit.record(STREAM_EVENT, audit_id, payload)
            except Exception as exc:  # the watch goes on; the report says the audit failed
                payload["audit_error"] = str(exc)
        self.emit({"event": f"{STREAM_EVENT}.{kind}", "audit_id": audit_id, **body,
                   **({"audit_error": payload["audit_error"]} if "audit_error" in payload
                      else {})})

    def _event(self, name: str, body: dict[str, Any]) -> None:
        self.emit({"event": f"watch.{name}", "audit_id": self.watch_id, **body})


def _spec_json(spec: PushFlowSpec) -> dict[str, Any]:
    return {"mode": spec.mode, "high_watermark": spec.high_watermark,
            "low_watermark": spec.low_watermark,
            "policy": {"max_lag_ms": spec.policy.max_lag_s * 1000,
                       "debounce_ms": spec.policy.debounce_s * 1000}}
