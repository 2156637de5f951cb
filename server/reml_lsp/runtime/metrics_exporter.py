"""Prometheus exposition of the metrics JSONL file (``reml-run metrics serve``).

A custom collector tails the file on every scrape (so several CLI processes and the language
server can write it while the exporter runs) and exposes, per ``event`` label:

* ``reml_runtime_events_total``            counter, lines seen;
* ``reml_runtime_latency_ms``              gauge, latency of the last line;
* ``reml_runtime_busy_ms_total``           counter, sum of all latencies (ms);
* ``reml_runtime_throughput_per_min``      gauge, last value;
* ``reml_runtime_error_rate``              gauge, last value;
* ``reml_runtime_custom{event, key}``      gauge, last value of each numeric ``custom`` entry;
* ``reml_runtime_last_event_timestamp_seconds`` gauge.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

from reml_lsp.runtime.metrics import read_metrics

# One family per ``_EventState`` field, labelled by ``event``: (kind, name, help, field).
_PER_EVENT = (
    (CounterMetricFamily, "reml_runtime_events", "Metrics lines seen per event", "count"),
    (GaugeMetricFamily, "reml_runtime_latency_ms", "Latency of the last operation (ms)",
     "latency"),
    (CounterMetricFamily, "reml_runtime_busy_ms", "Sum of operation latencies (ms)", "latency_sum"),
    (GaugeMetricFamily, "reml_runtime_throughput_per_min", "Last throughput (operations/min)",
     "throughput"),
    (GaugeMetricFamily, "reml_runtime_error_rate", "Last error rate (0..1)", "error_rate"),
    (GaugeMetricFamily, "reml_runtime_last_event_timestamp_seconds", "Time of the last line",
     "last_ts"),
)


class _EventState:
    __slots__ = ("count", "custom", "error_rate", "last_ts", "latency", "latency_sum", "throughput")

    def __init__(self) -> None:
        self.count = 0
        self.latency = 0.0
        self.latency_sum = 0.0
        self.throughput = 0.0
        self.error_rate = 0.0
        self.last_ts = 0.0
        self.custom: dict[str, float] = {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def _timestamp(value: Any) -> float:
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


class MetricsFileCollector(Collector):
    """Reads new lines of the metrics file at each scrape and keeps per-event aggregates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._events: dict[str, _EventState] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                size = 0
            if size < self._offset:  # the file was truncated or replaced: start again
                self._offset = 0
                self._events.clear()
            records, self._offset = read_metrics(self.path, self._offset)
            for rec in records:
                self._ingest(rec)

    def _ingest(self, rec: dict[str, Any]) -> None:
        state = self._events.setdefault(str(rec["event"]), _EventState())
        state.count += 1
        latency = _number(rec.get("latency_ms"))
        if latency is not None:
            state.latency = latency
            state.latency_sum += latency
        throughput = _number(rec.get("throughput_per_min"))
        if throughput is not None:
            state.throughput = throughput
        rate = _number(rec.get("error_rate"))
        if rate is not None:
            state.error_rate = rate
        state.last_ts = _timestamp(rec.get("timestamp"))
        custom = rec.get("custom")
        if isinstance(custom, dict):
            for key, value in custom.items():
                num = _number(value)
                if num is not None:
                    state.custom[str(key)] = num

    def collect(self) -> Iterable[Any]:
        self.refresh()
        families = [(kind(name, doc, labels=["event"]), attr)
                    for kind, name, doc, attr in _PER_EVENT]
        custom = GaugeMetricFamily(
            "reml_runtime_custom", "Numeric custom metrics (last value)", labels=["event", "key"]
        )
        with self._lock:
            for name, st in sorted(self._events.items()):
                for family, attr in families:
                    family.add_metric([name], getattr(st, attr))
                for key, value in sorted(st.custom.items()):
                    custom.add_metric([name, key], value)
        yield from (family for family, _ in families)
        yield custom


def build_registry(path: Path) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MetricsFileCollector(path))
    return registry
