"""``textDocument/definition``, ``/references`` and ``/documentHighlight``: the host's targets
(code points in their files) as LSP locations."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.navigation import Target
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.lsp.convert import offset_of, range_of
from reml_lsp.lsp.indexing import unchanged_after, workspace_ready, workspace_soon
from reml_lsp.lsp.server import RemlServer


def _locations(ls: RemlServer, targets: list[Target]) -> list[lsp.Location]:
    out = []
    indexes: dict[str, LineIndex | None] = {}  # one per file, however many targets it has
    for t in targets:
        if t.key not in indexes:
            indexes[t.key] = ls.host.line_index(t.key)
        index = indexes[t.key]
        if index is not None:
            out.append(lsp.Location(uri=t.key, range=range_of(index, t.start, t.end,
                                                              ls.encoding)))
    return out


async def goto_definition(ls: RemlServer,
                          params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    await unchanged_after(ls, doc, workspace_soon(ls))
    offset = offset_of(doc.src.index, params.position, ls.encoding)
    return _locations(ls, ls.host.definition(doc.uri, offset)) or None


async def find_references(ls: RemlServer,
                          params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    # off-loop index build; $/cancelRequest lands here
    host = await unchanged_after(ls, doc, workspace_ready(ls))
    offset = offset_of(doc.src.index, params.position, ls.encoding)
    return _locations(ls, host.references(doc.uri, offset,
                                          params.context.include_declaration))


def document_highlight(ls: RemlServer, params: lsp.DocumentHighlightParams
                       ) -> list[lsp.DocumentHighlight] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.src.index
    offset = offset_of(index, params.position, ls.encoding)
    return [lsp.DocumentHighlight(
        range=range_of(index, s, e, ls.encoding),
        kind=lsp.DocumentHighlightKind.Write if is_def else lsp.DocumentHighlightKind.Read)
        for s, e, is_def in ls.host.highlights(doc.uri, offset)]


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DEFINITION)(goto_definition)
    server.feature(lsp.TEXT_DOCUMENT_REFERENCES)(find_references)
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)(document_highlight)
