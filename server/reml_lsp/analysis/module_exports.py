"""What workspace modules declare, for the cross-module name check (``module_members``): one
definition, read from the compact index entries, that the editor (over the live
``WorkspaceIndex``) and `reml-run lint` (over a table built before its workers start) share, so
both judge a member the same way.

A module's names are every symbol its files' entries list (top level and one level in: types
with their variants, module blocks, trait and impl members) plus every name its ``use``
declarations bind (a ``pub use`` re-exports; the entry does not say which ``use`` is ``pub``,
so all count). Declarations under ``@cfg`` are in the entries whatever the target: a name some
configuration declares is never reported. Module paths of the standard library (``Core``) are
never judged: a workspace file cannot say what the library declares.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import ClassVar

import attrs
from lark import Tree

from reml_lsp.analysis.decl_names import OPEN_IMPORT, use_globs, use_imports
from reml_lsp.analysis.file_index import FileIndex
from reml_lsp.analysis.item_cache import ItemMemo
from reml_lsp.analysis.symbols import document_symbols
from reml_lsp.analysis.tree import Entry, decl_of

LIBRARY_ROOTS = frozenset({"Core", "::Core"})


def library_path(path: str) -> bool:
    """A path of the standard library (``Core``, ``Core.Parse``…): not the workspace's to say."""
    return path.split(".", 1)[0] in LIBRARY_ROOTS


def trait_mark(name: str) -> str:
    """The entry among a module's names saying ``name`` is a trait it declares (a space: no
    identifier, and ``closest`` never suggests it): an import of a trait may be used only
    through its methods (spec 1-2 §E), which no name in the file shows."""
    return "trait " + name


def entry_names(entries: Iterable[FileIndex]) -> frozenset[str]:
    """The names the files of one module declare or bind (see the module docstring), and a
    ``trait_mark`` for each top-level trait."""
    out: set[str] = set()
    for e in entries:
        out.update(s.name for s in e.symbols)
        out.update(trait_mark(s.name) for s in e.symbols if s.kind == "trait" and not s.container)
        out.update(i.name for i in e.imports)
    return frozenset(out)


_NAMES = ItemMemo()


def document_names(text: str, entries: Sequence[Entry]) -> frozenset[str]:
    """``entry_names`` of the entry ``build_file_index`` would make of these items, without
    making it: per item (memoised on its tree) the names of its symbols, one level in, and of
    its ``use``s. An open document's edit asks this to tell whether its index entry must be
    rebuilt for the modules importing it."""
    out: set[str] = set()
    for tree, dpos in entries:
        out.update(_NAMES.get(tree, None, lambda t=tree, d=dpos: _item_names(text, t, d)))
    return frozenset(out)


def _item_names(text: str, tree: Tree, dpos: int) -> frozenset[str]:
    names: set[str] = set()
    decl, _ = decl_of(tree)
    if decl is not None and decl.data == "use_decl":
        names.update(name for name, _, _ in use_imports(decl))
        if use_globs(decl):
            names.add(OPEN_IMPORT)
    for sym in document_symbols(text, [(tree, dpos)]):
        names.add(sym.name)
        if sym.kind == "trait":
            names.add(trait_mark(sym.name))
        names.update(child.name for child in sym.children)
    return frozenset(names)


def known(names: frozenset[str] | None) -> frozenset[str] | None:
    """A module's names, or None when a glob import may bring it any other (it re-exports)."""
    return None if names is None or OPEN_IMPORT in names else names


def roots(paths: Iterable[str]) -> frozenset[str]:
    """The first segment of each module path: a file may name any module from its root
    (``app.lib.width()`` without a ``use``), so a table's ``modules`` hold every root, and a
    file's ``subset`` the roots it names."""
    return frozenset(p.split(".", 1)[0] for p in paths)


