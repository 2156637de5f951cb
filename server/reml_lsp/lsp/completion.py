"""``textDocument/completion``: converts positions and candidates; the host's
``completion_context`` classifies the caret (once) and ``completion`` chooses the candidates."""

from __future__ import annotations

from lsprotocol import types as lsp

from reml_lsp.analysis.completion import Candidate
from reml_lsp.lsp.convert import offset_of, range_of
from reml_lsp.lsp.indexing import unchanged_after, workspace_soon
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
    host, key = ls.host, doc.uri
    offset = offset_of(doc.src.index, params.position, ls.encoding)
    context = host.completion_context(key, offset)
    complete_index = True
    if context is not None and context.needs_workspace:
        complete_index = await unchanged_after(ls, doc, workspace_soon(ls))
    result = host.completion(key, offset, snippets=ls.snippets, context=context)
    if result is None:
        return None
    rng = range_of(doc.src.index, result.start, offset, ls.encoding)
    return lsp.CompletionList(is_incomplete=not complete_index,
                              items=[_item(c, rng) for c in result.items])


def _item(c: Candidate, rng: lsp.Range) -> lsp.CompletionItem:
    is_snippet = c.snippet is not None
    new_text = c.snippet if is_snippet else (c.insert or c.label)
    return lsp.CompletionItem(
        label=c.label, kind=COMPLETION_KIND.get(c.kind, lsp.CompletionItemKind.Text),
        detail=c.detail or None, sort_text=c.sort,
        insert_text_format=lsp.InsertTextFormat.Snippet if is_snippet
        else lsp.InsertTextFormat.PlainText,
        text_edit=lsp.TextEdit(range=rng, new_text=new_text or ""))


def register(server: RemlServer) -> None:
    server.feature(lsp.TEXT_DOCUMENT_COMPLETION,
                   lsp.CompletionOptions(trigger_characters=TRIGGERS))(completion)
