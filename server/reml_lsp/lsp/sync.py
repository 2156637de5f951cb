"""Text synchronisation and pushed diagnostics.

Every change is applied to our own document at once (LSP positions → code points through our
line index). Analysis runs later in a task that a newer change cancels (stale versions are
dropped), after the debounce of the BackpressureSpec, but never later than its max lag after the
first pending change.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from typing import Any

from lsprotocol import types as lsp

from reml_lsp.lsp.convert import offset_of, to_lsp_diagnostic
from reml_lsp.lsp.debounce import Debounce
from reml_lsp.lsp.indexing import indexer_of
from reml_lsp.lsp.open_doc import OpenDoc
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.uris import uri_to_path

log = logging.getLogger("reml_lsp.lsp")


def lsp_diagnostics(ls: RemlServer, doc: OpenDoc) -> list[lsp.Diagnostic]:
    """The host's findings for the current revision in LSP terms (converted once)."""
    def compute() -> list[lsp.Diagnostic]:
        index = doc.src.index
        return [to_lsp_diagnostic(d, index, doc.uri, ls.encoding, related=ls.related_info)
                for d in ls.host.diagnostics(doc.uri, ls.locale)]
    return doc.cached(f"lsp-diagnostics:{ls.locale}:{ls.encoding}", compute)


AUDIT_SETTLE_S = 2.0  # quiet time after the last publish before the audit store is updated


def record_published(ls: RemlServer, doc: OpenDoc) -> None:
    """Note what is shown now; the audit store learns what appeared and what went once the
    document has been quiet for ``AUDIT_SETTLE_S`` (or on save, close, shutdown, a fix), so a
    finding that lives only while a line is half typed is never written."""
    doc.published = {d.audit_id: (d.code, [d.span.start, d.span.end])
                     for d in ls.host.diagnostics(doc.uri, ls.locale) if d.audit_id}
    if doc.audit_timer is not None:
        doc.audit_timer.cancel()
        doc.audit_timer = None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        settle_audit(ls, doc)
        return
    doc.audit_timer = loop.call_later(AUDIT_SETTLE_S, settle_audit, ls, doc)


def settle_audit(ls: RemlServer, doc: OpenDoc) -> int:
    """Write ``lsp.diagnostic.published`` for findings shown since the last write and
    ``lsp.diagnostic.resolved`` for those no longer shown; returns the events queued."""
    if doc.audit_timer is not None:
        doc.audit_timer.cancel()
        doc.audit_timer = None
    shown, recorded = doc.published, doc.recorded
    if shown.keys() == recorded.keys():
        return 0
    base = {"uri": doc.uri, "path": doc.rel_path, "version": doc.version}
    written = 0
    try:
        audit = ls.audit
        for audit_id in recorded.keys() - shown.keys():
            code, span = recorded[audit_id]
            audit.record("lsp.diagnostic.resolved", audit_id, {**base, "code": code,
                                                               "span": span})
            written += 1
        for audit_id in shown.keys() - recorded.keys():
            code, span = shown[audit_id]
            audit.record("lsp.diagnostic.published", audit_id, {**base, "code": code,
                                                                "span": span,
                                                                "locale": ls.locale})
            written += 1
    except Exception as exc:  # the audit store must never take the server down
        log.warning("audit: %s", exc)
    doc.recorded = dict(shown)
    return written


def settle_all(ls: RemlServer) -> None:
    for doc in list(ls.docs.values()):
        settle_audit(ls, doc)


def _range_json(r: lsp.Range) -> dict[str, Any]:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def diagnostic_json(d: lsp.Diagnostic) -> dict[str, Any]:
    """What lsprotocol's converter makes of ``d``, without walking ``data`` (already plain JSON)
    through cattrs: on a file with ~70 findings that walk cost more than the analysis."""
    out: dict[str, Any] = {"range": _range_json(d.range), "message": d.message}
    if d.severity is not None:
        out["severity"] = int(d.severity)
    if d.code is not None:
        out["code"] = d.code
    if d.source is not None:
        out["source"] = d.source
    if d.related_information:
        out["relatedInformation"] = [
            {"location": {"uri": r.location.uri, "range": _range_json(r.location.range)},
             "message": r.message} for r in d.related_information]
    if d.tags:
        out["tags"] = [int(t) for t in d.tags]
    if d.data is not None:
        out["data"] = d.data
    return out


def publish(ls: RemlServer, doc: OpenDoc) -> None:
    diagnostics = lsp_diagnostics(ls, doc)
    params: dict[str, Any] = {"uri": doc.uri, "diagnostics": doc.cached(
        f"lsp-diagnostics-json:{ls.locale}:{ls.encoding}",
        lambda: [diagnostic_json(d) for d in diagnostics])}
    if ls.version_support:
        params["version"] = doc.version
    ls.protocol._send_data({"jsonrpc": "2.0", "method": lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
                            "params": params})
    record_published(ls, doc)


def schedule(ls: RemlServer, doc: OpenDoc) -> None:
    """(Re)start the analysis of ``doc`` for its current version."""
    now = time.monotonic()
    if doc.pending_since is None:
        doc.pending_since = now
    if doc.task is not None and not doc.task.done():
        doc.task.cancel()
    spec = ls.settings.backpressure
    waited = now - doc.pending_since
    delay = max(0.0, min(spec.debounce_ms, spec.max_lag_ms - waited * 1000.0)) / 1000.0
    doc.task = asyncio.ensure_future(_analyse_later(ls, doc, doc.edits, delay))


