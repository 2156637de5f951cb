"""The `*.reml` files of the workspace folders and the server's view of the workspace index:
open documents are pinned (their current version, with trees); every other file is a compact
entry that the background indexer (``lsp.indexing``) fills, and is re-parsed from disk only when
a query needs its tree (a few recent ones are kept)."""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from reml_lsp.analysis.host import AnalysisHost, module_from_bytes
from reml_lsp.analysis.modules import ModuleInfo
from reml_lsp.lsp.uris import uri_to_path

log = logging.getLogger("reml_lsp.lsp")

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".reml"}
MAX_FILES = 20000
LOADED_KEEP = 8  # closed modules re-parsed for a query, kept for the next one


def reml_files(roots: list[Path]) -> Iterator[Path]:
    """Every `*.reml` file under the roots, in a stable order, skipping tool folders."""
    seen: set[Path] = set()
    count = 0
    for root in roots:
        if not root.is_dir():
            continue
        found: list[Path] = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            found.extend(Path(folder, n) for n in names if n.endswith(".reml"))
        real_dirs: dict[Path, Path] = {}  # one resolve per folder, not per file
        for path in sorted(found):
            if not path.is_file():
                continue
            if path.is_symlink():
                resolved = path.resolve()
            else:
                real = real_dirs.get(path.parent)
                if real is None:
                    real = real_dirs[path.parent] = path.parent.resolve()
                resolved = real / path.name
            if resolved in seen:
                continue
            seen.add(resolved)
            count += 1
            if count > MAX_FILES:
                log.warning("more than %s .reml files; the rest are not indexed", MAX_FILES)
                return
            yield path


class ModuleLoader:
    """key → ModuleInfo for the index: the open document, else the file re-parsed from disk
    (a small LRU keyed by mtime and size; everything else is dropped after use)."""

    def __init__(self, ls) -> None:
        self.ls = ls
        self._recent: OrderedDict[str, tuple[tuple[int, int], ModuleInfo]] = OrderedDict()

    def __call__(self, key: str) -> ModuleInfo | None:
        from reml_lsp.workspace import relative_path

        doc = self.ls.doc(key)  # an open document (its URI as the client wrote it)
        if doc is not None:
            return doc.module()
        path = uri_to_path(key)
        if path is None:
            return None
        try:
            st = path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
            hit = self._recent.get(key)
            if hit is not None and hit[0] == stamp:
                self._recent.move_to_end(key)
                return hit[1]
            data = path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            return None
        info = module_from_bytes(key, relative_path(path, self.ls.root_for(path)), data)
        self._recent[key] = (stamp, info)
        while len(self._recent) > LOADED_KEEP:
            self._recent.popitem(last=False)
        return info


def host_of(ls) -> AnalysisHost:
    """The server's analysis host (``RemlServer.host``)."""
    return ls.host
