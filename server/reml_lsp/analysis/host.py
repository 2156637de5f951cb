"""The analysis host (rust-analyzer's ``AnalysisHost``): one object that owns the workspace
index — compact entries for every file, full modules for the open documents — and answers
plain-data queries for the server and the CLI. Callers convert positions and types only.

Offsets are code points; keys are whatever the caller uses to name a file (the server: URIs).
"""

from __future__ import annotations

from collections.abc import Callable

from reml_lsp.analysis.file_index import FileIndex, IndexedSymbol
from reml_lsp.analysis.modules import ModuleInfo, WorkspaceIndex
from reml_lsp.analysis.navigation import Target, definition, references
from reml_lsp.analysis.workspace_symbols import LIMIT, search


class AnalysisHost:
    def __init__(self, loader: Callable[[str], ModuleInfo | None] | None = None,
                 index: WorkspaceIndex | None = None) -> None:
        self.index = index if index is not None else WorkspaceIndex()
        if loader is not None:
            self.index.loader = loader

    # -- changes ---------------------------------------------------------------------------
    def open(self, info: ModuleInfo) -> None:
        """An open document's current version (kept in memory with its tree)."""
        self.index.put(info)

    def close(self, key: str) -> None:
        self.index.drop(key)

    def set_file(self, key: str, entry: FileIndex) -> None:
        """A closed file's compact entry (from a worker or the cache); open documents win."""
        if key not in self.index.pinned:
            self.index.put_file(key, entry)

    def remove_file(self, key: str) -> None:
        if key not in self.index.pinned:
            self.index.drop(key)

    # -- queries ---------------------------------------------------------------------------
    def module(self, key: str) -> ModuleInfo | None:
        return self.index.module(key)

    def definition(self, key: str, offset: int) -> list[Target]:
        cur = self.index.module(key)
        return definition(self.index, cur, offset) if cur is not None else []

    def references(self, key: str, offset: int, include_declaration: bool = True
                   ) -> list[Target]:
        cur = self.index.module(key)
        if cur is None:
            return []
        return references(self.index, cur, offset, include_declaration)

    def workspace_symbols(self, query: str, limit: int = LIMIT
                          ) -> list[tuple[str, IndexedSymbol]]:
        return search(self.index.entries(), query, limit)

    def exports_of(self, module_path: str) -> list[IndexedSymbol]:
        """Top-level names declared by a workspace module (``pub`` marks exported ones)."""
        return self.index.exports_of(module_path)

    def module_paths(self) -> list[str]:
        return self.index.module_paths()
