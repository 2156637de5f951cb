"""``watch``: hot-reload a state file whenever its config file changes (push mode, seed §9.1).

Each version of the config goes through the streaming runner (``reml_lsp.syntax.streaming``)
in push mode: the file's new bytes are pushed into a :class:`StreamDriver` in chunks, the frame
end is signalled with ``close()``, and the driver is pumped until its sink gets the
:class:`Completed` document. The driver's ``FlowController`` is
``{mode: push, high_watermark: 64 KiB, low_watermark: 16 KiB, policy: Auto{max_lag: 16 ms,
debounce: 4 ms}}`` by default: above the high watermark the driver reports a ``Backpressure``
pending event and drains down towards the low watermark; ``debounce`` is applied to file
changes (a version is pushed once the file has been quiet that long; a version superseded before
that is dropped) and ``max_lag`` to the time from a version's first change to its parsed result.

:class:`ConfigDocumentParser` is the ``StreamParser``: a document (JSON/TOML, by the config's
suffix) is complete at the frame end and is parsed with the config loader. The parsed config is
compared with the state's live config and applied through
:class:`~reml_lsp.runtime.reload.Reloader` — so stale checks, dangerous change rejection, schema
validation, RollbackInfo and atomic writes are the same as ``reload``. A bad edit is rejected and
the last good state stays live.

Events: the driver's ``on_diagnostic`` is the streaming ``audit_hook`` (``parser.stream.progress |
pending | error`` rows under the watch's audit_id); each version's outcome is reported as a
``parser.stream`` event (``progress`` | ``pending`` | ``error``), to the caller and, when a store
is given, to the audit store (under the reload's audit_id when there is one).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.audit.store import AuditStore
from reml_lsp.config.compare import compare
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import detect_format, parse_text
from reml_lsp.runtime.reload import Reloader
from reml_lsp.runtime.state_file import parse_state
from reml_lsp.runtime.transaction import read_current
from reml_lsp.syntax.issues import SyntaxIssue
from reml_lsp.syntax.streaming import (
    Auto,
    BackpressureSpec,
    Completed,
    DemandHint,
    ErrorEvent,
    FlowController,
    FlowMode,
    FrameBoundary,
    PendingEvent,
    PendingReason,
    StreamDriver,
    StreamError,
    StreamErrorKind,
    StreamEvent,
    StreamMeta,
    StreamOutcome,
    audit_hook,
)

STREAM_EVENT = "parser.stream"
BACKPRESSURE = "pending.backpressure"
CHUNK_BYTES = 4096  # one push per DemandHint.preferred_bytes of the file's new content
Emit = Callable[[dict[str, Any]], None]


def push_flow(high_watermark: int = 64 * 1024, low_watermark: int = 16 * 1024, *,
              max_lag: float | None = 0.016, debounce: float | None = 0.004,
              throttle: float | None = None) -> FlowController:
    """The watch's ``FlowController`` (durations in seconds; defaults from seed §9.1).
    Raises ``StreamFailure`` (``FeederBug``) when ``high_watermark < low_watermark``."""
    flow = FlowController(FlowMode.PUSH, high_watermark, low_watermark,
                          Auto(BackpressureSpec(max_lag, debounce, throttle)))
    flow.validate()
    return flow


DEFAULT_FLOW = push_flow()


# ----------------------------------------------------------------------------- the file side
class FileChangeFeeder:
    """Polls one file; :meth:`poll` returns its new bytes when they changed, else ``None``.
    A missing or unreadable file is reported as ``OSError`` text via :attr:`last_error`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: tuple[int, int, int] | None = None
        self._last: bytes | None = None
        self.last_error: str | None = None

    def poll(self) -> bytes | None:
        try:
            st = os.stat(self.path)
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            if stamp == self._stamp:
                return None
            data = self.path.read_bytes()
        except OSError as exc:
            self.last_error = f"{self.path}: {exc.strerror or exc}"
            self._stamp = None
            return None
        self.last_error = None
        self._stamp = stamp
        if data == self._last:
            return None
        self._last = data
        return data


