"""Hover: the signature and doc comment of the declaration a name refers to (functions, types,
variants, traits, effects, operations, handlers, lets, parameters)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from lark import Tree

from reml_lsp.analysis.comments import doc_comment
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.scopes import Binding, ScopeIndex
from reml_lsp.analysis.tree import Entry, child_tree, one_line, source, span

SIGNATURE_LIMIT = 400


@attrs.frozen
class HoverInfo:
    signature: str  # Reml source, one line
    doc: str | None
    start: int  # the hovered name
    end: int
    kind: str


def hover_at(text: str, entries: Sequence[Entry], scopes: ScopeIndex, index: LineIndex,
             offset: int) -> HoverInfo | None:
    binding, _ = scopes.target_at(offset)
    if binding is None:
        return None
    ref = scopes.reference_at(offset)
    start, end = (ref.start, ref.end) if ref is not None and scopes.binding_at(offset) is None \
        else (binding.start, binding.end)
    return describe(text, binding, index, start, end)


def describe(text: str, binding: Binding, index: LineIndex, start: int | None = None,
             end: int | None = None) -> HoverInfo:
    signature = signature_of(text, binding)
    doc = None
    if binding.decl is not None:
        decl_start = _decl_start(binding)
        if decl_start is not None:
            doc = doc_comment(text, index.starts, index.line_of(decl_start))
    return HoverInfo(signature, doc, binding.start if start is None else start,
                     binding.end if end is None else end, binding.kind)


def _decl_start(binding: Binding) -> int | None:
    decl = binding.decl
    if decl is None:
        return binding.start
    s = span(decl, binding.decl_dpos)
    return None if s is None else s[0]


def signature_of(text: str, b: Binding) -> str:
    decl, d = b.decl, b.decl_dpos
    if b.kind == "import":
        return f"use {b.path}" if b.path else f"use {b.name}"
    if decl is None:
        prefix = {"param": "param", "type_param": "type parameter", "let": "let",
                  "var": "var"}.get(b.kind, b.kind)
        return f"{prefix} {b.name}"
    data = decl.data
    if data == "fn_decl":
        sig = child_tree(decl, "fn_sig")
        return one_line(source(text, sig, d), SIGNATURE_LIMIT) if sig is not None else b.name
    if data == "fn_sig":
        return one_line(source(text, decl, d), SIGNATURE_LIMIT)
    if data in ("type_decl", "type_alias"):
        whole = one_line(source(text, decl, d), SIGNATURE_LIMIT)
        if b.kind == "variant":
            return f"{whole}\n(variant {b.name})"
        return whole
    if data in ("effect_decl", "trait_decl", "handler_decl", "conductor_decl"):
        return one_line(_header(text, decl, d), SIGNATURE_LIMIT)
    if data == "let_decl":
        return one_line(_let_header(text, decl, d), SIGNATURE_LIMIT)
    return one_line(source(text, decl, d), SIGNATURE_LIMIT)


def _header(text: str, decl: Tree, d: int) -> str:
    """The declaration up to its body's `{`, then its members in one line for effects."""
    whole = source(text, decl, d)
    if decl.data == "effect_decl":
        ops = [one_line(source(text, op, d)) for op in decl.children
               if isinstance(op, Tree) and op.data == "operation_decl"]
        head = whole.split("{", 1)[0].strip()
        return head + " { " + "; ".join(ops) + " }" if ops else head
    return whole.split("{", 1)[0].strip()


def _let_header(text: str, decl: Tree, d: int) -> str:
    whole = source(text, decl, d)
    head, sep, rest = whole.partition("=")
    value = one_line(rest)
    if len(value) > 60:
        value = value[:59] + "…"
    return f"{head.strip()} = {value}" if sep else head.strip()
