"""Language features: completion, hover, document symbols, folding ranges, semantic tokens
(full and range), definition, references, document highlight."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.completion import complete
from reml_lsp.analysis.folding import folding_ranges
from reml_lsp.analysis.hover import describe
from reml_lsp.analysis.navigation import definition, highlights, references, resolve_target
from reml_lsp.analysis.positions import unit_length
from reml_lsp.analysis.semantic import TOKEN_MODIFIERS, TOKEN_TYPES, semantic_tokens
from reml_lsp.analysis.symbols import Symbol, document_symbols
from reml_lsp.analysis.tree import find_token_at
from reml_lsp.lsp.convert import offset_of, position, range_of
from reml_lsp.lsp.indexing import current_workspace, workspace_ready, workspace_soon
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.state import OpenDoc

SYMBOL_KIND = {
    "module": lsp.SymbolKind.Module, "function": lsp.SymbolKind.Function,
    "method": lsp.SymbolKind.Method, "type": lsp.SymbolKind.Struct,
    "variant": lsp.SymbolKind.EnumMember, "trait": lsp.SymbolKind.Interface,
    "impl": lsp.SymbolKind.Class, "effect": lsp.SymbolKind.Interface,
    "operation": lsp.SymbolKind.Method, "handler": lsp.SymbolKind.Class,
    "conductor": lsp.SymbolKind.Namespace, "pattern": lsp.SymbolKind.Function,
    "let": lsp.SymbolKind.Constant, "var": lsp.SymbolKind.Variable,
}
COMPLETION_KIND = {
    "keyword": lsp.CompletionItemKind.Keyword, "token": lsp.CompletionItemKind.Operator,
    "snippet": lsp.CompletionItemKind.Snippet, "module": lsp.CompletionItemKind.Module,
    "function": lsp.CompletionItemKind.Function, "method": lsp.CompletionItemKind.Method,
    "type": lsp.CompletionItemKind.Struct, "variant": lsp.CompletionItemKind.EnumMember,
    "trait": lsp.CompletionItemKind.Interface, "effect": lsp.CompletionItemKind.Interface,
    "operation": lsp.CompletionItemKind.Method, "handler": lsp.CompletionItemKind.Class,
    "conductor": lsp.CompletionItemKind.Module, "pattern": lsp.CompletionItemKind.Function,
    "let": lsp.CompletionItemKind.Variable, "var": lsp.CompletionItemKind.Variable,
    "param": lsp.CompletionItemKind.Variable,
    "type_param": lsp.CompletionItemKind.TypeParameter,
    "import": lsp.CompletionItemKind.Module,
}
LEGEND = lsp.SemanticTokensLegend(token_types=list(TOKEN_TYPES),
                                  token_modifiers=list(TOKEN_MODIFIERS))
TRIGGERS = [".", ":", "{", "|", "@"]


def _symbol(ls: RemlServer, doc: OpenDoc, s: Symbol) -> lsp.DocumentSymbol:
    index = doc.doc.index
    return lsp.DocumentSymbol(
        name=s.name, kind=SYMBOL_KIND.get(s.kind, lsp.SymbolKind.Variable),
        range=range_of(index, s.start, s.end, ls.encoding),
        selection_range=range_of(index, s.sel_start, s.sel_end, ls.encoding),
        detail=s.detail or None,
        children=[_symbol(ls, doc, c) for c in s.children] or None)


def encode_tokens(ls: RemlServer, doc: OpenDoc, toks) -> list[int]:
    index = doc.doc.index
    text = doc.doc.text
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


def register(server: RemlServer) -> None:
    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                    lsp.CompletionOptions(trigger_characters=TRIGGERS))
    async def completion(ls: RemlServer, params: lsp.CompletionParams
                         ) -> lsp.CompletionList | None:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        index = doc.doc.index
        offset = offset_of(index, params.position, ls.encoding)
        text = doc.doc.text
        cur = doc.module()
        from reml_lsp.analysis.completion import _MODULE_LINE, _USE_LINE, word_start

        start = word_start(text, offset)
        line_start = text.rfind("\n", 0, start) + 1
        before = text[line_start:start]
        needs_ws = bool(_USE_LINE.match(before) or _MODULE_LINE.match(before)
                        or before.endswith(".") or before.endswith("::"))
        complete_index = True
        if needs_ws:
            edits = doc.edits
            complete_index = await workspace_soon(ls)
            if ls.doc(params.text_document.uri) is not doc or doc.edits != edits:
                raise JsonRpcContentModified("the document changed")
        ws = current_workspace(ls) if needs_ws else ls.workspace_index
        expected = completion_terminals(doc.doc.expected_terminals(start))
        result = complete(text, offset, expected, cur, ws,
                          snippets=ls.snippets)
        rng = range_of(index, result.start, offset, ls.encoding)
        items = []
        for c in result.items:
            is_snippet = c.snippet is not None
            new_text = c.snippet if is_snippet else (c.insert or c.label)
            items.append(lsp.CompletionItem(
                label=c.label, kind=COMPLETION_KIND.get(c.kind, lsp.CompletionItemKind.Text),
                detail=c.detail or None, sort_text=c.sort,
                insert_text_format=lsp.InsertTextFormat.Snippet if is_snippet
                else lsp.InsertTextFormat.PlainText,
                text_edit=lsp.TextEdit(range=rng, new_text=new_text or "")))
        return lsp.CompletionList(is_incomplete=not complete_index, items=items)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    async def hover(ls: RemlServer, params: lsp.HoverParams) -> lsp.Hover | None:
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        index = doc.doc.index
        offset = offset_of(index, params.position, ls.encoding)
        cur = doc.module()
        binding, _ = cur.scopes.target_at(offset)
        need_workspace = binding is None or binding.kind == "import"
        if need_workspace:
            edits = doc.edits
            await workspace_soon(ls)
            if ls.doc(params.text_document.uri) is not doc or doc.edits != edits:
                raise JsonRpcContentModified("the document changed")
        ws = current_workspace(ls) if need_workspace else ls.workspace_index
        mod, target, _ = resolve_target(ws, cur, offset)
        if target is None:
            return None
        found = find_token_at(cur.entries, offset)
        if found is None:
            return None
        tok, dpos, _ = found
        info = describe(mod.text, target, index if mod is cur else _index_of(mod),
                        tok.start_pos + dpos, tok.end_pos + dpos)
        value = f"```reml\n{info.signature}\n```"
        if info.doc:
            value += "\n\n" + info.doc
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=value),
                         range=range_of(index, info.start, info.end, ls.encoding))

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: RemlServer, params: lsp.DocumentSymbolParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        syms = doc.cached("symbols", lambda: document_symbols(doc.doc.text, doc.entries()))
        return [_symbol(ls, doc, s) for s in syms]

    @server.feature(lsp.TEXT_DOCUMENT_FOLDING_RANGE)
    def folding(ls: RemlServer, params: lsp.FoldingRangeParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        folds = folding_ranges(doc.doc.text, doc.entries(), doc.doc.index)
        kinds = {"comment": lsp.FoldingRangeKind.Comment,
                 "imports": lsp.FoldingRangeKind.Imports,
                 "region": lsp.FoldingRangeKind.Region}
        return [lsp.FoldingRange(start_line=f.start_line, end_line=f.end_line,
                                 kind=kinds.get(f.kind) if f.kind else None) for f in folds]

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
                    lsp.SemanticTokensRegistrationOptions(legend=LEGEND, full=True, range=True))
    def tokens_full(ls: RemlServer, params: lsp.SemanticTokensParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return lsp.SemanticTokens(data=[])
        cur = doc.module()
        toks = doc.cached("semantic", lambda: semantic_tokens(
            doc.doc.text, cur.entries, cur.scopes, cache=doc.semantic))
        return lsp.SemanticTokens(data=encode_tokens(ls, doc, toks))

    @server.feature(lsp.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, LEGEND)
    def tokens_range(ls: RemlServer, params: lsp.SemanticTokensRangeParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return lsp.SemanticTokens(data=[])
        index = doc.doc.index
        start = offset_of(index, params.range.start, ls.encoding)
        end = offset_of(index, params.range.end, ls.encoding)
        cur = doc.module()
        toks = [t for t in semantic_tokens(doc.doc.text, cur.entries, cur.scopes, start, end,
                                           cache=doc.semantic)
                if t[1] > start and t[0] < end]
        return lsp.SemanticTokens(data=encode_tokens(ls, doc, toks))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    async def goto_definition(ls: RemlServer, params: lsp.DefinitionParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        edits = doc.edits
        await workspace_soon(ls)
        if ls.doc(params.text_document.uri) is not doc or doc.edits != edits:
            raise JsonRpcContentModified("the document changed")
        offset = offset_of(doc.doc.index, params.position, ls.encoding)
        ws = current_workspace(ls)
        targets = definition(ws, doc.module(), offset)
        return [_location(ls, ws, t) for t in targets] or None

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    async def find_references(ls: RemlServer, params: lsp.ReferenceParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        edits = doc.edits
        host = await workspace_ready(ls)  # off-loop index build; $/cancelRequest lands here
        if ls.doc(params.text_document.uri) is not doc or doc.edits != edits:
            raise JsonRpcContentModified("the document changed while the index was built")
        offset = offset_of(doc.doc.index, params.position, ls.encoding)
        targets = references(host.index, doc.module(), offset,
                             params.context.include_declaration)
        return [_location(ls, host.index, t) for t in targets]

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT)
    def document_highlight(ls: RemlServer, params: lsp.DocumentHighlightParams):
        doc = ls.doc(params.text_document.uri)
        if doc is None:
            return None
        index = doc.doc.index
        offset = offset_of(index, params.position, ls.encoding)
        return [lsp.DocumentHighlight(
            range=range_of(index, s, e, ls.encoding),
            kind=lsp.DocumentHighlightKind.Write if is_def else lsp.DocumentHighlightKind.Read)
            for s, e, is_def in highlights(doc.module(), offset)]


def _index_of(mod):
    from reml_lsp.analysis.positions import LineIndex

    return LineIndex(mod.text)


def _location(ls: RemlServer, ws, target) -> lsp.Location:
    mod = ws.module(target.key)
    open_doc = ls.doc(target.key)
    index = open_doc.doc.index if open_doc is not None else _index_of(mod)
    return lsp.Location(uri=target.key,
                        range=lsp.Range(start=position(index, target.start, ls.encoding),
                                        end=position(index, target.end, ls.encoding)))
