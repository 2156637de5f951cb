"""Config findings as project ``Diagnostic`` objects (domain ``config``, codes ``config.*``).

Config values carry no source positions once parsed, so the span is found by searching the file
text for the last key of the path (quoted for JSON, bare or quoted for TOML); when the key cannot be
found (a missing required field) the diagnostic points at the start of the file.
"""

from __future__ import annotations

import json

from reml_lsp.config.paths import parse_path
from reml_lsp.config.validate import ValidationIssue
from reml_lsp.diagnostics import Diagnostic, Location, Severity, Span, compute_audit_id
from reml_lsp.diagnostics.audit_id import document_digest


def key_span(text: str, key: str) -> tuple[int, int]:
    """Byte span of the last named segment of ``key`` in ``text`` (``(0, 0)`` if not found)."""
    try:
        names = [s for s in parse_path(key, allow_wildcard=True) if isinstance(s, str)]
    except Exception:  # a malformed key still yields a diagnostic at the file start
        return (0, 0)
    if not names:
        return (0, 0)
    name = names[-1]
    for needle in (json.dumps(name, ensure_ascii=False), name):
        at = text.find(needle)
        if at >= 0:
            start = len(text[:at].encode("utf-8"))
            return (start, start + len(needle.encode("utf-8")))
    return (0, 0)


def _location(file: str, text: str, start: int, end: int) -> Location:
    data = text.encode("utf-8")

    def line_col(offset: int) -> tuple[int, int]:
        before = data[:offset].decode("utf-8", "replace")
        line = before.count("\n") + 1
        return line, len(before) - (before.rfind("\n") + 1) + 1

    (line, col), (end_line, end_col) = line_col(start), line_col(end)
    return Location(file, line, col, end_line, end_col)


def issue_to_diagnostic(
    issue: ValidationIssue, file: str, text: str, *, audit_id: str | None = None
) -> Diagnostic:
    """``file`` is the workspace-relative path; ``audit_id`` defaults to the DESIGN.md UUIDv5."""
    start, end = key_span(text, issue.key)
    severity = Severity.WARNING if issue.severity == "warning" else Severity.ERROR
    return Diagnostic(
        code=issue.code,
        severity=severity,
        message=issue.message,
        message_key=issue.code,
        locale="en-US",
        locale_args=[issue.key],
        domain="config",
        span=Span(start, end),
        location=_location(file, text, start, end),
        audit_id=audit_id
        or compute_audit_id(file, document_digest(text), issue.code, start, end),
        extensions={"config": {"key_path": issue.key, "expected": issue.expected,
                               "actual": issue.actual}},
    )
