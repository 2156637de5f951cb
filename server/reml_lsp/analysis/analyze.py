"""The one analysis entry point the CLI and the server share: text → items + diagnostics.

No LSP types and no I/O: it analyses the text or bytes it is handed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence

import attrs

from reml_lsp.analysis.cap import (
    DEFAULT_MAX_DIAGNOSTICS,
    TRUNCATED_CODE,
    Capped,
    cap_diagnostics,
    first_issues,
)
from reml_lsp.analysis.finding_sink import FindingSink
from reml_lsp.analysis.findings import to_diagnostics
from reml_lsp.analysis.item_facts import anchors
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.resolve import ModuleLookup
from reml_lsp.analysis.semantic_checks import DocumentFacts, semantic_findings
from reml_lsp.analysis.source import decode
from reml_lsp.analysis.syntax_diagnostics import DiagnosticBuilder
from reml_lsp.diagnostics.audit_id import Anchor, anchor_digest
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.issues import SyntaxIssue, dropped_count
from reml_lsp.syntax.parser import Item, parse_items


@attrs.define
class SourceAnalysis:
    file: str  # the path as the user gave it (``location.file``)
    rel_path: str  # workspace-relative, ``/``-separated (part of the audit_id)
    text: str
    items: list[Item]
    diagnostics: list[Diagnostic]
    index: LineIndex


def collect_issues(items: Iterable[Item]) -> list[SyntaxIssue]:
    out: list[SyntaxIssue] = []
    for item in items:
        out.extend(item.issues)
    return out


def item_anchors(text: str, entries: Iterable[tuple[Item, int]],
                 cache: dict[int, tuple[Item, str]] | None = None) -> list[Anchor]:
    """The audit_id anchors of the items that carry findings: (item, dpos) in text order, where
    item positions + dpos are current ones. ``cache`` (by item identity) spares re-hashing items
    an edit did not touch."""
    out: list[Anchor] = []
    for item, dpos in entries:
        if item.tree is None or not item.issues:
            continue
        start, end = item.first + dpos, item.end.pos + dpos
        hit = cache.get(id(item)) if cache is not None else None
        if hit is not None and hit[0] is item:
            digest = hit[1]
        else:
            digest = anchor_digest(text[start:end])
            if cache is not None:
                cache[id(item)] = (item, digest)
        out.append(Anchor(start, end, digest))
    return out


def build_diagnostics(issues: Iterable[SyntaxIssue], *, text: str, index: LineIndex, file: str,
                      rel_path: str, locale: str, stream_meta: dict | None = None,
                      anchors: Sequence[Anchor] = ()) -> list[Diagnostic]:
    """``anchors``: ``item_anchors`` of the items the issues come from (audit_id context)."""
    builder = DiagnosticBuilder(index=index, file=file, rel_path=rel_path, locale=locale,
                                stream_meta=stream_meta, anchors=anchors)
    ordered = sorted(issues, key=lambda i: (i.start, i.end, i.code))
    return [builder.build(issue) for issue in ordered]


def finish_capped(diagnostics: list[Diagnostic], capped: Capped, limit: int, *,
                  index: LineIndex, file: str, rel_path: str, locale: str,
                  stream_meta: dict | None = None) -> list[Diagnostic]:
    """``cap_diagnostics`` with the summary finding built like the others."""
    def summary(count: int, at: int) -> Diagnostic:
        builder = DiagnosticBuilder(index=index, file=file, rel_path=rel_path, locale=locale,
                                    stream_meta=stream_meta)
        issue = SyntaxIssue(TRUNCATED_CODE, TRUNCATED_CODE, at, at, severity="info",
                            args=(str(count), str(limit)))
        return attrs.evolve(builder.build(issue), domain="diagnostics")

    return cap_diagnostics(diagnostics, limit, capped, index, summary)


def semantic_capped(text: str, entries: Sequence, clean: Sequence[bool], capped: Capped,
                    limit: int, *, index: LineIndex, file: str, rel_path: str, locale: str,
                    stream_meta: dict | None = None, state: DocumentFacts | None = None,
                    modules: ModuleLookup | None = None) -> list[Diagnostic]:
    """``semantic_diagnostics`` for the room the syntax findings left under the cap: only the
    first findings by position become diagnostics (33,000 unresolved names on one long line
    each cost an audit_id otherwise); the rest are counted in ``capped``."""
    room = limit - len(capped.issues) if limit > 0 else -1
    sink = FindingSink(room)
    found = semantic_findings(text, entries, clean=clean, sink=sink, state=state,
                              modules=modules, rel_path=rel_path)
    if room >= 0 and sink.count > room:
        head = heapq.nsmallest(room + 1, found, key=lambda f: (f.start, f.end, f.code))
        capped.suppressed += sink.count - room
        if capped.first_suppressed is None:
            capped.first_suppressed = head[room].start
        found = head[:room]
    return to_diagnostics(found, text=text, index=index, file=file, rel_path=rel_path,
                          locale=locale, stream_meta=stream_meta,
                          anchors=anchors(text, entries, found))


def analyze_text(text: str, *, file: str, rel_path: str, locale: str = "en-US",
                 extra: Iterable[SyntaxIssue] = (), allow_top_level_expr: bool = False,
                 max_diagnostics: int = DEFAULT_MAX_DIAGNOSTICS,
                 modules: ModuleLookup | None = None) -> SourceAnalysis:
    """``max_diagnostics``: the per-file cap (0: no cap); ``modules``: what the workspace's
    modules declare (the cross-module name check)."""
    items = parse_items(text, allow_top_level_expr=allow_top_level_expr)
    index = LineIndex(text)
    dropped = dropped_count(extra) + sum(dropped_count(it.issues) for it in items)
    capped = first_issues([*extra, *collect_issues(items)], max_diagnostics, dropped)
    diagnostics = build_diagnostics(capped.issues, text=text, index=index, file=file,
                                    rel_path=rel_path, locale=locale,
                                    anchors=item_anchors(text, ((it, 0) for it in items)))
    parsed = [it for it in items if it.tree is not None]
    diagnostics += semantic_capped(
        text, [(it.tree, 0) for it in parsed], [not it.issues for it in parsed], capped,
        max_diagnostics, index=index, file=file, rel_path=rel_path, locale=locale,
        modules=modules)
    diagnostics = finish_capped(diagnostics, capped, max_diagnostics, index=index, file=file,
                                rel_path=rel_path, locale=locale)
    return SourceAnalysis(file, rel_path, text, items, diagnostics, index)


def analyze_bytes(data: bytes, *, file: str, rel_path: str, locale: str = "en-US",
                  allow_top_level_expr: bool = False,
                  max_diagnostics: int = DEFAULT_MAX_DIAGNOSTICS,
                  modules: ModuleLookup | None = None) -> SourceAnalysis:
    text, decode_issues = decode(data)
    return analyze_text(text, file=file, rel_path=rel_path, locale=locale, extra=decode_issues,
                        allow_top_level_expr=allow_top_level_expr,
                        max_diagnostics=max_diagnostics, modules=modules)
