"""``textDocument/documentSymbol`` and ``textDocument/foldingRange``: the host's outline and
folds in LSP terms."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.symbols import Symbol
from reml_lsp.lsp.convert import range_of
from reml_lsp.lsp.server import RemlServer

SYMBOL_KIND = {
    "module": lsp.SymbolKind.Module, "function": lsp.SymbolKind.Function,
    "method": lsp.SymbolKind.Method, "type": lsp.SymbolKind.Struct,
    "variant": lsp.SymbolKind.EnumMember, "trait": lsp.SymbolKind.Interface,
    "impl": lsp.SymbolKind.Class, "effect": lsp.SymbolKind.Interface,
    "operation": lsp.SymbolKind.Method, "handler": lsp.SymbolKind.Class,
    "conductor": lsp.SymbolKind.Namespace, "pattern": lsp.SymbolKind.Function,
    "let": lsp.SymbolKind.Constant, "var": lsp.SymbolKind.Variable,
}
FOLDING_KIND = {"comment": lsp.FoldingRangeKind.Comment,
                "imports": lsp.FoldingRangeKind.Imports,
                "region": lsp.FoldingRangeKind.Region}


def _symbol(index: LineIndex, encoding: str, s: Symbol) -> lsp.DocumentSymbol:
    return lsp.DocumentSymbol(
        name=s.name, kind=SYMBOL_KIND.get(s.kind, lsp.SymbolKind.Variable),
        range=range_of(index, s.start, s.end, encoding),
        selection_range=range_of(index, s.sel_start, s.sel_end, encoding),
        detail=s.detail or None,
        children=[_symbol(index, encoding, c) for c in s.children] or None)


def symbols(ls: RemlServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.src.index
    return [_symbol(index, ls.encoding, s) for s in ls.host.document_symbols(doc.uri)]


def folding(ls: RemlServer, params: lsp.FoldingRangeParams) -> list[lsp.FoldingRange] | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    return [lsp.FoldingRange(start_line=f.start_line, end_line=f.end_line,
                             kind=FOLDING_KIND.get(f.kind) if f.kind else None)
            for f in ls.host.folding(doc.uri)]


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(symbols)
    server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)(folding)
