"""An open document for the editor: incremental parse + diagnostics, shared logic with the CLI.

``diagnostics()`` returns the same ``Diagnostic`` objects (codes, ranges, audit_ids) that
``reml-run lint`` prints for the same text and workspace-relative path.

An edit costs what it touches: the parse is incremental (``ParsedDocument.edit``), the line
index is spliced (``LineIndex.edit``), and the findings of the items the edit did not reparse
are reused as long as the item did not move (``_issues``). A full parse (open, replace) runs
with the cyclic GC paused (``gc_paused``).

Between two ``diagnostics`` calls the document notes which run of items the edits replaced
(``EditStats``: the first reparsed item, the items reused after it); the call splices only those
into its lists (the items with syntax findings, ``semantic_checks.DocumentFacts``), so on a file
of many items a keystroke costs O(items replaced + items with findings), not O(items).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from reml_lsp.analysis.analyze import (
    build_diagnostics,
    finish_capped,
    item_anchors,
    semantic_capped,
)
from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS, first_issues
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.resolve import NO_MODULES, ModuleLookup
from reml_lsp.analysis.semantic_checks import DocumentFacts, spliced
from reml_lsp.analysis.tree import Entry
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
        # what the workspace's modules declare (the host sets its index's lookup)
        self.modules: ModuleLookup = NO_MODULES
        self._reset()

    def _reset(self) -> None:
        """Forget what the last ``diagnostics`` call saw (every item is new to the next)."""
        self._facts = DocumentFacts()
        self._clean: list[bool] = []  # per item with a tree: it parsed without findings
        self._with_issues: list[int] = []  # sorted indices of the items with findings
        self._seen = (0, 0)  # (items, items with a tree) the lists describe
        self._lo = 0  # items [_lo, len - _tail) were replaced since then
        self._tail = 0

    def module_deps(self) -> frozenset[str]:
        """The module paths the last ``diagnostics`` asked ``modules`` about."""
        return self._facts.members.paths

    def check_modules(self) -> bool:
        """Whether ``modules`` now answers differently for this document's imports than when
        its diagnostics were made (they are then dropped); cheap while the lookup's
        ``generation`` has not moved."""
        if self._facts.members.stale(self.modules):
            self._diagnostics.clear()
            return True
        return False

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
        self.last_edit = stats = self.parsed.edit(start, end, new_text)
        self._lo = min(self._lo, stats.first_item)
        self._tail = min(self._tail, stats.reused)
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
        self._reset()

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
        for i in self._with_issues:
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

    def _anchors(self) -> list[Anchor]:
        """``item_anchors`` of the current items with findings; digests of unchanged items are
        reused (the cache keeps only the items that still exist)."""
        items, shift = self.parsed.items, self.parsed.shift
        with_issues = [(items[i], shift(i)[0]) for i in self._with_issues]
        old = self._anchor_cache
        anchors = item_anchors(self.text, with_issues, old)
        self._anchor_cache = {id(item): old[id(item)] for item, _ in with_issues
                              if id(item) in old and old[id(item)][0] is item}
        return anchors

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        cached = self._diagnostics.get(locale)
        if cached is None:
            limit = self.max_diagnostics
            entries = self._splice()
            items = self.parsed.items
            # (only a full list drops: an item without findings counted none)
            dropped = sum(dropped_count(items[i].issues) for i in self._with_issues)
            capped = first_issues(self._issues(), limit, dropped)
            cached = build_diagnostics(
                capped.issues, text=self.text, index=self.index, file=self.file,
                rel_path=self.rel_path, locale=locale, stream_meta=self.stream_meta,
                anchors=self._anchors())
            cached += semantic_capped(
                self.text, entries, self._clean, capped, limit, index=self.index,
                file=self.file, rel_path=self.rel_path, locale=locale,
                stream_meta=self.stream_meta, state=self._facts, modules=self.modules)
            cached = finish_capped(cached, capped, limit, index=self.index, file=self.file,
                                   rel_path=self.rel_path, locale=locale,
                                   stream_meta=self.stream_meta)
            self._diagnostics[locale] = cached
        return cached

    def _splice(self) -> _Entries:
        """Bring the per-item lists up to the current items (only the run the edits since the
        last call replaced is visited) and return the items with a tree as entries."""
        items = self.parsed.items
        n = len(items)
        ne = n - 1 if n and items[-1].tree is None else n  # only the last item can lack one
        m, me = self._seen
        tail = self._tail
        lo = min(self._lo, n - tail, m - tail)
        new = [i for i in range(lo, n - tail) if items[i].issues]
        self._with_issues = spliced(self._with_issues, lo, m - tail, n - m, new)
        # the same run among the items with a tree (a kept tail keeps the last item as it was)
        tail_e = max(0, tail - (n - ne))
        lo_e = min(lo, ne - tail_e, me - tail_e)
        entries = _Entries(self.parsed, ne)
        self._facts.splice(self.text, lo_e, me - tail_e,
                           [entries[i] for i in range(lo_e, ne - tail_e)])
        self._clean[lo_e:me - tail_e] = [not items[i].issues for i in range(lo_e, ne - tail_e)]
        self._seen = (n, ne)
        self._lo, self._tail = n, n  # nothing replaced since this call
        return entries

    def expected_terminals(self, offset: int) -> list[str]:
        """Terminal names the parser accepts at ``offset`` (``ContinuationMeta.expected_tokens``),
        in the reference's order (keywords, tokens, classes, rules)."""
        return list(order(self.parsed.expected_at(offset)))

    def entries(self) -> Iterator[tuple[Item, int, int]]:
        """(item, dpos, dline): positions in ``item.tree`` plus dpos/dline are current ones."""
        return self.parsed.entries()


class _Entries(Sequence[Entry]):
    """The first ``n`` items as (tree, dpos) entries, built on access: the semantic merge reads
    only the items it visits."""

    def __init__(self, parsed: ParsedDocument, n: int) -> None:
        self._items = parsed.items
        self._shift = parsed.shift
        self._n = n

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        i %= self._n
        return self._items[i].tree, self._shift(i)[0]
