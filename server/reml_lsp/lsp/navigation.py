"""``textDocument/definition``, ``/references`` and ``/documentHighlight``: targets from
``analysis.navigation`` as LSP locations."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.modules import WorkspaceIndex
from reml_lsp.analysis.navigation import Target, definition, highlights, references
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.lsp.convert import offset_of, position, range_of
from reml_lsp.lsp.indexing import (
    current_workspace,
    unchanged_after,
    workspace_ready,
    workspace_soon,
)
from reml_lsp.lsp.server import RemlServer


def _location(ls: RemlServer, ws: WorkspaceIndex, target: Target) -> lsp.Location:
    open_doc = ls.doc(target.key)
    index = open_doc.doc.index if open_doc is not None else LineIndex(ws.module(target.key).text)
    return lsp.Location(uri=target.key,
                        range=lsp.Range(start=position(index, target.start, ls.encoding),
                                        end=position(index, target.end, ls.encoding)))


async def goto_definition(ls: RemlServer,
                          params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    await unchanged_after(ls, doc, workspace_soon(ls))
    offset = offset_of(doc.doc.index, params.position, ls.encoding)
    ws = current_workspace(ls)
    targets = definition(ws, doc.module(), offset)
    return [_location(ls, ws, t) for t in targets] or None


async def find_references(ls: RemlServer,
                          params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    # off-loop index build; $/cancelRequest lands here
    host = await unchanged_after(ls, doc, workspace_ready(ls))
    offset = offset_of(doc.doc.index, params.position, ls.encoding)
    targets = references(host.index, doc.module(), offset, params.context.include_declaration)
    return [_location(ls, host.index, t) for t in targets]


def document_highlight(ls: RemlServer, params: lsp.DocumentHighlightParams
                       ) -> list[lsp.DocumentHighlight] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.doc.index
    offset = offset_of(index, params.position, ls.encoding)
    return [lsp.DocumentHighlight(
        range=range_of(index, s, e, ls.encoding),
        kind=lsp.DocumentHighlightKind.Write if is_def else lsp.DocumentHighlightKind.Read)
        for s, e, is_def in highlights(doc.module(), offset)]


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DEFINITION)(goto_definition)
    server.feature(lsp.TEXT_DOCUMENT_REFERENCES)(find_references)
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(document_highlight)
