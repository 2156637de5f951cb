"""The analysis host (rust-analyzer's ``AnalysisHost``): one object that owns the open
documents (text, version, incremental analysis) and the workspace index (compact entries for
every file, full modules for the open documents), and answers plain-data queries for the server
and the CLI. Callers convert positions and types only.

Offsets are code points; keys are whatever the caller uses to name a file (the server: URIs).
Results are computed for a document's current revision and cached per revision (an edit makes
every older result unreachable). A query on a key that is not open answers empty (``None``/[]).
Queries that look across files (definition, references, and hover/completion when they need
other modules) first pin the open documents' current versions in the index; the keystroke path
(``apply_change`` then ``diagnostics``) never touches the index.

Diagnostics judge the members other workspace modules must declare through ``modules`` (an
``IndexModules`` over the index; ``module_members``). Whoever changes the index goes through
the host, which bumps ``modules.generation`` and calls ``on_index_change``; the server then
calls ``refresh_modules`` (off the keystroke path), which pins the open documents other open
documents import and names the documents whose imports now resolve differently.
"""

from __future__ import annotations

from collections.abc import Callable

from reml_lsp.analysis.actions import Fix, fixes_for
from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.completion import Completion, CompletionContext, complete, completion_context
from reml_lsp.analysis.file_index import FileIndex, IndexedSymbol
from reml_lsp.analysis.folding import Fold, folding_ranges
from reml_lsp.analysis.host_document import HostDocument, new_source
from reml_lsp.analysis.hover import HoverInfo, hover_at, needs_workspace
from reml_lsp.analysis.module_exports import document_names
from reml_lsp.analysis.modules import IndexModules, ModuleInfo, WorkspaceIndex, make_module
from reml_lsp.analysis.navigation import Target, definition, highlights, references
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.semantic import semantic_tokens
from reml_lsp.analysis.source import decode
from reml_lsp.analysis.symbols import Symbol, document_symbols
from reml_lsp.analysis.tree import entries_of, module_path
from reml_lsp.analysis.workspace_symbols import LIMIT, search
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.parser import parse_items

Token = tuple[int, int, int, int]  # start, end (code points), type index, modifier bits


def module_from_bytes(key: str, rel_path: str, data: bytes) -> ModuleInfo:
    """A closed file's full module, for a query that needs its tree (the caller reads the
    file and decides how long to keep the result)."""
    text, _ = decode(data)
    return make_module(key, rel_path, text, entries_of(parse_items(text)))


