"""The "Reml Diagnostic V2" envelope (shared/reference/diagnostic-v2.schema.json).

The upstream CLI/LSP share one JSON object per diagnostic: ``primary`` (1-based lines, code-point
columns), ``codes``, ``audit{metadata, audit_id, change_set}``, ``audit_metadata``, ``timestamp``,
``secondary``, ``hints``, ``structured_hints``, ``stream_meta`` in its V2 shape. We emit exactly
that, plus every field of our own model beside it (the schema's ``additionalProperties`` allows
it), so `lint --format json` and the server's ``Diagnostic.data`` are read by V2 tooling and by
our own clients alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reml_lsp.diagnostics.model import Diagnostic, FixIt, Location, Severity
from reml_lsp.diagnostics.serialize import to_json

# The schema's ``domain`` vocabulary; anything else is ``other`` + extensions["domain.other"].
V2_DOMAINS = frozenset({
    "syntax", "parser", "type", "effect", "runtime", "config", "manifest", "target", "security",
    "plugin", "cli", "lsp", "regex", "template", "text", "network", "data", "audit", "other",
})
SEVERITY_LEVEL = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.INFO: 3, Severity.HINT: 4}
POLICY = "reml-lsp.audit.v1"
STREAM_META_KEY = "reml.stream_meta"  # our own StreamMeta counters, kept whole in extensions


def utc_timestamp(now: dt.datetime | None = None) -> str:
    """ISO 8601 UTC to the second, the only form the schema's pattern accepts."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def span_of(loc: Location) -> dict[str, Any]:
    """A V2 ``primary``-shaped span: 1-based lines, columns in code points."""
    return {"file": loc.file, "start_line": loc.line, "start_col": loc.column,
            "end_line": loc.end_line, "end_col": loc.end_column}


def _action(fix: FixIt) -> dict[str, Any] | None:
    if fix.location is None:
        return None
    return {"kind": fix.kind, "range": span_of(fix.location), "text": fix.text}


def _stream_meta(native: dict[str, Any] | None) -> dict[str, Any] | None:
    """Our StreamMeta in the V2 shape. A document parse is one chunk plus one per resume, and
    every resume follows exactly one await; the document runner has no flow controller, so it
    records no back-pressure events."""
    if not native:
        return None
    resumes = int(native.get("resume_count") or 0)
    consumed = int(native.get("consumed_bytes") or 0)
    memo = native.get("memo_bytes")
    return {
        "bytes_consumed": consumed,
        "chunks_consumed": resumes + 1 if consumed else 0,
        "await_count": resumes,
        "resume_count": resumes,
        "last_reason": None,
        "memo_bytes": int(memo) if isinstance(memo, int | float) else None,
        "backpressure_policy": None,
        "backpressure_events": 0,
    }


def audit_metadata(d: Diagnostic, channel: str, timestamp: str) -> dict[str, Any]:
    """The flat ``audit.*``/``event.*`` keys the reference writes for a diagnostic event."""
    return {
        "audit.channel": channel,
        "audit.id.uuid": d.audit_id,
        "audit.policy.version": POLICY,
        "audit.timestamp": timestamp,
        "event.kind": "diagnostic",
        "event.domain": d.domain,
        "diagnostic.code": d.code,
        "diagnostic.message_key": d.message_key,
        "diagnostic.severity": d.severity.value,
    }


def to_v2(d: Diagnostic, *, channel: str = "cli", timestamp: str | None = None) -> dict[str, Any]:
    """One diagnostic as a V2 object with our own fields beside the required ones.

    ``channel`` is ``cli`` or ``lsp``; ``timestamp`` defaults to now (a CLI run passes one value
    for all its diagnostics).
    """
    stamp = timestamp or utc_timestamp()
    body = to_json(d)
    extensions = dict(body.get("extensions") or {})
    if d.domain not in V2_DOMAINS:
        extensions["domain.other"] = d.domain
        body["domain"] = "other"
    if d.stream_meta:
        extensions[STREAM_META_KEY] = dict(d.stream_meta)
    metadata = audit_metadata(d, channel, stamp)
    actions = [(fix, _action(fix)) for fix in d.fixits]
    body.update({
        "id": d.audit_id,
        "severity_level": SEVERITY_LEVEL.get(d.severity, 1),
        "codes": d.codes,
        "primary": span_of(d.location),
        "secondary": [
            {"span": span_of(n.location), "message": n.message}
            for n in d.notes if n.location is not None
        ],
        "hints": [
            {"message": fix.title, "actions": [action]} for fix, action in actions if action
        ],
        "structured_hints": [
            {"id": None, "title": fix.title, "kind": "quick_fix", "span": action["range"],
             "payload": {"kind": fix.kind, "text": fix.text,
                         "span": {"start": fix.span.start, "end": fix.span.end}},
             "actions": [action]}
            for fix, action in actions if action
        ],
        "stream_meta": _stream_meta(d.stream_meta),
        "extensions": extensions,
        "audit": {"metadata": dict(metadata), "audit_id": d.audit_id,
                  "change_set": d.change_set},
        "audit_metadata": metadata,
        "timestamp": stamp,
    })
    return body