@attrs.define
class Debounce:
    """``BackpressureSpec.debounce`` on file changes: the newest version is released once the file
    has been quiet for ``debounce`` seconds; a version superseded before that is counted in
    ``dropped`` and never pushed. Times are ``perf_counter_ns`` (the driver's clock)."""

    debounce: float | None
    dropped: int = 0
    _data: bytes | None = None
    _first_ns: int | None = None
    _last_ns: int = 0

    def offer(self, data: bytes, now_ns: int | None = None) -> None:
        now_ns = time.perf_counter_ns() if now_ns is None else now_ns
        if self._data is not None:
            self.dropped += 1
        self._data = data
        if self._first_ns is None:
            self._first_ns = now_ns
        self._last_ns = now_ns

    def release(self, now_ns: int | None = None) -> tuple[bytes, int] | None:
        """``(data, first_change_ns)`` of the newest version once the window has passed."""
        now_ns = time.perf_counter_ns() if now_ns is None else now_ns
        if self._data is None or now_ns - self._last_ns < (self.debounce or 0) * 1e9:
            return None
        out = (self._data, self._first_ns if self._first_ns is not None else now_ns)
        self._data, self._first_ns = None, None
        return out


# ----------------------------------------------------------------------------- the parser
@attrs.frozen
class ParsedConfig:
    value: Any
    format: str


