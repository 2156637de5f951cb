"""Telemetry (seed §8): voltage, temperature and error flags as structured events.

Each sample is audited as ``embedded.telemetry`` and the run ends with
``emit_metrics("embedded.telemetry", ...)``: ``latency_ms`` is the mean time of one sample,
``throughput_per_min`` samples per minute, ``error_rate`` the share of samples with an error flag
set, ``custom`` the last voltage, temperature and flags. Error flags set make the result a
``warning``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.instruments.ops import record
from reml_lsp.runtime.instruments.regmap import TelemetrySpec
from reml_lsp.runtime.instruments.replies import parse_float, parse_int
from reml_lsp.runtime.instruments.session import InstrumentSession
from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics


def decode_flags(value: int, names: dict[int, str]) -> list[str]:
    bits = [bit for bit in range(max(value.bit_length(), 1)) if value >> bit & 1]
    return [names.get(bit, f"bit{bit}") for bit in bits]


def _sample(session: InstrumentSession, spec: TelemetrySpec) -> dict[str, Any]:
    start = time.perf_counter()
    volt_reply, _ = session.query(spec.voltage)
    temp_reply, _ = session.query(spec.temperature)
    flags_reply, _ = session.query(spec.error_flags)
    voltage = parse_float(session.resource, spec.voltage, volt_reply)
    temperature = parse_float(session.resource, spec.temperature, temp_reply)
    flags = parse_int(session.resource, spec.error_flags, flags_reply)
    return {
        "voltage_v": voltage,
        "temperature_c": temperature,
        "error_flags": flags,
        "flags_set": decode_flags(flags, spec.flags),
        "latency_ms": (time.perf_counter() - start) * 1000.0,
    }


def read_telemetry(spec_backend: str, resource: str, spec: TelemetrySpec, *, samples: int = 1,
                   interval_ms: float = 0.0, timeout_ms: int = 2000,
                   store: AuditStore | None = None) -> dict[str, Any]:
    if not 1 <= samples <= 100_000 or interval_ms < 0:
        raise BridgeError("instrument.bad_parameter",
                          "--samples must be in [1, 100000] and --interval-ms >= 0", "usage",
                          samples=samples, interval_ms=interval_ms)
    audit_id = str(uuid.uuid4())
    events: list[dict[str, Any]] = []
    started = time.perf_counter()
    try:
        with InstrumentSession(spec_backend, resource, timeout_ms) as session:
            resource = session.resource
            for index in range(samples):
                if index and interval_ms:
                    time.sleep(interval_ms / 1000.0)
                sample = {"event": "embedded.telemetry", "sample": index, "resource": resource,
                          **_sample(session, spec)}
                record(store, "embedded.telemetry", audit_id, sample)
                events.append(sample)
    except BridgeError as err:
        elapsed = (time.perf_counter() - started) * 1000.0
        err.details.setdefault("audit_id", audit_id)
        record(store, "embedded.telemetry", audit_id, {
            "resource": resource, "error_code": err.code, "message": err.message,
            "samples_read": len(events)})
        emit_metrics("embedded.telemetry", RuntimeMetrics.for_operation(
            elapsed, operations=len(events) + 1, errors=1, audit_id=audit_id,
            custom={"resource": resource, "error_code": err.code}))
        raise
    total_ms = (time.perf_counter() - started) * 1000.0
    flagged = sum(1 for e in events if e["error_flags"])
    last = events[-1]
    mean_latency = sum(e["latency_ms"] for e in events) / len(events)
    metrics = RuntimeMetrics(
        latency_ms=mean_latency,
        throughput_per_min=60_000.0 * len(events) / total_ms if total_ms > 0 else 0.0,
        error_rate=flagged / len(events),
        last_audit_id=audit_id,
        custom={"resource": resource, "voltage_v": last["voltage_v"],
                "temperature_c": last["temperature_c"], "error_flags": last["error_flags"]},
    )
    return {
        "status": "warning" if flagged else "ok",
        "audit_id": audit_id,
        "resource": resource,
        "samples": events,
        "latest": {k: last[k] for k in ("voltage_v", "temperature_c", "error_flags",
                                        "flags_set")},
        "alerts": sorted({name for e in events for name in e["flags_set"]}),
        "metrics": emit_metrics("embedded.telemetry", metrics),
    }
