"""Config findings as project ``Diagnostic`` objects (domain ``config``, codes ``config.*``).

Config values carry no source positions once parsed, so the span is found by searching the file
text for the last key of the path (quoted for JSON, bare or quoted for TOML); when the key cannot be
found (a missing required field) the diagnostic points at the start of the file.
"""

from __future__ import annotations

import json
import re

from reml_lsp.config.paths import parse_path
from reml_lsp.config.validate import ValidationIssue
from reml_lsp.diagnostics import Diagnostic, Location, Severity, Span, compute_audit_id
from reml_lsp.diagnostics.audit_id import document_digest


def _mask_comments(text: str) -> str:
    """``text`` with TOML ``#`` comments (outside strings) blanked, same length."""
    if "#" not in text:
        return text
    out = []
    for line in text.split("\n"):
        quote: str | None = None
        cut = len(line)
        i = 0
        while i < len(line):
            c = line[i]
            if quote:
                if c == "\\" and quote == '"':
                    i += 1
                elif c == quote:
                    quote = None
            elif c in "\"'":
                quote = c
            elif c == "#":
                cut = i
                break
            i += 1
        out.append(line[:cut] + " " * (len(line) - cut))
    return "\n".join(out)


def _key_at(masked: str, name: str, start: int) -> re.Match[str] | None:
    """``name`` used as a key at or after ``start``: a TOML header or dotted key, ``name =``,
    or a JSON ``"name":`` — not a word inside a value or a comment."""
    quoted = re.escape(json.dumps(name, ensure_ascii=False))
    bare = re.escape(name)
    pattern = (rf"(?:(?<=[\[.{{,\s])|^)(?:{quoted}|'{bare}'|{bare})(?=\s*[=.\]:])")
    return re.compile(pattern, re.MULTILINE).search(masked, start)


def key_span(text: str, key: str) -> tuple[int, int]:
    """Byte span of the last named segment of ``key`` in ``text`` (``(0, 0)`` if not found).

    The segments are looked up in order, each as a key (``[registers.MODE]``, ``MODE = …``,
    ``"MODE": …``) after the previous one, ignoring comments; failing that, the first plain
    occurrence of the last segment."""
    try:
        names = [s for s in parse_path(key, allow_wildcard=True) if isinstance(s, str)]
    except Exception:  # a malformed key still yields a diagnostic at the file start
        return (0, 0)
    if not names:
        return (0, 0)
    masked = _mask_comments(text)
    at, found = 0, None
    for segment in names:
        match = _key_at(masked, segment, at)
        if match is None:
            found = None
            break
        found, at = match, match.end()
    if found is not None:
        start = len(text[:found.start()].encode("utf-8"))
        return (start, start + len(found.group(0).encode("utf-8")))
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
