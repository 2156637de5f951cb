"""`workspace/diagnostic` for the files that are not open: analysed off the event loop by the
lint batch (worker processes for a large workspace, the shared persistent cache for unchanged
files), then converted to LSP reports. Cancelling the request answers at once; the batch
finishes in the background and its results stay in the cache for the next request.

Imports are judged against the server's index as it is when the request comes (open documents
as edited); a report's resultId covers what the file's imports were answered, so a change to
an imported module makes a closed importer's report new."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from reml_lsp.analysis.lint_batch import LintJob, lint_files
from reml_lsp.analysis.lint_exports import workspace_of
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.source import decode
from reml_lsp.cache.store import CacheStore
from reml_lsp.lsp.convert import to_lsp_diagnostic
from reml_lsp.lsp.uris import uri_to_path
from reml_lsp.workspace import relative_path

IN_PROCESS_BYTES = 256 * 1024  # below this, one thread (starting workers costs ~1 s)


def result_id(data: bytes, locale: str, encoding: str, modules: str = "-") -> str:
    return f"{hashlib.sha1(data).hexdigest()[:16]}:{locale}:{encoding}:{modules}"


async def disk_reports(ls, files: list[tuple[Path, str]], previous: dict[str, str],
                       progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """uri → WorkspaceFull/UnchangedDocumentDiagnosticReport for closed files on disk."""
    loop = asyncio.get_running_loop()
    locale, encoding, related = ls.locale, ls.encoding, ls.related_info
    roots = {path: ls.root_for(path) for path, _ in files}
    indexed = {path: entry for key, entry in ls.workspace_index.files.items()
               if (path := uri_to_path(key)) is not None}

    def on_progress(done: int, total: int) -> None:
        if progress is not None:
            loop.call_soon_threadsafe(progress, done, total)

    def work() -> dict[str, Any]:
        out: dict[str, Any] = {}
        todo: list[tuple[str, str, LintJob]] = []
        size = 0
        workspace = workspace_of({p.resolve(): e for p, e in indexed.items()})
        for path, uri in files:
            try:
                data = path.read_bytes()
            except OSError:
                out[uri] = lsp.WorkspaceFullDocumentDiagnosticReport(uri=uri, version=None,
                                                                     items=[])
                continue
            asked = workspace.for_file(path)
            rid = result_id(data, locale, encoding,
                            asked.digest()[:16] if asked is not None else "-")
            if previous.get(uri) == rid:
                out[uri] = lsp.WorkspaceUnchangedDocumentDiagnosticReport(
                    uri=uri, version=None, result_id=rid)
                continue
            size += len(data)
            todo.append((uri, rid, LintJob(str(path), str(path),
                                           relative_path(path, roots[path]))))
        cache = CacheStore()
        try:
            results = lint_files([job for *_, job in todo], locale=locale, cache=cache,
                                 jobs=1 if size <= IN_PROCESS_BYTES else None,
                                 progress=on_progress,
                                 mp_context=multiprocessing.get_context("forkserver"),
                                 workspace=workspace)
        finally:
            cache.close()
        for (uri, rid, job), result in zip(todo, results, strict=True):
            items = []
            if result.error is None and result.diagnostics:
                try:
                    text, _ = decode(Path(job.path).read_bytes())
                except OSError:
                    text = ""
                index = LineIndex(text)
                items = [to_lsp_diagnostic(d, index, uri, encoding, related=related)
                         for d in result.diagnostics]
            out[uri] = lsp.WorkspaceFullDocumentDiagnosticReport(uri=uri, version=None,
                                                                 items=items, result_id=rid)
        return out

    return await loop.run_in_executor(None, work)