class ConfigDocumentParser:
    """``StreamParser`` for one config document: complete at the frame end (``closed``), then
    parsed as JSON or TOML. The result is a :class:`ParsedConfig`, or the ``ConfigError`` of a
    bad document (not UTF-8 — reported by the driver's decoder —, invalid JSON/TOML)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._issues: list[SyntaxIssue] = []
        self._result: ParsedConfig | ConfigError | None = None
        self._committed = 0

    def step(self, text: str, closed: bool) -> bool:
        if not closed:
            return False  # a config is applied whole: nothing is final before the frame end
        self._result = self._parse(text)
        self._committed = len(text)
        return True

    def _parse(self, text: str) -> ParsedConfig | ConfigError:
        if self._issues:
            first = self._issues[0]
            byte = first.args[0] if first.args else "??"
            return ConfigError("config.parse.encoding",
                               f"{self.path}: not UTF-8 (invalid byte 0x{byte} at character "
                               f"{first.start})", path=str(self.path), offset=first.start)
        text = text.removeprefix("\ufeff")
        fmt = detect_format(self.path, text)
        try:
            return ParsedConfig(parse_text(self.path, text, fmt), fmt)
        except ConfigError as err:
            return err
        except (RecursionError, ValueError) as exc:  # e.g. nesting too deep for the decoder
            return ConfigError(f"config.parse.invalid_{fmt}", f"{self.path}: {exc}",
                               path=str(self.path))

    def result(self) -> ParsedConfig | ConfigError | None:
        return self._result

    def committed(self) -> int:
        return self._committed

    def expected_tokens(self, text: str) -> list[str]:
        return []

    def add_issues(self, issues: list[SyntaxIssue]) -> None:
        self._issues.extend(issues)


# ----------------------------------------------------------------------------- the watcher
@attrs.define
class _Version:
    number: int
    size: int
    backpressure: bool = False
    error: StreamError | None = None
    done: bool = False


class Watcher:
    def __init__(self, state_path: Path, config_path: Path, *,
                 flow: FlowController = DEFAULT_FLOW, emit: Emit,
                 audit: AuditStore | None = None, allow_dangerous: bool = False,
                 poll_s: float = 0.002, chunk_bytes: int = CHUNK_BYTES) -> None:
        flow.validate()
        self.state_path = Path(state_path)
        self.config_path = Path(config_path)
        self.flow = flow
        policy = flow.policy.backpressure if isinstance(flow.policy, Auto) else BackpressureSpec()
        self.backpressure = policy
        self.debounce = Debounce(policy.debounce)
        self.demand = DemandHint(max(1, chunk_bytes), max(1, chunk_bytes), FrameBoundary.NONE)
        self.feeder = FileChangeFeeder(self.config_path)
        self.emit = emit
        self.audit = audit
        self.allow_dangerous = allow_dangerous
        self.poll_s = poll_s
        self.counts = {"applied": 0, "rejected": 0, "unchanged": 0, "failed": 0}
        self.consumed_bytes = 0
        # one watch session is one operation: a fresh id, so two sessions on the same files
        # never share an audit trail (each version's reload has its own operation id)
        self.watch_id = str(uuid.uuid4())
        self._audit_hook = audit_hook(audit, self.watch_id) if audit is not None else None
        self._version: _Version | None = None
        self._versions = 0

    def run(self, stop: threading.Event, max_versions: int | None = None) -> dict[str, Any]:
        """Loop until ``stop`` is set (SIGINT/SIGTERM in the CLI) or ``max_versions`` handled."""
        parse_state(read_current(self.state_path), self.state_path)  # fail early, before looping
        self._event("started", {"state": str(self.state_path), "config": str(self.config_path),
                                "flow": flow_json(self.flow)})
        handled = 0
        last_error: str | None = None
        while not stop.is_set():
            data = self.feeder.poll()
            if self.feeder.last_error and self.feeder.last_error != last_error:
                self._stream("error", self.watch_id, {"error": {
                    "code": "config.io.unreadable", "message": self.feeder.last_error}})
            last_error = self.feeder.last_error
            if data is not None:
                self.debounce.offer(data)
            released = self.debounce.release()
            if released is not None:
                self.push_version(*released)
                handled += 1
                if max_versions is not None and handled >= max_versions:
                    break
                continue
            stop.wait(self.poll_s)
        summary = {**self.counts, "dropped": self.debounce.dropped,
                   "consumed_bytes": self.consumed_bytes}
        self._event("stopped", summary)
        return summary

    def push_version(self, data: bytes, first_change_ns: int | None = None) -> None:
        """Run one version of the config through a push-mode ``StreamDriver`` and apply it."""
        self._versions += 1
        version = self._version = _Version(self._versions, len(data))
        driver = StreamDriver(ConfigDocumentParser(self.config_path), None, self._sink,
                              self.flow, self._on_diagnostic, self.demand)
        if first_change_ns is not None:  # lag counts from the version's first change
            driver.state.started_ns = first_change_ns
        step = self.demand.preferred_bytes or self.demand.min_bytes
        for at in range(0, len(data), step):
            driver.push(data[at:at + step])
        driver.close()  # the frame end: the document is whole
        # each pump drains at least one chunk or steps the parser, which completes once closed
        for _ in range(len(driver.queue) + 2):
            if driver.done or version.error is not None:
                break
            driver.pump()
        self.consumed_bytes += driver.meta.consumed_bytes
        if not version.done:
            self.counts["failed"] += 1
            err = version.error or StreamError(
                StreamErrorKind.FEEDER_BUG, "the parser wants input after the frame end")
            self._stream("error", self.watch_id, {
                "status": "failed", "meta": self._meta(driver.meta),
                "error": {"code": "parser.stream.failed", "message": err.message,
                          "stream_kind": err.kind.value}})
        self._version = None

    # -- driver callbacks
    def _on_diagnostic(self, event: StreamEvent) -> None:
        version = self._version
        if isinstance(event, ErrorEvent) and version is not None:
            version.error = event.error
        if isinstance(event, PendingEvent) and event.reason is PendingReason.BACKPRESSURE:
            if version is not None:
                version.backpressure = True
            self.emit({"event": f"{STREAM_EVENT}.pending", "audit_id": self.watch_id,
                       "reason": BACKPRESSURE, "resume_hint": event.resume_hint,
                       "meta": self._meta(event.meta)})
        if self._audit_hook is not None:
            try:
                self._audit_hook(event)
            except Exception as exc:  # the watch goes on; the report says the audit failed
                self._event("audit_error", {"error": {"code": "audit.write_failed",
                                                      "message": str(exc)}})

    def _sink(self, outcome: StreamOutcome) -> None:
        if not isinstance(outcome, Completed) or self._version is None:
            return  # Pending: the document is not whole yet
        self._version.done = True  # (max_lag is the driver's: it reported a late version)
        self._apply(outcome.result, self._meta(outcome.meta))

    def _meta(self, meta: StreamMeta) -> dict[str, Any]:
        version = self._version
        return {**meta.as_json(), "version": version.number if version else None,
                "dropped": self.debounce.dropped,
                "last_reason": BACKPRESSURE if version and version.backpressure else None}

    # -- applying a version
    def _apply(self, parsed: ParsedConfig | ConfigError | None, meta: dict[str, Any]) -> None:
        try:
            if isinstance(parsed, ConfigError):
                raise parsed
            if parsed is None:
                raise ConfigError("config.parse.failed", f"{self.config_path}: no document")
            state = parse_state(read_current(self.state_path), self.state_path)
        except ConfigError as err:
            self.counts["rejected"] += 1
            self._stream("error", self.watch_id, {"error": err.as_json(), "meta": meta,
                                                  "status": "rejected"})
            return
        change_set = compare(state.config, parsed.value)
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


def flow_json(flow: FlowController) -> dict[str, Any]:
    spec = flow.policy.backpressure if isinstance(flow.policy, Auto) else BackpressureSpec()

    def ms(seconds: float | None) -> float | None:
        return None if seconds is None else seconds * 1000

    return {"mode": flow.mode.value, "high_watermark": flow.high_watermark,
            "low_watermark": flow.low_watermark,
            "policy": {"max_lag_ms": ms(spec.max_lag), "debounce_ms": ms(spec.debounce)}}
