"""What the server keeps per open document: our own text and index (through the document
model), the LSP version, derived data cached per version, and the pending analysis task."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.analysis.modules import ModuleInfo, make_module
from reml_lsp.analysis.semantic import SemanticCache
from reml_lsp.analysis.tree import Entry
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.lsp.source_document import SourceDocument


@attrs.define(eq=False)
class OpenDoc:
    uri: str
    path: Path | None
    rel_path: str
    file: str
    version: int
    doc: SourceDocument
    task: asyncio.Task | None = None
    pending_since: float | None = None
    edits: int = 0  # bumps on every change (also without a version)
    saves: int = 0
    # audit bookkeeping (lsp.sync): audit_id -> (code, span) of the findings shown now and of
    # those last written to the audit store; both as large as one publish, never growing
    published: dict[str, tuple[str, list[int]]] = attrs.Factory(dict)
    recorded: dict[str, tuple[str, list[int]]] = attrs.Factory(dict)
    audit_timer: asyncio.TimerHandle | None = None
    _cache: dict[str, tuple[int, Any]] = attrs.Factory(dict)
    # per-item semantic tokens, kept across versions (entries of dropped items are pruned)
    semantic: SemanticCache = attrs.Factory(SemanticCache)

    def cached(self, key: str, compute):
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.edits:
            return hit[1]
        value = compute()
        self._cache[key] = (self.edits, value)
        return value

    def entries(self) -> list[Entry]:
        def compute() -> list[Entry]:
            return [(item.tree, dpos) for item, dpos, _ in self.doc.entries()
                    if item.tree is not None]
        return self.cached("entries", compute)

    def module(self) -> ModuleInfo:
        return self.cached("module", lambda: make_module(self.uri, self.rel_path, self.doc.text,
                                                         self.entries()))

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        return self.cached("diagnostics:" + locale, lambda: self.doc.diagnostics(locale))

    def changed(self) -> None:
        self.edits += 1