def prefixes(paths: Iterable[str]) -> frozenset[str]:
    """Every module path and each of its leading parts (``a.b.c`` → a, a.b, a.b.c): a member
    that names one of them names a (parent of a) module, never a missing declaration."""
    out: set[str] = set()
    for p in paths:
        parts = p.split(".")
        out.update(".".join(parts[:k]) for k in range(1, len(parts) + 1))
    return frozenset(out)


@functools.lru_cache(maxsize=8192)  # one module's answer, asked by each of its importers
def exports_digest(names: frozenset[str] | None, is_module: bool) -> str:
    """A short, order-free digest of one module answer (for lint cache keys)."""
    h = hashlib.sha256(b"M" if is_module else b"-")
    if names is not None:
        h.update(b"\0".join(n.encode("utf-8", "surrogatepass") for n in sorted(names)))
    else:
        h.update(b"\x01unknown")
    return h.hexdigest()[:16]


@attrs.frozen
class ExportTable:
    """A ``resolve.ModuleLookup`` over plain data (picklable: `lint` hands one to its workers):
    ``names`` maps a module path to its names; ``modules`` holds every module path and its
    leading parts."""

    names: Mapping[str, frozenset[str]]
    modules: frozenset[str]
    generation: ClassVar[int] = 0  # a table never changes (``ModuleLookup.generation``)

    def has_root(self, segment: str) -> bool | None:
        return None  # a package that is not present may provide any root

    def exports(self, path: str) -> frozenset[str] | None:
        if library_path(path):
            return None
        return known(self.names.get(path))

    def is_module(self, path: str) -> bool:
        return path in self.modules

    @staticmethod
    def of(entries: Iterable[FileIndex]) -> ExportTable:
        by_module: dict[str, list[FileIndex]] = {}
        for e in entries:
            by_module.setdefault(e.module, []).append(e)
        return ExportTable({m: entry_names(es) for m, es in by_module.items()},
                           prefixes(by_module))

    def subset(self, paths: Iterable[str], mentioned: Iterable[str] = ()) -> ExportTable:
        """Only the answers for ``paths`` (every path one file asks about) and for the module
        roots among the names the file ``mentioned`` (``app.lib.width()`` without a ``use``):
        what a worker needs for that file, and what its lint cache key digests (a root the
        file never names appearing elsewhere changes neither)."""
        asked = set(paths)
        # `modules` holds every leading part, roots too; a name (no dot) in it is a root
        return ExportTable({p: self.names[p] for p in sorted(asked) if p in self.names},
                           frozenset(asked & self.modules)
                           | self.modules.intersection(mentioned))

    def digest(self) -> str:
        """Digest of every answer in the table (for a ``subset``: what one file depends on):
        the names of each module it holds names for, and which paths are modules (a path with
        no names answers ``exports`` None and ``is_module`` by that set: nothing else to say)."""
        lines = [f"{p}\0{exports_digest(self.exports(p), p in self.modules)}"
                 for p in sorted(self.names)]
        lines.append("\x01".join(sorted(self.modules)))
        return hashlib.sha256("\0".join(lines).encode("utf-8", "surrogatepass")).hexdigest()


def absolute_path(path: str, current: str) -> str:
    """``self.x`` / ``super.x`` / ``::x`` relative to module ``current`` → absolute path (the
    rule of ``WorkspaceIndex.absolute``, usable without an index)."""
    parts = path.split(".")
    base = current.split(".")
    if parts[0] == "self":
        return ".".join([*base, *parts[1:]])
    if parts[0] == "super":
        up = 0
        while up < len(parts) and parts[up] == "super":
            up += 1
        return ".".join([*base[: max(len(base) - up, 0)], *parts[up:]])
    if parts[0].startswith("::"):
        return ".".join([parts[0][2:], *parts[1:]])
    return path


def asked_paths(imports: Iterable[str], current: str) -> set[str]:
    """The module paths the member check asks about for a file with these ``use`` paths (as
    written): each import's absolute path and the module it names a member of."""
    out: set[str] = set()
    for written in imports:
        full = absolute_path(written, current)
        out.add(full)
        target = full.rpartition(".")[0]
        if target:
            out.add(target)
    return out
