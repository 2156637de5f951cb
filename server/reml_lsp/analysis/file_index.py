"""The compact, per-file workspace index entry: what cross-file features need and nothing of
the tree — the module path, the imports, the symbols (top level and one level in) with their
ranges and signatures, and the set of identifiers the file mentions.

An entry is plain data (JSON round trip for the persistent cache, pickled from worker
processes); ``index_bytes`` is what a worker runs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NamedTuple

import attrs
from lark import Token, Tree

from reml_lsp.analysis.decl_names import OPEN_IMPORT, use_globs, use_imports
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.symbols import Record, symbol_records
from reml_lsp.analysis.tree import NAME_TYPES, Entry, decl_of, module_path, span

FORMAT = 2  # bump when the shape below changes (old cache rows then read as misses)


class ImportRef(NamedTuple):
    name: str  # the local name (alias or last segment); OPEN_IMPORT for a glob (``a.b.*``)
    path: str  # the module path as written (``self.x``, ``super.y`` are resolved by the index);
    # of a glob, the module it names
    start: int
    end: int


class IndexedSymbol(NamedTuple):  # a tuple: thousands are rebuilt from the cache at start-up
    name: str
    kind: str  # as in analysis.symbols (function, type, variant, trait, method …)
    container: str  # "" at top level, else the enclosing symbol's name
    start: int  # whole declaration, code points
    end: int
    sel_start: int  # the name
    sel_end: int
    line: int  # 0-based line of the name
    cols: tuple[int, int, int, int, int, int]  # name start/end column in utf-32, utf-16, utf-8
    detail: str = ""
    pub: bool = False

    def columns(self, encoding: str) -> tuple[int, int]:
        i = {"utf-32": 0, "utf-16": 2, "utf-8": 4}.get(encoding, 2)
        return self.cols[i], self.cols[i + 1]


@attrs.frozen
class FileIndex:
    rel_path: str
    module: str
    imports: tuple[ImportRef, ...]
    symbols: tuple[IndexedSymbol, ...]
    names: frozenset[str]  # every identifier written in the file

    def top_level(self) -> list[IndexedSymbol]:
        return [s for s in self.symbols if not s.container]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled (from an index worker) as plain tuples, half the cost of the named tuples
        and the attrs instance; the receiver interns the names (shared across files)."""
        return _from_plain, (self.rel_path, self.module, tuple(map(tuple, self.imports)),
                             tuple(map(tuple, self.symbols)), tuple(self.names))

    def to_json(self) -> dict[str, Any]:
        return {"v": FORMAT, "rel": self.rel_path, "module": self.module,
                "imports": [[i.name, i.path, i.start, i.end] for i in self.imports],
                "symbols": [[s.name, s.kind, s.container, s.start, s.end, s.sel_start, s.sel_end,
                             s.line, list(s.cols), s.detail, s.pub] for s in self.symbols],
                "names": sorted(self.names)}

    @staticmethod
    def from_json(body: Any) -> FileIndex | None:
        """None for anything not written by this format (a stale or damaged cache row)."""
        try:
            if body.get("v") != FORMAT:
                return None
            imports = tuple(ImportRef(str(n), str(p), int(s), int(e))
                            for n, p, s, e in body["imports"])
            intern, make = sys.intern, IndexedSymbol._make  # _make: tuple.__new__, no Python
            symbols = tuple(make((intern(n), intern(k), c, s, e, ss, se, line, (*cols,), d,
                                  pub))
                            for n, k, c, s, e, ss, se, line, cols, d, pub in body["symbols"])
            if not all(len(s.cols) == 6 and type(s.sel_start) is int for s in symbols):
                return None
            names = frozenset(intern(n) for n in body["names"])
            if not all(type(n) is str for n in names):
                return None
            return FileIndex(str(body["rel"]), str(body["module"]), imports, symbols, names)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None


