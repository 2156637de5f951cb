"""GC profiles (seed §10) mapped onto CPython's collector, with ``gc.stats`` audit events.

| profile | policy       | pause_target_ms | heap_max_bytes | gc thresholds     |
| ------- | ------------ | --------------- | -------------- | ----------------- |
| game    | Incremental  | 4.0             | 256 MiB        | (400, 5, 5)       |
| ide     | Generational | 8.0             | none           | (1000, 15, 15)    |
| web     | Rc           | none            | 512 MiB        | (5000, 20, 20)    |
| data    | Region       | none            | 2 GiB          | (50000, 50, 100)  |

``game`` collects small and often (short pauses); ``ide`` is CPython's generational scheme, a bit
lazier; ``web`` lets reference counting do the work and collects cycles rarely; ``data`` collects
seldom, expecting explicit ``gc.collect`` at the end of each batch (region).

``GcMonitor`` installs a profile (``gc.set_threshold``) and a ``gc.callbacks`` hook that measures
every pause. The hook itself only measures and queues (no I/O, no allocation-heavy work inside the
collector); ``flush()`` — called by the background flusher, or directly — delivers the queued
events to the sink and runs a pending emergency collection. Events:

* ``gc.stats`` — exactly the seed §10.2 fields: ``event, policy, profile, heap_bytes, heap_limit,
  last_pause_ms, total_collections, pause_target_ms, run_id, timestamp``; emitted for every
  collection but at most once per ``stats_interval_s`` (default 1 s), and as a snapshot when a
  session starts (``snapshot()``) or switches policy;
* ``gc.pause_budget_exceeded`` (``severity: "warn"``) when ``last_pause_ms > pause_target_ms``,
  also written to ``warn_stream`` (stderr) as a one-line warning;
* ``gc.trigger`` (``reason: "Emergency"``) when ``heap_bytes > heap_limit``: a full collection is
  run at the next flush (at most once per ``emergency_cooldown_s``);
* ``gc.config_mismatch`` (``severity: "warn"``) when an override's ``pause_target_ms`` differs
  from the profile template's.

``heap_bytes`` is the process's resident set size (``/proc/self/statm``; ``ru_maxrss`` elsewhere).
A policy or profile switch resets ``total_collections`` to 0 and emits a ``gc.stats`` snapshot
with ``total_collections: 0`` and the new policy; the next collection reports 1.

The language server, ``watch`` and ``metrics serve`` start a session with the profile of
``[run.gc]`` in ``reml.toml`` or ``--gc-profile`` (``reml_lsp.runtime.gc_config``).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, TextIO

import attrs

from reml_lsp.audit.store import AuditStore, now_iso

POLICIES = ("Incremental", "Generational", "Rc", "Region")
Sink = Callable[[str, dict[str, Any]], None]
_UNSET: Any = object()


@attrs.frozen
class GcProfile:
    id: str
    policy: str
    pause_target_ms: float | None
    heap_max_bytes: int | None
    thresholds: tuple[int, int, int]

    def as_json(self) -> dict[str, Any]:
        return attrs.asdict(self) | {"thresholds": list(self.thresholds)}


PROFILES: dict[str, GcProfile] = {
    "game": GcProfile("game", "Incremental", 4.0, 256 << 20, (400, 5, 5)),
    "ide": GcProfile("ide", "Generational", 8.0, None, (1000, 15, 15)),
    "web": GcProfile("web", "Rc", None, 512 << 20, (5000, 20, 20)),
    "data": GcProfile("data", "Region", None, 2 << 30, (50000, 50, 100)),
}


class GcProfileError(ValueError):
    """An unknown profile or policy, or an invalid override."""


def resolve_profile(profile_id: str, *, policy: str | None = None,
                    pause_target_ms: float | None = _UNSET,
                    heap_max_bytes: int | None = _UNSET) -> GcProfile:
    """The template for ``profile_id`` with the given overrides applied."""
    base = PROFILES.get(profile_id)
    if base is None:
        raise GcProfileError(f"unknown GC profile {profile_id!r} "
                             f"(known: {', '.join(sorted(PROFILES))})")
    changes: dict[str, Any] = {}
    if policy is not None:
        if policy not in POLICIES:
            raise GcProfileError(f"unknown GC policy {policy!r} (known: {', '.join(POLICIES)})")
        changes["policy"] = policy
    if pause_target_ms is not _UNSET:
        if pause_target_ms is not None and pause_target_ms <= 0:
            raise GcProfileError("pause_target_ms must be positive")
        changes["pause_target_ms"] = pause_target_ms
    if heap_max_bytes is not _UNSET:
        if heap_max_bytes is not None and heap_max_bytes <= 0:
            raise GcProfileError("heap_max_bytes must be positive")
        changes["heap_max_bytes"] = heap_max_bytes
    return attrs.evolve(base, **changes)


def _thresholds_for_policy(policy: str) -> tuple[int, int, int]:
    return next(p.thresholds for p in PROFILES.values() if p.policy == policy)


def resident_bytes() -> int:
    """The process's resident set size in bytes."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(usage if sys.platform == "darwin" else usage * 1024)


