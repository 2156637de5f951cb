"""The workspace as modules: each `*.reml` file's module path (its `module` header, else its
workspace-relative path with `/` → `.`), its top-level names and its scopes.

``WorkspaceIndex`` keeps one compact ``FileIndex`` per file (no trees) and full ``ModuleInfo``
only for the modules pinned in memory (open documents); any other module is loaded on demand
through ``loader`` (re-parsed from disk by the adapter) and not kept by the index. Cross-file
queries first narrow the files with the compact entries, then resolve exactly in those only."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator

import attrs

from reml_lsp.analysis.file_index import FileIndex, IndexedSymbol, build_file_index
from reml_lsp.analysis.module_exports import (
    absolute_path,
    entry_names,
    known,
    library_path,
    prefixes,
)
from reml_lsp.analysis.scopes import Binding, ScopeIndex, build_scopes
from reml_lsp.analysis.tree import Entry, module_path


@attrs.define
class ModuleInfo:
    key: str  # the document's identity for the adapter (its URI)
    rel_path: str
    module: str
    text: str
    entries: list[Entry]
    scopes: ScopeIndex
    _file_index: FileIndex | None = attrs.field(default=None, eq=False, repr=False)

    def file_index(self) -> FileIndex:
        """The compact entry of this module (computed once per ModuleInfo, i.e. per version)."""
        if self._file_index is None:
            self._file_index = build_file_index(self.text, self.entries, self.rel_path,
                                                module=self.module)
        return self._file_index

    def top_level(self, name: str) -> Binding | None:
        for b in self.scopes.top_named(name):
            if b.kind != "import":
                return b
        return None


def make_module(key: str, rel_path: str, text: str, entries: list[Entry],
                scopes: ScopeIndex | None = None) -> ModuleInfo:
    return ModuleInfo(key, rel_path, module_path(text, entries, rel_path), text, entries,
                      scopes or build_scopes(entries))


Loader = Callable[[str], "ModuleInfo | None"]


@attrs.define
class WorkspaceIndex:
    files: dict[str, FileIndex] = attrs.Factory(dict)  # key → compact entry (every file)
    pinned: dict[str, ModuleInfo] = attrs.Factory(dict)  # key → full module kept in memory
    loader: Loader | None = None  # key → ModuleInfo for a file that is not pinned
    # Module path (and its lower-case form) → sorted keys; every module path and each of its
    # leading parts → how many files have it. Built on first use, then kept up to date file by
    # file: while the index fills, each edit's import check asks them, and a rebuild per
    # question cost O(files) each time.
    _paths: dict[str, list[str]] | None = None
    _prefixes: dict[str, int] | None = None

    # -- updates ---------------------------------------------------------------------------
    def put(self, info: ModuleInfo) -> None:
        """Pin a full module (an open document) and index it."""
        self.pinned[info.key] = info
        self.put_file(info.key, info.file_index())

    def put_file(self, key: str, entry: FileIndex) -> None:
        old = self.files.get(key)
        self.files[key] = entry
        if old is None or old.module != entry.module:
            if old is not None:
                self._unlist(key, old.module)
            self._list(key, entry.module)

    def unpin(self, key: str) -> None:
        """Keep the compact entry; drop the full module (a closed document)."""
        self.pinned.pop(key, None)

    def drop(self, key: str) -> None:
        self.pinned.pop(key, None)
        old = self.files.pop(key, None)
        if old is not None:
            self._unlist(key, old.module)

    def _list(self, key: str, module: str) -> None:
        if self._paths is not None:
            for path in {module, module.lower()}:
                bisect.insort(self._paths.setdefault(path, []), key)
        if self._prefixes is not None:
            for part in prefixes((module,)):
                self._prefixes[part] = self._prefixes.get(part, 0) + 1

    def _unlist(self, key: str, module: str) -> None:
        if self._paths is not None:
            for path in {module, module.lower()}:
                keys = self._paths.get(path)
                if keys is not None and key in keys:
                    keys.remove(key)
                    if not keys:
                        del self._paths[path]
        if self._prefixes is not None:
            for part in prefixes((module,)):
                left = self._prefixes.get(part, 0) - 1
                if left > 0:
                    self._prefixes[part] = left
                else:
                    self._prefixes.pop(part, None)

    # -- modules ---------------------------------------------------------------------------
    def module(self, key: str) -> ModuleInfo | None:
        """The full module of ``key``: pinned, else loaded (and not kept)."""
        info = self.pinned.get(key)
        if info is not None:
            return info
        if key in self.files and self.loader is not None:
            return self.loader(key)
        return None

    @property
    def modules(self) -> dict[str, ModuleInfo]:
        """The pinned modules (kept for callers that only need the open ones)."""
        return self.pinned

    def _path_table(self) -> dict[str, list[str]]:
        if self._paths is None:
            table: dict[str, list[str]] = {}
            for key, entry in self.files.items():
                for path in {entry.module, entry.module.lower()}:
                    table.setdefault(path, []).append(key)
            for keys in table.values():
                keys.sort()
            self._paths = table
        return self._paths

    def is_module_prefix(self, path: str) -> bool:
        """Whether ``path`` is a module path of the index or a leading part of one (``a.b``
        of ``a.b.c``)."""
        if self._prefixes is None:
            counts: dict[str, int] = {}
            for entry in self.files.values():
                for part in prefixes((entry.module,)):
                    counts[part] = counts.get(part, 0) + 1
            self._prefixes = counts
        return path in self._prefixes

    def keys_of(self, path: str) -> list[str]:
        table = self._path_table()
        exact = [k for k in table.get(path, ()) if self.files[k].module == path]
        return exact or list(table.get(path.lower(), ()))

    def by_module(self, path: str) -> ModuleInfo | None:
        for key in self.keys_of(path):
            info = self.module(key)
            if info is not None:
                return info
        return None

    def module_paths(self) -> list[str]:
        return sorted({e.module for e in self.files.values()})

    def exports_of(self, path: str) -> list[IndexedSymbol]:
        """The top-level names a workspace module declares (``pub`` tells which are exported),
        from the compact index alone: no parse. Empty for an unknown module."""
        keys = self.keys_of(path)
        return self.files[keys[0]].top_level() if keys else []

    def absolute(self, path: str, current: str) -> str:
        """`self.x` / `super.x` / `::x` relative to the module ``current`` → absolute path."""
        return absolute_path(path, current)

    def resolve_import(self, binding: Binding, current: str
                       ) -> tuple[ModuleInfo, Binding | None] | None:
        """Where an imported name is defined: (module, its top-level binding), or (module, None)
        when the import names a whole module."""
        if binding.path is None:
            return None
        full = self.absolute(binding.path, current)
        target = self.by_module(full)
        if target is not None:
            return target, None
        head, _, name = full.rpartition(".")
        owner = self.by_module(head) if head else None
        if owner is not None:
            found = owner.top_level(name)
            return (owner, found) if found is not None else (owner, None)
        return None

    def find_top_level(self, name: str, exclude: str | None = None
                       ) -> list[tuple[ModuleInfo, Binding]]:
        out = []
        for key in sorted(self.files):
            if key == exclude or not any(s.name == name for s in self.files[key].top_level()):
                continue
            info = self.module(key)
            b = info.top_level(name) if info is not None else None
            if b is not None:
                out.append((info, b))
        return out

    def importers(self, path: str, name: str, exclude: str | None = None) -> list[str]:
        """Keys of the files that may refer to ``path.name``: they mention ``name`` and import
        the module ``path`` or ``path.name`` (candidates; callers resolve exactly)."""
        low, low_member = path.lower(), f"{path}.{name}".lower()
        out = []
        for key, entry in self.files.items():
            if key == exclude or name not in entry.names:
                continue
            for imp in entry.imports:
                full = self.absolute(imp.path, entry.module).lower()
                if full in (low, low_member):
                    out.append(key)
                    break
        return sorted(out)

    def entries(self) -> Iterator[tuple[str, FileIndex]]:
        return iter(self.files.items())


class IndexModules:
    """A ``resolve.ModuleLookup`` over a live ``WorkspaceIndex`` (the editor's): the same
    answers as ``module_exports.ExportTable.of`` over the same entries. A module's names are
    kept until one of its entries is replaced (checked by identity on each question);
    ``generation`` is bumped by whoever changes the index (``AnalysisHost``), so a document
    re-asks only after a change."""

    def __init__(self, index: WorkspaceIndex) -> None:
        self.index = index
        self.generation = 0
        self._names: dict[str, tuple[tuple[FileIndex, ...], frozenset[str] | None]] = {}

    def has_root(self, segment: str) -> bool | None:
        return None  # a package that is not present may provide any root

    def _entries(self, path: str) -> tuple[FileIndex, ...]:
        files = self.index.files
        return tuple(files[k] for k in self.index._path_table().get(path, ())
                     if files[k].module == path)

    def exports(self, path: str) -> frozenset[str] | None:
        if library_path(path):
            return None
        entries = self._entries(path)
        if not entries:
            return None
        hit = self._names.get(path)
        if hit is not None and len(hit[0]) == len(entries) and all(
                a is b for a, b in zip(hit[0], entries, strict=True)):
            return hit[1]
        names = known(entry_names(entries))
        self._names[path] = (entries, names)
        return names

    def is_module(self, path: str) -> bool:
        return self.index.is_module_prefix(path)
