"""Semantic findings (name resolution, runtime-bridges rules) and their ``Diagnostic`` form.

A ``Finding`` is what a check reports in code-point offsets of the current text; ``to_diagnostics``
localises it through the one catalog and names it with the item-anchored audit_id
(``diagnostics.audit_id.FindingIds``: the enclosing top-level item's text, not the whole
document), so the CLI and the server give the same id and an edit elsewhere keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.tree import Entry, span
from reml_lsp.diagnostics.audit_id import Anchor, FindingIds, anchor_digest
from reml_lsp.diagnostics.catalog import message
from reml_lsp.diagnostics.model import Diagnostic, FixIt, Location, Note, Severity, Span


@attrs.frozen
class FindingFix:
    title_key: str  # catalog key of the quick fix's title
    start: int  # code points; start == end inserts
    end: int
    text: str = ""
    title_args: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        if self.start == self.end:
            return "insert"
        return "replace" if self.text else "delete"


@attrs.frozen
class FindingNote:
    key: str
    args: tuple[str, ...] = ()
    start: int | None = None
    end: int | None = None


@attrs.frozen
class Finding:
    code: str
    domain: str  # names | bridges
    severity: str  # error | warning
    start: int
    end: int
    args: tuple[str, ...] = ()
    key: str | None = None  # message key, defaults to the code
    plain: tuple[int, ...] = ()  # indices of args shown as prose, not quoted as code
    notes: tuple[FindingNote, ...] = ()
    fixes: tuple[FindingFix, ...] = ()
    extensions: dict = attrs.field(factory=dict, eq=False)

    @property
    def message_key(self) -> str:
        return self.key or self.code


def _location(index: LineIndex, file: str, start: int, end: int) -> Location:
    l1, c1 = index.line_col(start)
    l2, c2 = index.line_col(end)
    return Location(file, l1, c1, l2, c2)


def anchors_of(text: str, entries: Sequence[Entry], findings: Sequence[Finding]) -> list[Anchor]:
    """Anchors (item spans and digests) of the items that hold a finding."""
    starts = sorted(f.start for f in findings)
    out: list[Anchor] = []
    if not starts:
        return out
    for tree, dpos in entries:
        s = span(tree, dpos)
        if s is None:
            continue
        if any(s[0] <= x <= s[1] for x in starts):
            out.append(Anchor(s[0], s[1], anchor_digest(text[s[0]:s[1]])))
    out.sort(key=lambda a: a.start)
    return out


def to_diagnostics(findings: Iterable[Finding], *, text: str, index: LineIndex, file: str,
                   rel_path: str, locale: str, entries: Sequence[Entry] = (),
                   stream_meta: dict | None = None,
                   anchors: Sequence[Anchor] | None = None) -> list[Diagnostic]:
    """``anchors``: ``anchors_of`` the findings when the caller has them (``item_facts.anchors``
    keeps spans and digests per item tree)."""
    ordered = sorted(findings, key=lambda f: (f.start, f.end, f.code))
    if anchors is None:
        anchors = anchors_of(text, entries, ordered)
    ids = FindingIds(rel_path, text, index.line_col, anchors)
    out: list[Diagnostic] = []
    for f in ordered:
        span = Span(index.byte_offset(f.start), index.byte_offset(f.end))
        args = [a if i in f.plain else f"`{a}`" for i, a in enumerate(f.args)]
        notes = []
        for n in f.notes:
            nspan = nloc = None
            if n.start is not None and n.end is not None:
                nspan = Span(index.byte_offset(n.start), index.byte_offset(n.end))
                nloc = _location(index, file, n.start, n.end)
            notes.append(Note(None, message(n.key, locale, [f"`{a}`" for a in n.args]),
                              nspan, nloc))
        fixits = [FixIt(fx.kind, Span(index.byte_offset(fx.start), index.byte_offset(fx.end)),
                        fx.text, _location(index, file, fx.start, fx.end),
                        title=message(fx.title_key, locale, [f"`{a}`" for a in fx.title_args]))
                  for fx in f.fixes]
        out.append(Diagnostic(
            code=f.code, severity=Severity(f.severity),
            message=message(f.message_key, locale, args), message_key=f.message_key,
            locale=locale, domain=f.domain, span=span,
            location=_location(index, file, f.start, f.end), locale_args=args, notes=notes,
            fixits=fixits,
            audit_id=ids.audit_id(f.code, f.start, f.end), stream_meta=stream_meta,
            extensions=dict(f.extensions)))
    return out
