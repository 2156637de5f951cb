"""``textDocument/hover``: the host's ``hover`` (``analysis.hover.hover_at``) in LSP terms."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.lsp.convert import offset_of, range_of
from reml_lsp.lsp.indexing import unchanged_after, workspace_soon
from reml_lsp.lsp.server import RemlServer


async def hover(ls: RemlServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    host, key = ls.host, doc.uri
    offset = offset_of(doc.src.index, params.position, ls.encoding)
    if host.hover_needs_index(key, offset):
        await unchanged_after(ls, doc, workspace_soon(ls))
    info = host.hover(key, offset)
    if info is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown,
                                                value=info.markdown()),
                     range=range_of(doc.src.index, info.start, info.end, ls.encoding))


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_HOVER)(hover)
