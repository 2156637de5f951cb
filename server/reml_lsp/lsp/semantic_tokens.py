"""``textDocument/semanticTokens/full`` and ``/range``: the analysis's (start, end, type,
modifiers) tokens, split at line ends and delta-encoded in the negotiated position encoding."""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types as lsp

from reml_lsp.analysis.positions import unit_length
from reml_lsp.analysis.semantic import TOKEN_MODIFIERS, TOKEN_TYPES
from reml_lsp.lsp.convert import offset_of
from reml_lsp.lsp.open_doc import OpenDoc
from reml_lsp.lsp.server import RemlServer

LEGEND = lsp.SemanticTokensLegend(token_types=list(TOKEN_TYPES),
                                  token_modifiers=list(TOKEN_MODIFIERS))


def encode_tokens(ls: RemlServer, doc: OpenDoc,
                  toks: Iterable[tuple[int, int, int, int]]) -> list[int]:
    """(start, end, type, modifiers) in code points → LSP's relative encoding, each token split
    at line ends, lengths in the negotiated encoding."""
    index = doc.src.index
    text = doc.src.text
    enc = ls.encoding
    data: list[int] = []
    prev_line = prev_char = 0
    for start, end, ttype, mods in toks:
        line = index.line_of(start)
        while start < end:
            line_end = index.starts[line + 1] - 1 if line + 1 < len(index.starts) else len(text)
            piece_end = min(end, line_end)
            if piece_end > start:
                _, char = index.to_lsp(start, enc)
                length = unit_length(text[start:piece_end], enc)
                delta_line = line - prev_line
                delta_char = char - prev_char if delta_line == 0 else char
                data.extend((delta_line, delta_char, length, ttype, mods))
                prev_line, prev_char = line, char
            line += 1
            if line >= len(index.starts):
                break
            start = index.starts[line]
    return data


def tokens_full(ls: RemlServer, params: lsp.SemanticTokensParams) -> lsp.SemanticTokens:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return lsp.SemanticTokens(data=[])
    return lsp.SemanticTokens(data=encode_tokens(ls, doc, ls.host.semantic_tokens(doc.uri)))


def tokens_range(ls: RemlServer, params: lsp.SemanticTokensRangeParams) -> lsp.SemanticTokens:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return lsp.SemanticTokens(data=[])
    index = doc.src.index
    start = offset_of(index, params.range.start, ls.encoding)
    end = offset_of(index, params.range.end, ls.encoding)
    return lsp.SemanticTokens(data=encode_tokens(ls, doc,
                                                 ls.host.semantic_tokens(doc.uri, start, end)))


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                   lsp.SemanticTokensRegistrationOptions(legend=LEGEND, full=True,
                                                         range=True))(tokens_full)
    server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)(tokens_range)
