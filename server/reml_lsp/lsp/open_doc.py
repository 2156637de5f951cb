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
from typing import TypeVar

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
    def text_edits(self) -> int:
        """Bumps when the text changes (``edits`` also when its imports answer anew)."""
        return self.src.text_edits

    @property
    def rel_path(self) -> str:
        return self.src.rel_path

    def cached(self, key: str, compute: Callable[[], T]) -> T:
        """An LSP-side result (converted diagnostics, the JSON sent), once per revision, kept
        with the document's own per-revision results (the host does not look at it)."""
        return self.src.cached("lsp:" + key, compute)

    def module(self) -> ModuleInfo:
        return self.src.module()
