"""Code actions from the fix-its of diagnostics: one quick fix per fix-it, its edit in code-point
offsets of the current text, with the finding's audit_id."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.model import Diagnostic


@attrs.frozen
class Edit:
    start: int  # code points
    end: int
    text: str


@attrs.frozen
class Fix:
    title: str
    audit_id: str | None
    code: str
    edits: tuple[Edit, ...]
    diagnostic: Diagnostic = attrs.field(eq=False, repr=False)


def fixes_for(diagnostics: Iterable[Diagnostic], index: LineIndex, start: int, end: int
              ) -> list[Fix]:
    """Fixes of the diagnostics whose span touches ``[start, end]`` (code points)."""
    out: list[Fix] = []
    for d in diagnostics:
        ds, de = index.offset_of_byte(d.span.start), index.offset_of_byte(d.span.end)
        if de < start or ds > end:
            continue
        for fix in d.fixits:
            fs, fe = index.offset_of_byte(fix.span.start), index.offset_of_byte(fix.span.end)
            title = fix.title or _title(fix.kind, fix.text)
            out.append(Fix(title, d.audit_id, d.code, (Edit(fs, fe, fix.text),), d))
    return out


def _title(kind: str, text: str) -> str:
    if kind == "insert":
        return f"insert `{text}`"
    if kind == "delete":
        return "delete"
    return f"replace with `{text}`"
