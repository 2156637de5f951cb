"""Core results (code points, byte spans, the Diagnostic model) → LSP types in the negotiated
position encoding."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.envelope import to_v2
from reml_lsp.diagnostics.model import Diagnostic, Severity

SEVERITY = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.HINT: lsp.DiagnosticSeverity.Hint,
}


def position(index: LineIndex, offset: int, encoding: str) -> lsp.Position:
    line, character = index.to_lsp(offset, encoding)
    return lsp.Position(line=line, character=character)


def range_of(index: LineIndex, start: int, end: int, encoding: str) -> lsp.Range:
    return lsp.Range(start=position(index, start, encoding), end=position(index, end, encoding))


def offset_of(index: LineIndex, pos: lsp.Position, encoding: str) -> int:
    return index.from_lsp(pos.line, pos.character, encoding)


def byte_range(index: LineIndex, start: int, end: int, encoding: str) -> lsp.Range:
    return range_of(index, index.offset_of_byte(start), index.offset_of_byte(end), encoding)


# What a published diagnostic's ``data`` keeps of the V2 object: the fields the schema requires,
# the ids and message parts clients read (audit_id for code actions and the extension's audit
# view, message_key/locale_args for localisation, the stream counters for the status bar).
# Notes, fix-its, hints and the secondary spans travel as relatedInformation and code actions
# (the server looks fixes up by audit_id), so they are left out: with them, a publish of 70
# findings was ~400 KB.
DATA_KEYS = ("id", "audit_id", "code", "codes", "message", "message_key", "locale", "locale_args",
             "domain", "severity", "severity_level", "severity_hint", "primary", "expected",
             "change_set", "stream_meta", "extensions", "audit", "audit_metadata", "timestamp",
             "schema_version")
AUDIT_KEYS = ("audit.channel", "audit.policy.version")
EXPECTED_SHOWN = 8  # expected tokens kept in ``data.expected`` (the reference shows its top 8)


def diagnostic_data(d: Diagnostic) -> dict[str, Any]:
    """``d``'s Reml Diagnostic V2 object (diagnostics/envelope.py, what `lint --format json`
    prints for it, same audit_id) trimmed to ``DATA_KEYS``; ``expected`` keeps the first
    ``EXPECTED_SHOWN`` tokens and their ``total`` (`lint --format json` has them all)."""
    full = to_v2(d, channel="lsp")
    out = {k: full[k] for k in DATA_KEYS if k in full}
    expected = out.get("expected")
    if isinstance(expected, dict):
        tokens = list(expected.get("locale_args") or ())
        out["expected"] = {"message_key": expected.get("message_key"),
                           "locale_args": tokens[:EXPECTED_SHOWN], "total": len(tokens),
                           "context_note": expected.get("context_note")}
    # The flat audit keys repeat code, message_key, severity, domain and id of the object
    # itself: the channel and policy stay (the store's own events have them all).
    meta = {k: full["audit_metadata"][k] for k in AUDIT_KEYS if k in full["audit_metadata"]}
    out["audit"] = {**full["audit"], "metadata": meta}
    out["audit_metadata"] = dict(meta)
    return out


def to_lsp_diagnostic(d: Diagnostic, index: LineIndex, uri: str, encoding: str,
                      *, related: bool = True) -> lsp.Diagnostic:
    info = []
    message = d.message
    for note in d.notes:
        if note.span is not None and related:
            info.append(lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=uri, range=byte_range(index, note.span.start,
                                                                note.span.end, encoding)),
                message=note.message))
        elif not related and note.span is not None:
            message += f"\n{note.message}"
    return lsp.Diagnostic(
        range=byte_range(index, d.span.start, d.span.end, encoding),
        severity=SEVERITY.get(d.severity, lsp.DiagnosticSeverity.Error),
        code=d.code,
        source="reml",
        message=message,
        related_information=info or None,
        data=diagnostic_data(d),
    )
