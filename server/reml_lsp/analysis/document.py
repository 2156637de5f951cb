"""An open document for the editor: incremental parse + diagnostics, shared logic with the CLI.

``diagnostics()`` returns the same ``Diagnostic`` objects (codes, ranges, audit_ids) that
``reml-run lint`` prints for the same text and workspace-relative path.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reml_lsp.analysis.analyze import build_diagnostics
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.expected import order
from reml_lsp.syntax.incremental import EditStats, ParsedDocument
from reml_lsp.syntax.parser import Item


class AnalyzedDocument:
    def __init__(self, text: str, *, file: str, rel_path: str) -> None:
        self.file = file
        self.rel_path = rel_path
        self.parsed = ParsedDocument(text)
        self._index: LineIndex | None = None
        self._diagnostics: dict[str, list[Diagnostic]] = {}
        self.last_edit: EditStats | None = None

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self.parsed.text)
        return self._index

    def _invalidate(self) -> None:
        self._index = None
        self._diagnostics.clear()

    def apply_change(self, start: int, end: int, new_text: str) -> EditStats:
        """Replace ``text[start:end]`` (code-point offsets); reparses incrementally."""
        self.last_edit = self.parsed.edit(start, end, new_text)
        self._invalidate()
        return self.last_edit

    def replace(self, text: str) -> None:
        self.parsed = ParsedDocument(text)
        self._invalidate()

    @property
    def stream_meta(self) -> dict[str, Any]:
        return self.parsed.meta.as_json()

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        cached = self._diagnostics.get(locale)
        if cached is None:
            cached = build_diagnostics(
                self.parsed.issues(), text=self.text, index=self.index, file=self.file,
                rel_path=self.rel_path, locale=locale, stream_meta=self.stream_meta)
            self._diagnostics[locale] = cached
        return cached

    def expected_terminals(self, offset: int) -> list[str]:
        """Terminal names the parser accepts at ``offset`` (``ContinuationMeta.expected_tokens``),
        in the reference's order (keywords, tokens, classes, rules)."""
        return list(order(self.parsed.expected_at(offset)))

    def entries(self) -> Iterator[tuple[Item, int, int]]:
        """(item, dpos, dline): positions in ``item.tree`` plus dpos/dline are current ones."""
        return self.parsed.entries()
