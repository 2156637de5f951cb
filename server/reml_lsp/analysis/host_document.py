"""A document the analysis host owns: its text and version, the incremental analysis of it, and
what is derived from that analysis, cached per revision.

``new_source`` is the one place that picks the analysis: the incremental
``analysis.analyzed_document.AnalyzedDocument``, or ``ConfigDocument`` for ``reml.toml`` and the
config files the workspace's manifest associates with a schema (``config.associations``).
A revision (``edits``) bumps on every change, with or without a new version; whatever is cached
for an older revision is recomputed, never served.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import attrs

from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.config_document import ConfigDocument, wants_config_document
from reml_lsp.analysis.modules import ModuleInfo, make_module
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.semantic import SemanticCache
from reml_lsp.analysis.tree import Entry
from reml_lsp.config.lint import is_config_path
from reml_lsp.diagnostics.model import Diagnostic

T = TypeVar("T")


class SourceDocument(Protocol):
    """Text, line index, edits in code points, localised diagnostics, expected terminals at a
    caret, and the parsed items."""

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


def new_source(text: str, *, file: str, rel_path: str) -> SourceDocument:
    # A .toml/.json the client sends (the VS Code selector names reml.toml and the schema globs
    # of [config.schemas]) is never Reml source: without a schema it gets the syntax findings
    # `lint --domain config` gives it, not Reml parse errors.
    if wants_config_document(file) or is_config_path(Path(file)):
        return ConfigDocument(text, file=file, rel_path=rel_path)
    return AnalyzedDocument(text, file=file, rel_path=rel_path)


@attrs.define(eq=False)
class HostDocument:
    key: str  # the caller's name for it (the server: its URI)
    file: str
    rel_path: str  # workspace-relative: enters the audit_ids
    version: int
    source: SourceDocument
    edits: int = 0  # the revision: bumps on every change (also without a version)
    text_edits: int = 0  # bumps when the text changes (not when its imports answer anew)
    imports_changed: int = 0  # bumps when the modules it imports now answer differently
    _cache: dict[str, tuple[int, Any]] = attrs.Factory(dict)
    # per-item semantic tokens, kept across revisions (entries of dropped items are pruned)
    semantic: SemanticCache = attrs.Factory(SemanticCache)

    @property
    def text(self) -> str:
        return self.source.text

    @property
    def index(self) -> LineIndex:
        return self.source.index

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per revision."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.edits:
            return hit[1]
        value = compute()
        self._cache[key] = (self.edits, value)
        return value

    def changed(self) -> None:
        self.edits += 1

    def apply_change(self, start: int, end: int, new_text: str) -> None:
        self.source.apply_change(start, end, new_text)
        self.text_edits += 1
        self.changed()

    def replace(self, text: str) -> None:
        self.source.replace(text)
        self.text_edits += 1
        self.changed()

    def entries(self) -> list[Entry]:
        def compute() -> list[Entry]:
            return [(item.tree, dpos) for item, dpos, _ in self.source.entries()
                    if item.tree is not None]
        return self.cached("entries", compute)

    def module(self) -> ModuleInfo:
        return self.cached("module", lambda: make_module(self.key, self.rel_path, self.text,
                                                         self.entries()))

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        return self.cached("diagnostics:" + locale, lambda: self.source.diagnostics(locale))