class AnalysisHost:
    def __init__(self, loader: Callable[[str], ModuleInfo | None] | None = None,
                 index: WorkspaceIndex | None = None) -> None:
        self.index = index if index is not None else WorkspaceIndex()
        if loader is not None:
            self.index.loader = loader
        self.docs: dict[str, HostDocument] = {}
        self.modules = IndexModules(self.index)
        self.on_index_change: Callable[[], None] | None = None  # after any index change
        self._pinned_at: dict[str, int] = {}  # key → revision ``refresh_modules`` checked
        self._pinned_names: dict[str, frozenset[str]] = {}  # key → its names when pinned

    def _index_changed(self) -> None:
        self.modules.generation += 1
        if self.on_index_change is not None:
            self.on_index_change()

    # -- open documents --------------------------------------------------------------------
    def open_document(self, key: str, text: str, version: int, *, file: str,
                      rel_path: str) -> HostDocument:
        """Open (or reopen) ``key`` with ``text``; ``rel_path`` enters the audit_ids."""
        doc = HostDocument(key, file, rel_path, version,
                           new_source(text, file=file, rel_path=rel_path))
        if hasattr(doc.source, "modules"):
            doc.source.modules = self.modules
        self.docs[key] = doc
        return doc

    def document(self, key: str) -> HostDocument | None:
        return self.docs.get(key)

    def apply_change(self, key: str, start: int, end: int, text: str) -> bool:
        """Replace ``[start, end)`` of the document (incremental reparse); False: not open."""
        doc = self.docs.get(key)
        if doc is None:
            return False
        doc.apply_change(start, end, text)
        return True

    def replace(self, key: str, text: str) -> bool:
        doc = self.docs.get(key)
        if doc is None:
            return False
        if text != doc.text:
            doc.replace(text)
        return True

    def set_version(self, key: str, version: int) -> None:
        doc = self.docs.get(key)
        if doc is not None:
            doc.version = version

    def set_max_diagnostics(self, key: str, limit: int) -> bool:
        """The per-file diagnostics cap (0: none); True when it changed the document's results
        (config documents have no cap)."""
        doc = self.docs.get(key)
        set_cap = getattr(doc.source, "set_max_diagnostics", None) if doc else None
        if doc is None or set_cap is None or doc.source.max_diagnostics == limit:
            return False
        set_cap(limit)
        doc.changed()
        return True

    def close_document(self, key: str, disk: bytes | None = None) -> bool:
        """Forget the document. When the file on disk (``disk``: its bytes, None if unreadable)
        holds the document's text, the index keeps the entry of that text, which is what the
        indexer would read (importers keep their answers, references and symbols their
        locations); otherwise the entry is dropped and False says the file must be read again."""
        doc = self.docs.pop(key, None)
        self._pinned_at.pop(key, None)
        self._pinned_names.pop(key, None)
        kept = (doc is not None and disk is not None and key in self.index.files
                and decode(disk)[0] == doc.text)  # (config documents are not indexed)
        if kept:
            self.index.put_file(key, doc.module().file_index())
            self.index.unpin(key)
        else:
            self.index.drop(key)
        self._index_changed()
        return kept

    # -- index changes ---------------------------------------------------------------------
    def open(self, info: ModuleInfo) -> None:
        """Pin a full module in the index (an open document's current version)."""
        self.index.put(info)
        self._index_changed()

    def close(self, key: str) -> None:
        self.index.drop(key)
        self._index_changed()

    def set_file(self, key: str, entry: FileIndex) -> None:
        """A closed file's compact entry (from a worker or the cache); open documents win."""
        if key not in self.index.pinned:
            self.index.put_file(key, entry)
            self._index_changed()

    def remove_file(self, key: str) -> None:
        if key not in self.index.pinned:
            self.index.drop(key)
            self._index_changed()

    def pin_open_documents(self) -> WorkspaceIndex:
        """The index with every open document as it is now (cached per revision)."""
        changed = False
        for doc in self.docs.values():
            info = doc.module()
            if self.index.pinned.get(doc.key) is not info:
                self.index.put(info)
                self._pinned_at[doc.key] = doc.edits
                changed = True
        if changed:
            self._index_changed()
        return self.index

    def refresh_modules(self) -> list[str]:
        """Bring the index up to the open documents that other open documents import (their
        current text), then return the keys of the open documents whose imports now resolve
        differently (their revision is bumped: republish them). Costs nothing when no open
        document imports a workspace module."""
        wanted: set[str] = set()
        for doc in self.docs.values():
            deps = getattr(doc.source, "module_deps", None)
            if deps is not None:
                wanted.update(deps())
        if wanted:
            pinned = False
            for doc in self.docs.values():
                if self._pinned_at.get(doc.key) == doc.edits or not hasattr(
                        doc.source, "module_deps"):
                    continue
                path = doc.cached("module-path", lambda d=doc: module_path(
                    d.text, d.entries()[:3], d.rel_path))
                if path not in wanted:
                    continue
                self._pinned_at[doc.key] = doc.edits
                # Rebuilding the entry walks the whole document (~50 ms at 10k lines): only
                # when what it declares changed (per item, memoised), not for a body edit.
                names = document_names(doc.text, doc.entries())
                if names != self._pinned_names.get(doc.key) or doc.key not in self.index.files:
                    self.index.put(doc.module())
                    self._pinned_names[doc.key] = names
                    pinned = True
            if pinned:
                self._index_changed()
        return [doc.key for doc in self.docs.values() if self._check_modules(doc)]

    def check_modules(self, key: str) -> bool:
        """Whether the document's imports now resolve differently (its revision is then
        bumped and its diagnostics recomputed on the next query)."""
        doc = self.docs.get(key)
        return doc is not None and self._check_modules(doc)

    @staticmethod
    def _check_modules(doc: HostDocument) -> bool:
        check = getattr(doc.source, "check_modules", None)
        if check is not None and check():
            doc.imports_changed += 1
            doc.changed()
            return True
        return False

    # -- per-document queries --------------------------------------------------------------
    def line_index(self, key: str) -> LineIndex | None:
        """Code points ↔ lines of ``key``: the open document's, else the file's as loaded."""
        doc = self.docs.get(key)
        if doc is not None:
            return doc.index
        info = self.index.module(key)
        return LineIndex(info.text) if info is not None else None

    def text(self, key: str) -> str | None:
        doc = self.docs.get(key)
        return doc.text if doc is not None else None

    def diagnostics(self, key: str, locale: str) -> list[Diagnostic]:
        """Syntax then semantic findings, localised and capped (the ones ``lint`` prints)."""
        doc = self.docs.get(key)
        if doc is None:
            return []
        self._check_modules(doc)
        return doc.diagnostics(locale)

    def fixes(self, key: str, locale: str, start: int, end: int) -> list[Fix]:
        """Quick fixes of the findings touching ``[start, end]``."""
        doc = self.docs.get(key)
        if doc is None:
            return []
        return fixes_for(doc.diagnostics(locale), doc.index, start, end)

    def document_symbols(self, key: str) -> list[Symbol]:
        doc = self.docs.get(key)
        if doc is None:
            return []
        return doc.cached("symbols", lambda: document_symbols(doc.text, doc.entries()))

    def folding(self, key: str) -> list[Fold]:
        doc = self.docs.get(key)
        if doc is None:
            return []
        return doc.cached("folding", lambda: folding_ranges(doc.text, doc.entries(), doc.index))

    def semantic_tokens(self, key: str, start: int | None = None, end: int | None = None
                        ) -> list[Token]:
        """Tokens of the whole document, or those overlapping ``[start, end)``."""
        doc = self.docs.get(key)
        if doc is None:
            return []
        cur = doc.module()
        if start is None and end is None:
            return doc.cached("semantic", lambda: semantic_tokens(
                doc.text, cur.entries, cur.scopes, cache=doc.semantic))
        lo = 0 if start is None else start
        hi = len(doc.text) if end is None else end
        return [t for t in semantic_tokens(doc.text, cur.entries, cur.scopes, lo, hi,
                                           cache=doc.semantic) if t[1] > lo and t[0] < hi]

    def highlights(self, key: str, offset: int) -> list[tuple[int, int, bool]]:
        """(start, end, is_write) of every occurrence of the name at ``offset`` in the file."""
        doc = self.docs.get(key)
        return highlights(doc.module(), offset) if doc is not None else []

    # -- queries that may look across files ------------------------------------------------
    def hover_needs_index(self, key: str, offset: int) -> bool:
        """Whether the name at ``offset`` may be declared in another module (the server then
        waits a moment for the workspace index)."""
        doc = self.docs.get(key)
        return doc is not None and needs_workspace(doc.module(), offset)

    def hover(self, key: str, offset: int) -> HoverInfo | None:
        doc = self.docs.get(key)
        if doc is None:
            return None
        cur = doc.module()
        ws = self.pin_open_documents() if needs_workspace(cur, offset) else self.index
        return hover_at(ws, cur, doc.index, offset)

    def completion_context(self, key: str, offset: int) -> CompletionContext | None:
        """What the caret asks for, classified once (``context.needs_workspace``: the server
        waits a moment for the index); pass it back to :meth:`completion`."""
        doc = self.docs.get(key)
        return completion_context(doc.text, offset) if doc is not None else None

    def completion(self, key: str, offset: int, *, snippets: bool = False,
                   context: CompletionContext | None = None) -> Completion | None:
        doc = self.docs.get(key)
        if doc is None:
            return None
        text = doc.text
        ctx = context if context is not None else completion_context(text, offset)
        ws = self.pin_open_documents() if ctx.needs_workspace else self.index
        expected = completion_terminals(doc.source.expected_terminals(ctx.start))
        return complete(text, offset, expected, doc.module(), ws, snippets=snippets,
                        context=ctx)

    def module(self, key: str) -> ModuleInfo | None:
        doc = self.docs.get(key)
        return doc.module() if doc is not None else self.index.module(key)

    def definition(self, key: str, offset: int) -> list[Target]:
        cur = self.module(key)
        return definition(self.pin_open_documents(), cur, offset) if cur is not None else []

    def references(self, key: str, offset: int, include_declaration: bool = True
                   ) -> list[Target]:
        cur = self.module(key)
        if cur is None:
            return []
        return references(self.pin_open_documents(), cur, offset, include_declaration)

    # -- workspace queries -----------------------------------------------------------------
    def workspace_symbols(self, query: str, limit: int = LIMIT
                          ) -> list[tuple[str, IndexedSymbol]]:
        return search(self.pin_open_documents().entries(), query, limit)

    def module_of(self, key: str) -> str:
        """The module path of ``key`` ("" when the index does not know it)."""
        entry = self.index.files.get(key)
        return entry.module if entry is not None else ""

    def exports_of(self, module_path: str) -> list[IndexedSymbol]:
        """Top-level names declared by a workspace module (``pub`` marks exported ones)."""
        return self.index.exports_of(module_path)

    def module_paths(self) -> list[str]:
        return self.index.module_paths()
