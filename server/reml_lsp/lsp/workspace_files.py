"""The `*.reml` files of the workspace folders and the server's view of the workspace index:
open documents are pinned (their current version, with trees); every other file is a compact
entry that the background indexer (``lsp.indexing``) fills, and is re-parsed from disk only when
a query needs its tree (a few recent ones are kept)."""

from __future__ import annotations

import logging
from collections import OrderedDict

from reml_lsp.analysis.host import AnalysisHost, module_from_bytes
from reml_lsp.analysis.modules import ModuleInfo
from reml_lsp.lsp.uris import uri_to_path

log = logging.getLogger("reml_lsp.lsp")

LOADED_KEEP = 8  # closed modules re-parsed for a query, kept for the next one


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
