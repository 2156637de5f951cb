"""``apply REGMAP``: bring an instrument's registers and interrupt masks to the declared values.

1. read every declared field (the current state) and compute the change with ``Config.compare``
   (``reml_lsp.config.compare``) between ``{"registers": {...}, "interrupts": {...}}`` documents;
2. audit the plan (``instrument.apply.plan`` with the ``change_set``); stop there with ``dry_run``;
3. write each updated field (registers first, then interrupt masks), verify it by read-back and
   audit it as ``register.update`` / ``interrupt.update``;
4. on a failed write, a read-back mismatch, a timeout or a malformed read-back: run the fail-safe
   (the watchdog reset command, audited as ``instrument.failsafe``), roll back every field touched
   so far in reverse order with verification (``register.rollback`` / ``interrupt.rollback``),
   audit ``instrument.rollback`` with its status, and raise ``instrument.validation_error``
   (``type: "ValidationError"``) carrying the ``audit_id``, the ``location`` of the failing
   field in the map (``path``, ``line``, ``column``; also the message's prefix) and ``issues``
   (one ``{code, key, message, …}`` entry the language server publishes on that field).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.config import Change, compare
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.cancel import commit_point
from reml_lsp.runtime.instruments.ops import record
from reml_lsp.runtime.instruments.regmap import RegField, RegMap, field_location
from reml_lsp.runtime.instruments.replies import parse_int
from reml_lsp.runtime.instruments.session import DEFAULT_TIMEOUT_MS, InstrumentSession
from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics

_EVENT = {"registers": "register", "interrupts": "interrupt"}


class _StepFailed(Exception):
    def __init__(self, phase: str, detail: dict[str, Any]) -> None:
        super().__init__(phase)
        self.phase = phase
        self.detail = detail


def read_field(session: InstrumentSession, field: RegField) -> int:
    reply, _ = session.query(field.read)
    return parse_int(session.resource, field.read, reply)


def read_state(session: InstrumentSession, regmap: RegMap) -> dict[str, dict[str, int]]:
    state: dict[str, dict[str, int]] = {"registers": {}, "interrupts": {}}
    for field in regmap.fields:
        state[field.group][field.name] = read_field(session, field)
    return state


def write_field(session: InstrumentSession, regmap: RegMap, field: RegField, value: int) -> str:
    """Write and (when ``write_ack`` is declared) check the acknowledgement; returns the command."""
    command = field.write_command(value)
    if regmap.write_ack is None:
        session.write(command)
        return command
    reply, _ = session.query(command)
    if reply != regmap.write_ack:
        raise _StepFailed("write", {"command": command, "reply": reply,
                                    "expected_reply": regmap.write_ack})
    return command


def _set_and_verify(session: InstrumentSession, regmap: RegMap, field: RegField,
                    value: int) -> dict[str, Any]:
    try:
        command = write_field(session, regmap, field, value)
    except BridgeError as err:
        raise _StepFailed("write", {"cause": {"code": err.code, "message": err.message}}) from None
    try:
        actual = read_field(session, field)
    except BridgeError as err:
        raise _StepFailed("read_back", {"command": command,
                                        "cause": {"code": err.code, "message": err.message}}
                          ) from None
    if actual != value:
        raise _StepFailed("read_back", {"command": command, "expected": value, "actual": actual})
    return {"command": command, "read_back": actual}


def _failsafe(session: InstrumentSession, regmap: RegMap, store: AuditStore | None,
              audit_id: str, reason: str) -> dict[str, Any]:
    result: dict[str, Any] = {"command": regmap.watchdog_reset, "reason": reason}
    try:
        if regmap.watchdog_ack is None:
            session.write(regmap.watchdog_reset)
            result["ok"] = True
        else:
            reply, _ = session.query(regmap.watchdog_reset)
            result |= {"reply": reply, "ok": reply == regmap.watchdog_ack}
    except BridgeError as err:
        result |= {"ok": False, "error_code": err.code, "message": err.message}
    record(store, "instrument.failsafe", audit_id, {"resource": session.resource, **result})
    return result


def _rollback(session: InstrumentSession, regmap: RegMap, touched: list[Change],
              store: AuditStore | None, audit_id: str) -> dict[str, Any]:
    restored: list[dict[str, Any]] = []
    for change in reversed(touched):
        field = regmap.field(change.key)
        entry: dict[str, Any] = {"key": change.key, "value": change.previous}
        try:
            entry |= _set_and_verify(session, regmap, field, int(change.previous))
            entry["verified"] = True
        except _StepFailed as step:
            entry |= {"verified": False, "phase": step.phase, **step.detail}
        record(store, f"{_EVENT[field.group]}.rollback", audit_id,
               {"resource": session.resource, **entry})
        restored.append(entry)
    ok = all(e["verified"] for e in restored)
    summary = {"status": "rolled_back" if ok else "rollback_incomplete", "audit_id": audit_id,
               "restored": restored}
    record(store, "instrument.rollback", audit_id, {"resource": session.resource, **summary})
    return summary


def _ordered(changes: tuple[Change, ...]) -> list[Change]:
    groups = {"registers": 0, "interrupts": 1}
    return sorted(changes, key=lambda c: groups.get(c.key.split(".", 1)[0], 2))


def apply_regmap(backend: str, regmap: RegMap, resource: str | None = None, *,
                 timeout_ms: int | None = None, dry_run: bool = False,
                 store: AuditStore | None = None) -> dict[str, Any]:
    target = resource or regmap.resource
    if not target:
        raise BridgeError("instrument.no_resource",
                          "no resource: pass --resource or set instrument.resource in the map",
                          "usage", path=regmap.path)
    audit_id = str(uuid.uuid4())
    started = time.perf_counter()
    base = {"resource": target, "backend": backend, "regmap": regmap.path}
    try:
        with InstrumentSession(backend, target, timeout_ms or regmap.timeout_ms
                               or DEFAULT_TIMEOUT_MS) as session:
            base["resource"] = session.resource
            result = _apply(session, regmap, store, audit_id, base, dry_run)
    except BridgeError as err:
        err.details.setdefault("audit_id", audit_id)
        elapsed = (time.perf_counter() - started) * 1000.0
        if err.code != "instrument.validation_error":
            record(store, "instrument.apply", audit_id,
                   base | {"status": "failed", "error_code": err.code, "message": err.message})
        emit_metrics("instrument.apply", RuntimeMetrics.for_operation(
            elapsed, errors=1, audit_id=audit_id, custom={"error_code": err.code}))
        raise
    elapsed = (time.perf_counter() - started) * 1000.0
    changes = max(len(result["applied"]), 1)
    result["latency_ms"] = elapsed
    result["metrics"] = emit_metrics("instrument.apply", RuntimeMetrics.for_operation(
        elapsed, operations=changes, audit_id=audit_id,
        custom={"resource": base["resource"], "changes": len(result["applied"]),
                "dry_run": dry_run}))
    return result


def _apply(session: InstrumentSession, regmap: RegMap, store: AuditStore | None, audit_id: str,
           base: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    current = read_state(session, regmap)
    desired = regmap.desired()
    change_set = compare(current, desired)
    plan = change_set.change_set_json()
    record(store, "instrument.apply.plan", audit_id, base | {"change_set": plan,
                                                              "dry_run": dry_run})
    doc: dict[str, Any] = {"status": "ok", "audit_id": audit_id, **base, "dry_run": dry_run,
                           "current": current, "desired": desired, "change_set": plan,
                           "applied": []}
    if dry_run:
        return doc
    if change_set.changes:
        commit_point("instrument.apply")  # a cancel before here writes nothing
    touched: list[Change] = []
    for change in _ordered(change_set.changes):
        field = regmap.field(change.key)
        event = f"{_EVENT[field.group]}.update"
        touched.append(change)
        try:
            step = _set_and_verify(session, regmap, field, int(change.current))
        except _StepFailed as failed:
            detail = {"key": change.key, "phase": failed.phase, "previous": change.previous,
                      "expected": change.current, **failed.detail}
            record(store, event, audit_id, base | detail | {"status": "failed"})
            raise _validation_error(session, regmap, store, audit_id, base, plan, touched,
                                    detail) from None
        entry = {"key": change.key, "previous": change.previous, "current": change.current,
                 **step, "verified": True}
        record(store, event, audit_id, base | entry | {"status": "applied"})
        doc["applied"].append(entry)
    record(store, "instrument.apply", audit_id, base | {"status": "applied",
                                                         "changes": len(doc["applied"])})
    return doc


def _validation_error(session: InstrumentSession, regmap: RegMap, store: AuditStore | None,
                      audit_id: str, base: dict[str, Any], plan: dict[str, Any],
                      touched: list[Change], detail: dict[str, Any]) -> BridgeError:
    what = ("read-back mismatch" if detail["phase"] == "read_back" and "actual" in detail
            else f"{detail['phase'].replace('_', '-')} failed")
    reason = f"{what} on {detail['key']}"
    failsafe = _failsafe(session, regmap, store, audit_id, reason)
    rollback = _rollback(session, regmap, touched, store, audit_id)
    record(store, "instrument.apply", audit_id, base | {
        "status": "rolled_back" if rollback["status"] == "rolled_back" else "failed",
        "error_code": "instrument.validation_error", "reason": reason})
    location = field_location(regmap, detail["key"])
    where = f"{location['path']}:{location['line']}:{location['column']}: " if location else ""
    message = (f"ValidationError: {reason}; fail-safe {regmap.watchdog_reset!r} "
               f"{'ran' if failsafe['ok'] else 'FAILED'}, rollback {rollback['status']}")
    issue = {"code": "instrument.validation_error", "key": detail["key"], "message": message,
             "severity": "error", "expected": detail.get("expected"),
             "actual": detail.get("actual", detail.get("reply")), "location": location}
    return BridgeError(
        "instrument.validation_error",
        where + message,
        "failure",
        type="ValidationError",
        location=location,
        issues=[issue],
        audit_id=audit_id,
        resource=base["resource"],
        failed=detail,
        failsafe=failsafe,
        rollback=rollback,
        change_set=plan,
    )
