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


def diagnostic_data(d: Diagnostic) -> dict[str, Any]:
    """The Reml Diagnostic V2 object of ``d`` (diagnostics/envelope.py): the one `lint --format
    json` prints, so clients read audit_id, message_key, stream_meta… from the same shape."""
    return to_v2(d, channel="lsp")


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
