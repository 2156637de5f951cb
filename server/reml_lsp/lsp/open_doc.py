"""What the server keeps per open document besides the document itself: the LSP session's
bookkeeping (the pending analysis task, the debounce start, saves, what the audit store was
told) and the LSP-typed results converted for the current revision.

The document (text, version, revision, analysis) belongs to the analysis host
(``analysis.host_document.HostDocument``, ``OpenDoc.src``); the properties below read it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from reml_lsp.analysis.host_document import HostDocument, SourceDocument
from reml_lsp.analysis.modules import ModuleInfo

T = TypeVar("T")


@attrs.define(eq=False)
class OpenDoc:
    uri: str
    path: Path | None
    src: HostDocument  # the analysis host's document
    task: asyncio.Task | None = None
    pending_since: float | None = None
    saves: int = 0
    # audit bookkeeping (lsp.sync): audit_id -> (code, span) of the findings shown now and of
    # those last written to the audit store; both as large as one publish, never growing
    published: dict[str, tuple[str, list[int]]] = attrs.Factory(dict)
    recorded: dict[str, tuple[str, list[int]]] = attrs.Factory(dict)
    audit_timer: asyncio.TimerHandle | None = None
    _cache: dict[str, tuple[int, Any]] = attrs.Factory(dict)

    @property
    def doc(self) -> SourceDocument:
        return self.src.source

    @property
    def version(self) -> int:
        return self.src.version

    @property
    def edits(self) -> int:
        """The document's revision: bumps on every change (also without a version)."""
        return self.src.edits

    @property
    def rel_path(self) -> str:
        return self.src.rel_path

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """An LSP-side result (converted diagnostics, the JSON sent), once per revision."""
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.src.edits:
            return hit[1]
        value = compute()
        self._cache[key] = (self.src.edits, value)
        return value

    def module(self) -> ModuleInfo:
        return self.src.module()
