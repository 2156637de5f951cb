"""The per-document model the server drives: text, line index, edits in code points, localised
diagnostics, expected terminals at a caret, and the parsed items.

``new_document`` is the one place that picks the implementation: the incremental
``reml_lsp.analysis.document.AnalyzedDocument`` when it is there, else ``FullReparseDocument``
(a full parse per text version, behind the same interface).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from reml_lsp.analysis.analyze import SourceAnalysis, analyze_text
from reml_lsp.analysis.caret import expected_at
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.model import Diagnostic


class SourceDocument(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def index(self) -> LineIndex: ...
    @property
    def stream_meta(self) -> dict[str, Any]: ...
    def apply_change(self, start: int, end: int, new_text: str) -> Any: ...
    def replace(self, text: str) -> None: ...
    def diagnostics(self, locale: str) -> list[Diagnostic]: ...
    def expected_terminals(self, offset: int) -> list[str]: ...
    def entries(self) -> Iterable[tuple[Any, int, int]]: ...


class FullReparseDocument:
    """Stopgap: parses the whole text again (once per text version and locale)."""

    def __init__(self, text: str, *, file: str, rel_path: str) -> None:
        self.file = file
        self.rel_path = rel_path
        self._text = text
        self._index: LineIndex | None = None
        self._analysis: SourceAnalysis | None = None
        self._edits = 0

    @property
    def text(self) -> str:
        return self._text

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self._text)
        return self._index

    @property
    def stream_meta(self) -> dict[str, Any]:
        return {"consumed_bytes": len(self._text.encode("utf-8", "surrogateescape")),
                "resume_count": 0, "lag_nanos": 0}

    def apply_change(self, start: int, end: int, new_text: str) -> dict[str, int]:
        self._text = self._text[:start] + new_text + self._text[end:]
        self._index = None
        self._analysis = None
        self._edits += 1
        return {"edits": self._edits}

    def replace(self, text: str) -> None:
        self._text = text
        self._index = None
        self._analysis = None

    def _analyse(self, locale: str = "en-US") -> SourceAnalysis:
        if self._analysis is None or (self._analysis.diagnostics and
                                      self._analysis.diagnostics[0].locale != locale):
            self._analysis = analyze_text(self._text, file=self.file, rel_path=self.rel_path,
                                          locale=locale)
            self._index = self._analysis.index
        return self._analysis

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        return list(self._analyse(locale).diagnostics)

    def expected_terminals(self, offset: int) -> list[str]:
        items = self._analysis.items if self._analysis is not None else self._analyse().items
        return expected_at(self._text, items, offset)

    def entries(self) -> Iterator[tuple[Any, int, int]]:
        items = self._analysis.items if self._analysis is not None else self._analyse().items
        for item in items:
            yield item, 0, 0


def new_document(text: str, *, file: str, rel_path: str) -> SourceDocument:
    try:
        from reml_lsp.analysis.document import AnalyzedDocument  # type: ignore[import-not-found]
    except ImportError:
        return FullReparseDocument(text, file=file, rel_path=rel_path)
    return AnalyzedDocument(text, file=file, rel_path=rel_path)
