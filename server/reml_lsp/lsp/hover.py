"""``textDocument/hover``: ``analysis.hover.hover_at`` (the tested function) in LSP terms."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.hover import hover_at, needs_workspace
from reml_lsp.lsp.convert import offset_of, range_of
from reml_lsp.lsp.indexing import current_workspace, unchanged_after, workspace_soon
from reml_lsp.lsp.server import RemlServer


async def hover(ls: RemlServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.doc.index
    offset = offset_of(index, params.position, ls.encoding)
    cur = doc.module()
    across = needs_workspace(cur, offset)
    if across:
        await unchanged_after(ls, doc, workspace_soon(ls))
    ws = current_workspace(ls) if across else ls.workspace_index
    info = hover_at(ws, cur, index, offset)
    if info is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                value=info.markdown()),
                     range=range_of(index, info.start, info.end, ls.encoding))


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)
