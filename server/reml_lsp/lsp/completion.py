"""``textDocument/completion``: converts positions and candidates; ``analysis.completion``
classifies the caret and chooses the candidates."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.completion import complete, completion_context
from reml_lsp.lsp.convert import offset_of, range_of
from reml_lsp.lsp.indexing import current_workspace, unchanged_after, workspace_soon
from reml_lsp.lsp.server import RemlServer

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
TRIGGERS = [".", ":", "{", "|", "@"]


async def completion(ls: RemlServer, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    doc = ls.doc(params.text_document.uri)
    if doc is None:
        return None
    index = doc.doc.index
    offset = offset_of(index, params.position, ls.encoding)
    text = doc.doc.text
    context = completion_context(text, offset)
    complete_index = True
    if context.needs_workspace:
        complete_index = await unchanged_after(ls, doc, workspace_soon(ls))
    ws = current_workspace(ls) if context.needs_workspace else ls.workspace_index
    expected = completion_terminals(doc.doc.expected_terminals(context.start))
    result = complete(text, offset, expected, doc.module(), ws, snippets=ls.snippets,
                      context=context)
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


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                   lsp.CompletionOptions(trigger_characters=TRIGGERS))(completion)
