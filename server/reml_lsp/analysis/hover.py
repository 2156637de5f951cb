"""Hover: the signature and doc comment of the declaration a name refers to (functions, types,
variants, traits, effects, operations, handlers, lets, parameters)."""

from __future__ import annotations

import attrs
from lark import Tree

from reml_lsp.analysis.comments import doc_comment
from reml_lsp.analysis.modules import ModuleInfo, WorkspaceIndex
from reml_lsp.analysis.navigation import resolve_target
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.scopes import Binding
from reml_lsp.analysis.tree import child_tree, find_token_at, one_line, source, span

SIGNATURE_LIMIT = 400


@attrs.frozen
class HoverInfo:
    signature: str  # Reml source, one line
    doc: str | None
    start: int  # the hovered name
    end: int
    kind: str

    def markdown(self) -> str:
        """The signature as a Reml code block, then the doc comment."""
        value = f"```reml\n{self.signature}\n```"
        return value + "\n\n" + self.doc if self.doc else value


def needs_workspace(cur: ModuleInfo, offset: int) -> bool:
    """Whether the name at ``offset`` may be declared in another module (an import, or no
    local binding: a member of an imported module); the server then waits briefly for the
    workspace index."""
    binding, _ = cur.scopes.target_at(offset)
    return binding is None or binding.kind == "import"


def hover_at(ws: WorkspaceIndex, cur: ModuleInfo, index: LineIndex,
             offset: int) -> HoverInfo | None:
    """The declaration the name at ``offset`` denotes — in ``cur`` or, through an import or a
    member access, in another module of ``ws`` — with the hovered token's span in ``cur``.
    ``index`` is ``cur``'s line index (the server passes the open document's)."""
    mod, target, _ = resolve_target(ws, cur, offset)
    if target is None:
        return None
    found = find_token_at(cur.entries, offset)
    if found is None:
        return None
    tok, dpos, _ = found
    return describe(mod.text, target, index if mod is cur else LineIndex(mod.text),
                    tok.start_pos + dpos, tok.end_pos + dpos)


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
