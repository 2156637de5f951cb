"""Pulled diagnostics: ``textDocument/diagnostic`` (resultId, unchanged reports) and
``workspace/diagnostic`` over every `*.reml` file of the workspace, with progress."""

from __future__ import annotations

import hashlib
import uuid

from lsprotocol import types as lsp

from reml_lsp.lsp.indexing import workspace_ready
from reml_lsp.lsp.names import DIAGNOSTIC_IDENTIFIER
from reml_lsp.lsp.open_doc import OpenDoc
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.sync import lsp_diagnostics, record_published
from reml_lsp.lsp.uris import path_to_uri
from reml_lsp.lsp.workspace_diagnostics import disk_reports
from reml_lsp.workspace import reml_files


def result_id(ls: RemlServer, doc: OpenDoc) -> str:
    """Changes with the text, the locale and every save (a save always refreshes); not with the
    version alone: an undo back to the same text keeps the id and the client its report. Nor
    with what the document's imports are answered (``HostDocument.imports_changed``)."""
    ls.host.check_modules(doc.uri)
    digest = doc.cached("digest", lambda: hashlib.sha1(
        doc.src.text.encode("utf-8", "surrogatepass")).hexdigest()[:16])
    return f"{digest}:{ls.locale}:{ls.encoding}:{doc.saves}:{doc.src.imports_changed}"


def document_report(ls: RemlServer, doc: OpenDoc, previous: str | None):
    rid = result_id(ls, doc)
    doc.pending_since = None
    if previous == rid:
        return lsp.RelatedUnchangedDocumentDiagnosticReport(result_id=rid)
    items = lsp_diagnostics(ls, doc)
    record_published(ls, doc)
    return lsp.RelatedFullDocumentDiagnosticReport(items=items, result_id=rid)


def document_diagnostic(ls: RemlServer, params: lsp.DocumentDiagnosticParams):
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return lsp.RelatedFullDocumentDiagnosticReport(items=[])
    return document_report(ls, doc, params.previous_result_id)


async def workspace_diagnostic(ls: RemlServer, params: lsp.WorkspaceDiagnosticParams):
    previous = {p.uri: p.value for p in params.previous_result_ids or []}
    token = await _progress_token(ls, params.work_done_token)
    files = list(reml_files(ls.roots))
    if token is not None:
        ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(
            title="Reml: checking the workspace", percentage=0, cancellable=False))
    reports: list = []
    uris = [path_to_uri(path) for path in files]
    closed = [(path, u) for path, u in zip(files, uris, strict=True) if ls.doc(u) is None]

    def report(done: int, total: int) -> None:
        if token is not None and total:
            ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(
                message=f"{done}/{total} file(s)", percentage=int(100 * done / total)))

    try:
        # The closed files' findings and result ids depend on the workspace index (what the
        # modules they import declare): wait for it (cancellable), as references do, rather
        # than answer once without the cross-module checks and again with them.
        await workspace_ready(ls)
        # closed files: worker processes and the cache, off the event loop (cancellable)
        on_disk = await disk_reports(ls, closed, previous, report)
        for uri in uris:
            open_doc = ls.doc(uri)
            if open_doc is not None:
                rep = document_report(ls, open_doc, previous.get(uri))
                reports.append(_workspace_report(uri, open_doc.version, rep))
            elif uri in on_disk:
                reports.append(on_disk[uri])
    finally:
        if token is not None:
            ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd(
                message=f"{len(reports)} file(s) checked"))
    return lsp.WorkspaceDiagnosticReport(items=reports)


async def _progress_token(ls: RemlServer, token: lsp.ProgressToken | None
                          ) -> lsp.ProgressToken | None:
    """The client's work-done token, else one we create (None: no progress to report)."""
    if token is not None or not ls.work_done:
        return token
    token = str(uuid.uuid4())
    try:
        await ls.work_done_progress.create_async(token)
    except Exception:
        return None
    return token


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DIAGNOSTIC, lsp.DiagnosticOptions(
        identifier=DIAGNOSTIC_IDENTIFIER, inter_file_dependencies=False,
        workspace_diagnostics=True))(document_diagnostic)
    server.feature(lsp.WORKSPACE_DIAGNOSTIC)(workspace_diagnostic)


def _workspace_report(uri: str, version: int | None, report):
    if isinstance(report, lsp.RelatedUnchangedDocumentDiagnosticReport):
        return lsp.WorkspaceUnchangedDocumentDiagnosticReport(
            uri=uri, version=version, result_id=report.result_id)
    return lsp.WorkspaceFullDocumentDiagnosticReport(
        uri=uri, version=version, items=report.items, result_id=report.result_id)