class GcMonitor:
    """Applies a profile to CPython's gc and reports pauses as audit events."""

    def __init__(self, profile: GcProfile, sink: Sink | None = None, *,
                 run_id: str | None = None, stats_interval_s: float = 1.0,
                 warn_interval_s: float = 10.0, emergency_cooldown_s: float = 5.0,
                 warn_stream: TextIO | None = sys.stderr,
                 heap_probe: Callable[[], int] = resident_bytes,
                 on_warning: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.profile = profile
        self.sink = sink
        self.run_id = run_id or str(uuid.uuid4())
        self.stats_interval_s = stats_interval_s
        self.warn_interval_s = warn_interval_s
        self.emergency_cooldown_s = emergency_cooldown_s
        self.warn_stream = warn_stream
        self.heap_probe = heap_probe
        self.on_warning = on_warning  # e.g. the language server's window/logMessage
        self.total_collections = 0
        self.last_pause_ms = 0.0
        self.heap_bytes = 0
        self._queue: deque[tuple[str, dict[str, Any]]] = deque(maxlen=1000)
        self._lock = threading.Lock()
        self._started: float | None = None
        self._last_stats = float("-inf")
        self._last_warn = float("-inf")
        self._last_emergency = float("-inf")
        self._emergency_pending = False
        self._previous_thresholds: tuple[int, int, int] | None = None
        self._installed = False
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()
        template = PROFILES.get(profile.id)
        if template is not None and template.pause_target_ms != profile.pause_target_ms:
            self._queue.append(("gc.config_mismatch", {
                "event": "gc.config_mismatch", "severity": "warn", "profile": profile.id,
                "pause_target_ms": profile.pause_target_ms,
                "profile_pause_target_ms": template.pause_target_ms,
                "run_id": self.run_id, "timestamp": now_iso()}))

    # -- installation -------------------------------------------------------------------------
    def install(self) -> GcMonitor:
        if not self._installed:
            self._previous_thresholds = gc.get_threshold()  # type: ignore[assignment]
            gc.set_threshold(*self.profile.thresholds)
            gc.callbacks.append(self._callback)
            self._installed = True
        return self

    def uninstall(self) -> None:
        self._stop.set()
        if self._flusher is not None:
            self._flusher.join(timeout=5)
            self._flusher = None
        if self._installed:
            if self._callback in gc.callbacks:
                gc.callbacks.remove(self._callback)
            if self._previous_thresholds is not None:
                gc.set_threshold(*self._previous_thresholds)
            self._installed = False
        self.flush()

    def __enter__(self) -> GcMonitor:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def start_flusher(self, interval_s: float = 2.0) -> None:
        """Deliver queued events from a daemon thread every ``interval_s`` seconds."""
        if self._flusher is not None:
            return
        self._stop.clear()

        def loop() -> None:
            while not self._stop.wait(interval_s):
                self.flush()

        self._flusher = threading.Thread(target=loop, name="reml-gc-flusher", daemon=True)
        self._flusher.start()

    # -- events -------------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """The seed §10.2 ``gc.stats`` payload, exactly those fields."""
        return {
            "event": "gc.stats",
            "policy": self.profile.policy,
            "profile": self.profile.id,
            "heap_bytes": self.heap_bytes,
            "heap_limit": self.profile.heap_max_bytes,
            "last_pause_ms": self.last_pause_ms,
            "total_collections": self.total_collections,
            "pause_target_ms": self.profile.pause_target_ms,
            "run_id": self.run_id,
            "timestamp": now_iso(),
        }

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        try:
            if phase == "start":
                self._started = time.perf_counter()
                return
            if self._started is None:
                return
            now = time.perf_counter()
            self.last_pause_ms = (now - self._started) * 1000.0
            self._started = None
            self.total_collections += 1
            self._after_collection(now, int(info.get("generation", 0)))
        except Exception:  # never let monitoring break the collector
            pass

    def _after_collection(self, now: float, generation: int) -> None:
        target = self.profile.pause_target_ms
        if target is not None and self.last_pause_ms > target:
            if now - self._last_warn >= self.warn_interval_s:
                self._last_warn = now
                self._queue.append(("gc.pause_budget_exceeded", {
                    "event": "gc.pause_budget_exceeded", "severity": "warn",
                    "profile": self.profile.id, "policy": self.profile.policy,
                    "generation": generation, "last_pause_ms": self.last_pause_ms,
                    "pause_target_ms": target, "run_id": self.run_id,
                    "timestamp": now_iso()}))
        if now - self._last_stats >= self.stats_interval_s:  # rate-limited, every generation
            self._last_stats = now
            self.heap_bytes = self.heap_probe()
            self._queue.append(("gc.stats", self.stats()))
            limit = self.profile.heap_max_bytes
            if limit is not None and self.heap_bytes > limit:
                self._emergency_pending = True

    def snapshot(self) -> dict[str, Any]:
        """Queue a ``gc.stats`` of the current counters (at start: which profile is in force)."""
        self.heap_bytes = self.heap_probe()
        payload = self.stats()
        self._queue.append(("gc.stats", payload))
        return payload

    def trigger(self, reason: str) -> dict[str, Any]:
        """Run a full collection now and queue a ``gc.trigger`` event with ``reason``."""
        freed = gc.collect()
        self.heap_bytes = self.heap_probe()
        event = {"event": "gc.trigger", "reason": reason, "severity": "warn",
                 "profile": self.profile.id, "policy": self.profile.policy,
                 "heap_bytes": self.heap_bytes, "heap_limit": self.profile.heap_max_bytes,
                 "collected_objects": freed, "run_id": self.run_id, "timestamp": now_iso()}
        self._queue.append(("gc.trigger", event))
        return event

    def switch(self, *, profile: str | None = None, policy: str | None = None) -> dict[str, Any]:
        """Switch profile and/or policy; the collection count restarts at 0."""
        new = resolve_profile(profile) if profile is not None else self.profile
        if policy is not None:
            if policy not in POLICIES:
                raise GcProfileError(f"unknown GC policy {policy!r} "
                                     f"(known: {', '.join(POLICIES)})")
            new = attrs.evolve(new, policy=policy, thresholds=_thresholds_for_policy(policy))
        self.profile = new
        if self._installed:
            gc.set_threshold(*new.thresholds)
        self.total_collections = 0
        self.last_pause_ms = 0.0
        self.heap_bytes = self.heap_probe()
        snapshot = self.stats()
        self._queue.append(("gc.stats", snapshot))
        return snapshot

    def flush(self) -> list[tuple[str, dict[str, Any]]]:
        """Run a pending emergency collection, then deliver and return the queued events."""
        with self._lock:
            if self._emergency_pending:
                self._emergency_pending = False
                now = time.perf_counter()
                if now - self._last_emergency >= self.emergency_cooldown_s:
                    self._last_emergency = now
                    self.trigger("Emergency")
            events: list[tuple[str, dict[str, Any]]] = []
            while self._queue:
                events.append(self._queue.popleft())
            for name, payload in events:
                if payload.get("severity") == "warn":
                    if self.warn_stream is not None:
                        self._warn(name, payload)
                    if self.on_warning is not None:
                        try:
                            self.on_warning(name, payload)
                        except Exception:
                            pass
                if self.sink is not None:
                    try:
                        self.sink(name, payload)
                    except Exception as exc:
                        self._warn("gc.sink_failed", {"error": f"{type(exc).__name__}: {exc}"})
            return events

    def _warn(self, name: str, payload: dict[str, Any]) -> None:
        detail = ", ".join(f"{k}={v}" for k, v in payload.items()
                           if k not in ("event", "severity", "run_id", "timestamp"))
        try:
            assert self.warn_stream is not None
            self.warn_stream.write(f"warning[{name}]: {detail}\n")
            self.warn_stream.flush()
        except Exception:
            pass


def audit_sink(store: AuditStore, audit_id: str | None = None) -> Sink:
    """A sink writing each event to the audit store (under ``audit_id``, default the run id)."""

    def sink(event: str, payload: dict[str, Any]) -> None:
        store.record(event, audit_id or str(payload.get("run_id")), payload,
                     run_id=payload.get("run_id"))

    return sink


def apply_ide_profile(sink: Sink | None = None, *, flush_interval_s: float = 5.0,
                      warn_stream: TextIO | None = sys.stderr) -> GcMonitor:
    """What the language server calls at start-up: the ``ide`` profile, installed, with a
    background flusher. Keep the returned monitor; call ``uninstall()`` at shutdown."""
    monitor = GcMonitor(PROFILES["ide"], sink, warn_stream=warn_stream).install()
    monitor.start_flusher(flush_interval_s)
    return monitor
