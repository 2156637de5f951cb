"""`workspace/symbol` over the compact workspace index (fuzzy; waits for the first index build,
cancellable)."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.lsp.indexing import workspace_ready
from reml_lsp.lsp.outline import SYMBOL_KIND
from reml_lsp.lsp.server import RemlServer


async def workspace_symbol(ls: RemlServer, params: lsp.WorkspaceSymbolParams
                           ) -> list[lsp.WorkspaceSymbol]:
    host = await workspace_ready(ls)
    out = []
    for key, sym in host.workspace_symbols(params.query):
        start, end = sym.columns(ls.encoding)
        container = sym.container or host.module_of(key)
        out.append(lsp.WorkspaceSymbol(
            name=sym.name, kind=SYMBOL_KIND.get(sym.kind, lsp.SymbolKind.Variable),
            container_name=container or None,
            location=lsp.Location(uri=key, range=lsp.Range(
                start=lsp.Position(sym.line, start), end=lsp.Position(sym.line, end)))))
    return out


def register(server: RemlServer) -> None:
    server.feature(lsp.WORKSPACE_SYMBOL,
                   lsp.WorkspaceSymbolOptions(resolve_provider=False))(workspace_symbol)