def _from_plain(rel_path: str, module: str, imports: tuple[tuple[Any, ...], ...],
                symbols: tuple[tuple[Any, ...], ...], names: tuple[str, ...]) -> FileIndex:
    intern = sys.intern
    return FileIndex(rel_path, module, tuple(ImportRef._make(i) for i in imports),
                     tuple(IndexedSymbol._make(s) for s in symbols), frozenset(map(intern, names)))


def build_file_index(text: str, entries: Sequence[Entry], rel_path: str,
                     index: LineIndex | None = None, module: str | None = None) -> FileIndex:
    lines = index or LineIndex(text)
    imports: list[ImportRef] = []
    symbols: list[IndexedSymbol] = []
    ascii_text = text.isascii()
    for tree, dpos in entries:
        decl, is_pub = decl_of(tree)
        if decl is not None:
            if decl.data == "use_decl":  # imports only: no body walk, no symbol
                for name, tok, path in use_imports(decl):
                    imports.append(ImportRef(name, path, tok.start_pos + dpos,
                                             tok.end_pos + dpos))
                for path, star in use_globs(decl):  # `use a.b.*`: the module a.b, as a whole
                    imports.append(ImportRef(OPEN_IMPORT, path, star.start_pos + dpos,
                                             star.end_pos + dpos))
            else:  # the outline's symbols, one level of children (no Symbol objects)
                for rec in symbol_records(text, decl, dpos, span(tree, dpos), levels=1):
                    symbols.append(_indexed(rec, "", is_pub, lines, ascii_text))
                    for child in rec[7]:
                        symbols.append(_indexed(child, rec[0], False, lines, ascii_text))
    if module is None:
        module = module_path(text, entries, rel_path)
    # Interned once here (not per token): names are shared across the files of the index.
    names = _collect_names([tree for tree, _ in entries])
    return FileIndex(rel_path, module, tuple(imports), tuple(symbols),
                     frozenset(map(sys.intern, names)))


def _collect_names(trees: list[Tree]) -> set[str]:
    """Every identifier token under ``trees``. A plain stack walk, one node per turn (lark's
    ``scan_values`` is a recursive generator per node; a loop over each node's children was
    a third slower): this walk is most of an entry's cost."""
    names: set[str] = set()
    add = names.add
    stack = list(trees)
    pop, extend = stack.pop, stack.extend
    tree_t, token_t, name_types = Tree, Token, NAME_TYPES
    while stack:
        node = pop()
        if type(node) is token_t:
            if node.type in name_types:
                add(node.value)
        elif isinstance(node, tree_t):
            extend(node.children)
        elif isinstance(node, token_t) and node.type in name_types:  # a Token subclass
            add(node.value)
    return names


def _indexed(rec: Record, container: str, pub: bool, lines: LineIndex, ascii_text: bool
             ) -> IndexedSymbol:
    name, kind, start, end, sel_start, sel_end, detail, _ = rec
    line = lines.line_of(sel_start)
    if ascii_text:  # the common case: one column for every encoding
        base = lines.starts[line]
        a, b = sel_start - base, sel_end - base
        cols = (a, b, a, b, a, b)
    else:
        c = [lines.to_lsp(off, enc)[1] for enc in ("utf-32", "utf-16", "utf-8")
             for off in (sel_start, sel_end)]
        cols = (c[0], c[1], c[2], c[3], c[4], c[5])
    return IndexedSymbol(name, kind, container, start, end, sel_start, sel_end, line, cols,
                         detail, pub)


def index_bytes(data: bytes, rel_path: str) -> FileIndex:
    """Decode, parse and index one file (what a worker process runs); the tree is dropped."""
    from reml_lsp.analysis.source import decode
    from reml_lsp.syntax.parser import parse_items

    text, _ = decode(data)
    items = parse_items(text, findings=False)  # an entry keeps no findings
    return build_file_index(text, [(i.tree, 0) for i in items if i.tree is not None], rel_path)
