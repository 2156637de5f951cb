"""An open document for the editor: incremental parse + diagnostics, shared logic with the CLI.

``diagnostics()`` returns the same ``Diagnostic`` objects (codes, ranges, audit_ids) that
``reml-run lint`` prints for the same text and workspace-relative path.

An edit costs what it touches: the parse is incremental (``ParsedDocument.edit``), the line
index is spliced (``LineIndex.edit``), and the findings of the items the edit did not reparse
are reused as long as the item did not move (``_issues``). A full parse (open, replace) runs
with the cyclic GC paused (``gc_paused``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reml_lsp.analysis.analyze import (
    build_diagnostics,
    finish_capped,
    item_anchors,
    semantic_capped,
)
from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS, first_issues
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.audit_id import Anchor
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.expected import order
from reml_lsp.syntax.gcpause import gc_paused
from reml_lsp.syntax.incremental import EditStats, ParsedDocument
from reml_lsp.syntax.issues import SyntaxIssue, dropped_count
from reml_lsp.syntax.parser import Item


class AnalyzedDocument:
    def __init__(self, text: str, *, file: str, rel_path: str) -> None:
        self.file = file
        self.rel_path = rel_path
        with gc_paused():
            self.parsed = ParsedDocument(text)
        self._index: LineIndex | None = None
        self._diagnostics: dict[str, list[Diagnostic]] = {}
        # id(item) -> (item, dpos, its findings shifted by dpos): reused while both match
        self._issue_cache: dict[int, tuple[Item, int, list[SyntaxIssue]]] = {}
        # id(item) -> (item, anchor digest) of the items with findings (audit_id anchors)
        self._anchor_cache: dict[int, tuple[Item, str]] = {}
        self.last_edit: EditStats | None = None
        self.max_diagnostics = DEFAULT_MAX_DIAGNOSTICS  # per-file cap (0: none)

    def set_max_diagnostics(self, limit: int) -> None:
        if limit != self.max_diagnostics:
            self.max_diagnostics = limit
            self._diagnostics.clear()

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.parsed.text)
        return self._index

    def apply_change(self, start: int, end: int, new_text: str) -> EditStats:
        """Replace ``text[start:end]`` (code-point offsets); reparses incrementally."""
        self.last_edit = self.parsed.edit(start, end, new_text)
        if self._index is not None:
            # Same clamping as ParsedDocument.edit (both see the same old text).
            self._index.edit(start, end, new_text, self.parsed.text)
        self._diagnostics.clear()
        return self.last_edit

    def replace(self, text: str) -> None:
        with gc_paused():
            self.parsed = ParsedDocument(text)
        self._index = None
        self._diagnostics.clear()
        self._issue_cache.clear()
        self._anchor_cache.clear()

    @property
    def stream_meta(self) -> dict[str, Any]:
        return self.parsed.meta.as_json()

    def _issues(self) -> list[SyntaxIssue]:
        """``ParsedDocument.issues()`` (same findings, same order), shifting only the findings
        of items that are new or moved since the last call."""
        parsed = self.parsed
        cache = self._issue_cache
        fresh: dict[int, tuple[Item, int, list[SyntaxIssue]]] = {}
        out: list[SyntaxIssue] = []
        items = parsed.items
        for i in [i for i, item in enumerate(items) if item.issues]:
            item = items[i]
            dpos = parsed.shift(i)[0]
            hit = cache.get(id(item))
            if hit is not None and hit[0] is item and hit[1] == dpos:
                shifted = hit[2]
            else:
                shifted = [issue.shifted(dpos) for issue in item.issues]
            fresh[id(item)] = (item, dpos, shifted)
            out.extend(shifted)
        self._issue_cache = fresh
        return out

    def _anchors(self, entries: list[tuple[Item, int, int]]) -> list[Anchor]:
        """``item_anchors`` of the current items (``entries()`` as a list); digests of
        unchanged items are reused (the cache keeps only the items that still exist)."""
        with_issues = [(item, dpos) for item, dpos, _ in entries if item.issues]
        old = self._anchor_cache
        anchors = item_anchors(self.text, with_issues, old)
        self._anchor_cache = {id(item): old[id(item)] for item, _ in with_issues
                              if id(item) in old and old[id(item)][0] is item}
        return anchors

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        cached = self._diagnostics.get(locale)
        if cached is None:
            limit = self.max_diagnostics
            # (only a full list drops: an item without findings counted none)
            dropped = sum(dropped_count(item.issues) for item in self.parsed.items if item.issues)
            capped = first_issues(self._issues(), limit, dropped)
            entries = list(self.entries())  # one walk of the items per call
            cached = build_diagnostics(
                capped.issues, text=self.text, index=self.index, file=self.file,
                rel_path=self.rel_path, locale=locale, stream_meta=self.stream_meta,
                anchors=self._anchors(entries))
            parsed = [(item.tree, dpos, not item.issues) for item, dpos, _ in entries
                      if item.tree is not None]
            cached += semantic_capped(
                self.text, [(tree, dpos) for tree, dpos, _ in parsed],
                [ok for _, _, ok in parsed], capped, limit, index=self.index,
                file=self.file, rel_path=self.rel_path, locale=locale,
                stream_meta=self.stream_meta)
            cached = finish_capped(cached, capped, limit, index=self.index, file=self.file,
                                   rel_path=self.rel_path, locale=locale,
                                   stream_meta=self.stream_meta)
            self._diagnostics[locale] = cached
        return cached

    def expected_terminals(self, offset: int) -> list[str]:
        """Terminal names the parser accepts at ``offset`` (``ContinuationMeta.expected_tokens``),
        in the reference's order (keywords, tokens, classes, rules)."""
        return list(order(self.parsed.expected_at(offset)))

    def entries(self) -> Iterator[tuple[Item, int, int]]:
        """(item, dpos, dline): positions in ``item.tree`` plus dpos/dline are current ones."""
        return self.parsed.entries()