async def _analyse_later(ls: RemlServer, doc: OpenDoc, edits: int, delay: float) -> None:
    try:
        await asyncio.sleep(delay)
        if doc.edits != edits or ls.docs.get(doc.uri) is not doc:
            return  # a newer version (or a close) superseded this one
        doc.pending_since = None
        others = await refresh_importers(ls, skip=doc)
        if ls.pull_mode:
            return  # the client asks (textDocument/diagnostic)
        publish(ls, doc)
        for other in others:
            publish(ls, other)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("analysis of %s failed", doc.uri)


MODULES_SETTLE_S = 0.3  # quiet time after an index change before importers are re-checked


async def refresh_importers(ls: RemlServer, skip: OpenDoc | None = None) -> list[OpenDoc]:
    """Re-check the open documents whose imports the index now answers differently (an
    edit of a module they import, a file changed on disk, indexing): in pull mode ask the
    client to pull again; otherwise return them (but ``skip``) for the caller to publish."""
    changed = [d for uri in ls.host.refresh_modules()
               if (d := ls.doc(uri)) is not None and d is not skip]
    if changed and ls.pull_mode:
        if ls.refresh_support:
            await ls.workspace_diagnostic_refresh_async(None)
        return []
    return changed


def index_changed(ls: RemlServer) -> None:
    """``AnalysisHost.on_index_change``: one re-check of the importers once the index has
    been quiet for ``MODULES_SETTLE_S`` (indexing changes it thousands of times)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    if ls.modules_refresh is None:
        ls.modules_refresh = Debounce(MODULES_SETTLE_S, lambda: _refresh_importers(ls))
    ls.modules_refresh.poke()


async def _refresh_importers(ls: RemlServer) -> None:
    try:
        for doc in await refresh_importers(ls):
            publish(ls, doc)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("re-checking the importers failed")


async def republish_all(ls: RemlServer) -> None:
    if ls.pull_mode:
        if ls.refresh_support:
            await ls.workspace_diagnostic_refresh_async(None)
        return
    for doc in list(ls.docs.values()):
        publish(ls, doc)
        await asyncio.sleep(0)


def did_open(ls: RemlServer, params: lsp.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    doc = ls.open_doc(item.uri, item.text, item.version)
    schedule(ls, doc)


def did_change(ls: RemlServer, params: lsp.DidChangeTextDocumentParams) -> None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        log.warning("didChange for a document that is not open: %s",
                    params.text_document.uri)
        return
    version = params.text_document.version
    if version is not None and version < doc.version:
        log.warning("dropping stale change v%s of %s (have v%s)", version, doc.uri,
                    doc.version)
        return
    host = ls.host
    for change in params.content_changes:
        if isinstance(change, lsp.TextDocumentContentChangePartial):
            index = doc.src.index  # each change is in the text the previous one left
            start = offset_of(index, change.range.start, ls.encoding)
            end = offset_of(index, change.range.end, ls.encoding)
            if end < start:
                start, end = end, start
            host.apply_change(doc.uri, start, end, change.text)
        else:
            host.replace(doc.uri, change.text)
    if version is not None:
        host.set_version(doc.uri, version)
    schedule(ls, doc)


async def did_save(ls: RemlServer, params: lsp.DidSaveTextDocumentParams) -> None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return
    if params.text is not None:
        ls.host.replace(doc.uri, params.text)  # a no-op when the text is the same
    ls._disk_cache.pop(doc.uri, None)
    doc.saves += 1
    if ls.pull_mode:
        if ls.refresh_support:
            await ls.workspace_diagnostic_refresh_async(None)
    else:
        if doc.task is not None and not doc.task.done():
            doc.task.cancel()
        doc.pending_since = None
        publish(ls, doc)
    settle_audit(ls, doc)


def read_disk(uri: str) -> bytes | None:
    """The file's bytes on disk (None: not a file, gone, unreadable or over the size limit)."""
    path = uri_to_path(uri)
    try:
        if path is None or path.stat().st_size > MAX_CLOSE_READ:
            return None
        return path.read_bytes()
    except OSError:
        return None


MAX_CLOSE_READ = 8 << 20  # bytes read on close to tell whether the editor's text is saved


def did_close(ls: RemlServer, params: lsp.DidCloseTextDocumentParams) -> None:
    doc = ls.docs.pop(params.text_document.uri, None)
    if doc is None:
        return
    if doc.task is not None:
        doc.task.cancel()
    settle_audit(ls, doc)
    if not ls.host.close_document(doc.uri, read_disk(doc.uri)):
        indexer_of(ls).refresh_soon()  # the saved version comes back from the disk
    ls._disk_cache.pop(doc.uri, None)
    if not ls.pull_mode:
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=doc.uri, diagnostics=[]))


def register(server: RemlServer) -> None:
    server.host.on_index_change = functools.partial(index_changed, server)
    server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(lsp.TEXT_DOCUMENT_DID_SAVE, lsp.SaveOptions(include_text=True))(did_save)
    server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)(did_close)
