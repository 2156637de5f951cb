"""``query`` and ``write``: one audited, measured command to one instrument.

Audit events (under a fresh ``audit_id``): ``instrument.query`` / ``instrument.write`` with the
resource, command, reply and latency, or the ``error_code`` when it failed. Metrics:
``emit_metrics("instrument.query" | "instrument.write", ...)``.

A refusal is a failure (``instrument.nak``, exit 1), not a reply: a query answered by one of
:data:`NAK_REPLIES`, or a write followed by one within ``ack_wait_ms`` (instruments that
acknowledge writes answer at once). With ``ack`` given, a write must be answered exactly that
(the regmap's ``write_ack``); another reply is a NAK, none at all ``instrument.timeout``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.instruments.session import DEFAULT_TIMEOUT_MS, InstrumentSession
from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics

NAK_REPLIES = frozenset({"ERR", "ERROR", "NAK", "NACK"})
ACK_WAIT_MS = 100


def is_nak(reply: str | None) -> bool:
    return reply is not None and reply.strip().upper() in NAK_REPLIES


def nak(resource: str, command: str, reply: str, expected: str | None = None) -> BridgeError:
    want = f" (expected {expected!r})" if expected is not None else ""
    return BridgeError("instrument.nak",
                       f"{resource} refused {command!r}: it answered {reply!r}{want}", "failure",
                       resource=resource, command=command, reply=reply, expected_reply=expected)


def _write(session: InstrumentSession, command: str, ack: str | None,
           ack_wait_ms: int) -> tuple[str | None, float]:
    """Write, then read the acknowledgement (or NAK) the instrument sends back, if any."""
    start = time.perf_counter()
    session.write(command)
    reply = None
    if ack is not None:
        reply = session.read_pending(session.timeout_ms)
        if reply is None:
            raise BridgeError("instrument.timeout",
                              f"{session.resource} did not acknowledge {command!r} with {ack!r} "
                              f"within {session.timeout_ms} ms", "timeout",
                              resource=session.resource, command=command,
                              timeout_ms=session.timeout_ms)
        if reply != ack:
            raise nak(session.resource, command, reply, ack)
    elif ack_wait_ms > 0:
        reply = session.read_pending(ack_wait_ms)
        if is_nak(reply):
            raise nak(session.resource, command, str(reply))
    return reply, (time.perf_counter() - start) * 1000.0


def record(store: AuditStore | None, event: str, audit_id: str, payload: dict[str, Any]) -> None:
    if store is not None:
        store.record(event, audit_id, payload)


def _run(event: str, spec: str, resource: str, command: str, timeout_ms: int,
         store: AuditStore | None, is_query: bool, ack: str | None = None,
         ack_wait_ms: int = ACK_WAIT_MS) -> dict[str, Any]:
    audit_id = str(uuid.uuid4())
    # "scpi", not "command": the CLI envelope's "command" names the reml-run command.
    base = {"resource": resource, "backend": spec, "scpi": command}
    started = time.perf_counter()
    try:
        with InstrumentSession(spec, resource, timeout_ms) as session:
            base["resource"] = session.resource
            if is_query:
                reply, latency = session.query(command)
                if is_nak(reply):
                    raise nak(session.resource, command, reply)
            else:
                reply, latency = _write(session, command, ack, ack_wait_ms)
    except BridgeError as err:
        elapsed = (time.perf_counter() - started) * 1000.0
        err.details.setdefault("audit_id", audit_id)
        record(store, event, audit_id, base | {"error_code": err.code, "message": err.message})
        emit_metrics(event, RuntimeMetrics.for_operation(
            elapsed, errors=1, audit_id=audit_id, custom={"error_code": err.code}))
        raise
    record(store, event, audit_id, base | {"reply": reply, "latency_ms": latency,
                                            "error_code": None})
    metrics = emit_metrics(event, RuntimeMetrics.for_operation(
        latency, audit_id=audit_id, custom={"resource": base["resource"]}))
    return {"status": "ok", "audit_id": audit_id, **base, "reply": reply, "latency_ms": latency,
            "metrics": metrics}


def query(spec: str, resource: str, command: str, timeout_ms: int = DEFAULT_TIMEOUT_MS,
          store: AuditStore | None = None) -> dict[str, Any]:
    return _run("instrument.query", spec, resource, command, timeout_ms, store, True)


def write(spec: str, resource: str, command: str, timeout_ms: int = DEFAULT_TIMEOUT_MS,
          store: AuditStore | None = None, *, ack: str | None = None,
          ack_wait_ms: int = ACK_WAIT_MS) -> dict[str, Any]:
    return _run("instrument.write", spec, resource, command, timeout_ms, store, False, ack,
                ack_wait_ms)


def list_instruments(spec: str, identify: bool = False,
                     timeout_ms: int = DEFAULT_TIMEOUT_MS) -> dict[str, Any]:
    """Resources the backend declares or discovers; with ``identify``, each one's ``*IDN?``
    (a failure is reported per resource, it does not fail the listing)."""
    from reml_lsp.runtime.instruments.session import list_resources

    found: list[dict[str, Any]] = []
    names, notes = list_resources(spec)
    for name in names:
        entry: dict[str, Any] = {"resource": name}
        if identify:
            try:
                with InstrumentSession(spec, name, timeout_ms) as session:
                    entry["idn"], entry["latency_ms"] = session.query("*IDN?")
            except BridgeError as err:
                entry["error"] = {"code": err.code, "message": err.message}
        found.append(entry)
    return {"status": "ok", "backend": spec, "resources": found, "notes": notes}
