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
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import attrs

from reml_lsp.analysis.file_index import FORMAT, FileIndex
from reml_lsp.analysis.module_exports import ExportTable, asked_paths
from reml_lsp.cache.fingerprint import tool_fingerprint
from reml_lsp.cache.store import CacheStore
from reml_lsp.workspace import find_root, relative_path

KIND = "index"  # the server's index rows (lsp.indexing): one cache for the editor and lint
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".reml"})
MAX_FILES = 20000  # as the server: past it, the rest of a folder is not indexed
# (resolved path, bytes, workspace-relative path) → their entries, in order (the caller's pool)
IndexMany = Callable[[list[tuple[Path, bytes, str]]], list[FileIndex]]


def index_key(data: bytes, rel: str) -> str:
    """The cache key of a file's index entry (the one the server's indexer uses)."""
    h = hashlib.sha256(data)
    h.update(f"\0{tool_fingerprint()}\0{FORMAT}\0{rel}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def workspace_files(root: Path) -> list[Path]:
    """The `*.reml` files under ``root``, sorted, tool folders skipped."""
    found: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(folder, n) for n in names if n.endswith(".reml"))
    return sorted(found)[:MAX_FILES]


@attrs.frozen
class LintWorkspace:
    table: ExportTable
    entries: dict[Path, FileIndex]  # resolved path → its entry
    children: dict[str, frozenset[str]]  # module path (or leading part) → the paths one below

    def for_file(self, path: str | Path) -> ExportTable | None:
        """The answers one file's imports ask for (None: not a file of these workspaces)."""
        entry = self.entries.get(Path(path).resolve())
        if entry is None:
            return None
        asked = asked_paths((i.path for i in entry.imports), entry.module)
        sub = self.table.subset(asked)
        below = frozenset().union(*(self.children.get(p, frozenset()) for p in asked))
        return attrs.evolve(sub, modules=sub.modules | below)


def build_workspace(roots: Iterable[Path], cache: CacheStore | None,
                    index_many: IndexMany) -> LintWorkspace:
    """Index every file under ``roots`` (cached entries first, the rest through
    ``index_many``), writing the new entries to ``cache``."""
    keyed: list[tuple[Path, str, bytes, str]] = []
    seen: set[Path] = set()
    folder_roots: dict[Path, Path] = {}
    for root in sorted(set(roots)):
        for path in workspace_files(root):
            real = path.resolve()
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
            rel = relative_path(real, owner)
            keyed.append((real, rel, data, index_key(data, rel)))
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
    return workspace_of(entries)


def workspace_of(entries: dict[Path, FileIndex]) -> LintWorkspace:
    """The workspace of these entries (resolved path → entry; the server passes its index)."""
    table = ExportTable.of(entries.values())
    children: dict[str, set[str]] = {}
    for p in table.modules:
        parent = p.rpartition(".")[0]
        if parent:
            children.setdefault(parent, set()).add(p)
    return LintWorkspace(table, entries, {k: frozenset(v) for k, v in children.items()})
