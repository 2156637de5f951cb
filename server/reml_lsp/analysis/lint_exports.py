"""The workspace modules `reml-run lint` judges imports against: what the editor's index holds
for the same folder, built before the files are linted.

Every `*.reml` file under the linted files' workspace roots (tool folders skipped, as the
server does) gets its compact index entry: from the persistent cache (the rows the server's
indexer writes, same key), else parsed (in the caller's worker processes). One
``ExportTable`` over all the entries answers the cross-module check; each linted file gets only
the answers its imports ask for (``for_file``), and their digest enters its lint cache key, so
a change to what an imported module declares re-lints its importers and nothing else.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.analysis.file_index import FORMAT, FileIndex, ImportRef
from reml_lsp.analysis.module_exports import ExportTable, asked_paths, prefixes, roots
from reml_lsp.analysis.source import decode
from reml_lsp.analysis.tree import module_path
from reml_lsp.cache.fingerprint import tool_fingerprint
from reml_lsp.cache.store import CacheStore
from reml_lsp.syntax.parser import ItemParser
from reml_lsp.workspace import find_root, relative_path, reml_files_resolved

KIND = "index"  # the server's index rows (lsp.indexing): one cache for the editor and lint
MODULE_KIND = "module-path"  # a file's module path alone (lint of a few files: _narrowed)
TABLE_KIND = "lint-workspace"  # a whole workspace's LintWorkspace, keyed by all its files
NARROW_RATIO = 4  # linted files × this < workspace files: index only what their imports ask
# (resolved path, bytes, workspace-relative path) → their entries, in order (the caller's pool)
IndexMany = Callable[[list[tuple[Path, bytes, str]]], list[FileIndex]]


def index_key(data: bytes, rel: str) -> str:
    """The cache key of a file's index entry (the one the server's indexer uses)."""
    h = hashlib.sha256(data)
    h.update(f"\0{tool_fingerprint()}\0{FORMAT}\0{rel}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


@attrs.frozen
class LintWorkspace:
    table: ExportTable
    entries: dict[Path, FileIndex]  # resolved path → its entry
    children: dict[str, frozenset[str]]  # module path (or leading part) → the paths one below

    def for_file(self, path: str | Path, *, resolved: bool = False) -> ExportTable | None:
        """The answers one file's imports ask for (None: not a file of these workspaces);
        ``resolved``: the caller passes the path resolved already."""
        entry = self.entries.get(Path(path) if resolved else Path(path).resolve())
        if entry is None:
            return None
        asked = asked_paths((i.path for i in entry.imports), entry.module)
        sub = self.table.subset(asked, entry.names)
        below = frozenset().union(*(self.children.get(p, frozenset()) for p in asked))
        return attrs.evolve(sub, modules=sub.modules | below)


def build_workspace(roots: Iterable[Path], cache: CacheStore | None,
                    index_many: IndexMany, linted: Iterable[Path] | None = None
                    ) -> LintWorkspace:
    """The workspace of every file under ``roots``: each file's entry from the cache, else
    through ``index_many`` (new entries are written to ``cache``).

    ``linted`` (resolved paths): when they are a small part of the workspace (a pre-commit hook
    linting the changed files), only what their imports ask about is indexed — the answers are
    the same (``_narrowed``)."""
    keyed = _workspace_keyed(roots)
    if linted is not None:
        wanted = set(linted)
        if len(wanted) * NARROW_RATIO < len(keyed):
            return _narrowed(keyed, wanted, cache, index_many)
    # The whole workspace unchanged since a run that saved its table: one small row instead
    # of decoding every file's entry (symbols, identifiers) again.
    whole = hashlib.sha256("\0".join(f"{real}\0{key}" for real, _, _, key in keyed)
                           .encode("utf-8", "surrogateescape")).hexdigest()
    saved = _table_from_json(cache.get(TABLE_KIND, whole)) if cache is not None else None
    if saved is not None:
        return saved
    workspace = workspace_of(_entries(keyed, cache, index_many))
    if cache is not None:
        cache.put(TABLE_KIND, whole, _table_to_json(workspace))
    return workspace



def _table_to_json(ws: LintWorkspace) -> dict[str, Any]:
    """What the lint run reads of a workspace: each file's module, imports and the module
    roots it names (its entry without symbols and other identifiers) and the table's
    answers."""
    modules = ws.table.modules  # every root among them: the names that are roots
    return {"v": FORMAT,
            "files": [[str(real), e.rel_path, e.module, [list(i) for i in e.imports],
                       sorted(e.names & modules)]
                      for real, e in ws.entries.items()],
            "names": {m: sorted(n) for m, n in ws.table.names.items()},
            "modules": sorted(ws.table.modules)}


def _table_from_json(body: Any) -> LintWorkspace | None:
    """None for a missing, stale or damaged row (the table is then built from the entries)."""
    try:
        if body is None or body.get("v") != FORMAT:
            return None
        intern = sys.intern
        entries: dict[Path, FileIndex] = {}
        for real, rel, module, imports, named_roots in body["files"]:
            refs = tuple(ImportRef(str(n), str(p), int(a), int(b)) for n, p, a, b in imports)
            entries[Path(real)] = FileIndex(rel, module, refs, (), frozenset(named_roots))
        table = ExportTable({m: frozenset(map(intern, n)) for m, n in body["names"].items()},
                            frozenset(body["modules"]))
        return _with_children(table, entries)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None



def _workspace_keyed(roots: Iterable[Path]) -> list[tuple[Path, str, bytes, str]]:
    """(resolved path, workspace-relative path, bytes, index cache key) of every file."""
    keyed: list[tuple[Path, str, bytes, str]] = []
    seen: set[Path] = set()
    folder_roots: dict[Path, Path] = {}
    for root in sorted(set(roots)):
        for _, real in reml_files_resolved([root]):
            if real in seen:
                continue
            seen.add(real)
            try:
                data = real.read_bytes()
            except OSError:
                continue  # gone or unreadable: the server leaves it out too
            owner = folder_roots.get(real.parent)
            if owner is None:
                owner = folder_roots[real.parent] = find_root(real, fallback=root)
            rel = relative_path(real, owner, resolved=True)
            keyed.append((real, rel, data, index_key(data, rel)))
    return keyed


def _entries(keyed: list[tuple[Path, str, bytes, str]], cache: CacheStore | None,
             index_many: IndexMany) -> dict[Path, FileIndex]:
    """The entries of these files: cached rows first, the rest through ``index_many``."""
    found = cache.get_many(KIND, [k for *_, k in keyed]) if cache is not None else {}
    entries: dict[Path, FileIndex] = {}
    misses: list[tuple[Path, str, bytes, str]] = []
    for real, rel, data, key in keyed:
        entry = FileIndex.from_json(found[key]) if key in found else None
        if entry is not None and entry.rel_path == rel:
            entries[real] = entry
        else:
            misses.append((real, rel, data, key))
    if misses:
        fresh = index_many([(real, data, rel) for real, rel, data, _ in misses])
        for (real, _, _, _), entry in zip(misses, fresh, strict=True):
            entries[real] = entry
        if cache is not None:
            cache.put_many(KIND, [(key, entry.to_json())
                                  for (_, _, _, key), entry in zip(misses, fresh, strict=True)])
    return entries


def _narrowed(keyed: list[tuple[Path, str, bytes, str]], linted: set[Path],
              cache: CacheStore | None, index_many: IndexMany) -> LintWorkspace:
    """The workspace as the linted files see it, indexing little.

    What ``for_file`` answers for a file depends on its own entry, the names of the modules it
    asks about, and which module paths exist at or below those (``is_module``, the children).
    So: the linted files are indexed; every other file only has its module path read (the
    ``module`` header among its first items, else its relative path: ``module_path``, from a
    parse of those items alone); the files of the asked modules are indexed in full. The table
    then holds the same answers for these questions as the whole workspace's."""
    own = _entries([k for k in keyed if k[0] in linted], cache, index_many)
    asked: set[str] = set()
    for entry in own.values():
        asked |= asked_paths((i.path for i in entry.imports), entry.module)
    modules: dict[Path, str] = {real: e.module for real, e in own.items()}
    rest = [k for k in keyed if k[0] not in modules]
    # A module path is cached under the index entry's key (same bytes, path and tool).
    found = cache.get_many(MODULE_KIND, [k for *_, k in rest]) if cache is not None else {}
    fresh: list[tuple[str, str]] = []
    for real, rel, data, key in rest:
        known = found.get(key)
        if not isinstance(known, str):
            known = module_of_bytes(data, rel)
            fresh.append((key, known))
        modules[real] = known
    if cache is not None and fresh:
        cache.put_many(MODULE_KIND, fresh)
    relevant = {m for m in modules.values()
                if any(m == p or m.startswith(p + ".") for p in asked)}
    full = [k for k in keyed if k[0] not in own and modules[k[0]] in asked]
    entries = {**own, **_entries(full, cache, index_many)}
    names = ExportTable.of(e for e in entries.values() if e.module in asked).names
    return _with_children(ExportTable(names, prefixes(relevant) | roots(modules.values())), own)


def module_of_bytes(data: bytes, rel: str) -> str:
    """The module path the file's index entry would hold (``module_path`` of its first items
    with a tree, as ``index_bytes`` parses them), parsing only those items."""
    text, _ = decode(data)
    first = itertools.islice((i for i in ItemParser(text, findings=False).items()
                              if i.tree is not None), 3)
    return module_path(text, [(i.tree, 0) for i in first], rel)


def workspace_of(entries: dict[Path, FileIndex]) -> LintWorkspace:
    """The workspace of these entries (resolved path → entry; the server passes its index)."""
    return _with_children(ExportTable.of(entries.values()), entries)


def _with_children(table: ExportTable, entries: dict[Path, FileIndex]) -> LintWorkspace:
    children: dict[str, set[str]] = {}
    for p in table.modules:
        parent = p.rpartition(".")[0]
        if parent:
            children.setdefault(parent, set()).add(p)
    return LintWorkspace(table, entries, {k: frozenset(v) for k, v in children.items()})
