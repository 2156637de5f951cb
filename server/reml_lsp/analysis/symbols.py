"""Document symbols: the hierarchical outline of a file (module, functions, types and their
variants, traits and their methods, impls, effects and their operations, handlers, conductors,
top-level lets)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from lark import Token, Tree

from reml_lsp.analysis.decl_names import (
    DECL_KINDS,
    child_tree_list,
    decl_name_token,
    fn_name_token,
    pattern_names,
)
from reml_lsp.analysis.tree import Entry, child_tree, decl_of, name_token, one_line, source, span


@attrs.frozen
class Symbol:
    name: str
    kind: str  # module function method type variant trait impl effect operation handler
    #            conductor pattern let var
    start: int  # whole declaration
    end: int
    sel_start: int  # its name
    sel_end: int
    detail: str = ""
    children: tuple[Symbol, ...] = ()


def document_symbols(text: str, entries: Sequence[Entry]) -> list[Symbol]:
    out: list[Symbol] = []
    for tree, dpos in entries:
        decl, _ = decl_of(tree)
        if decl is None:
            continue
        sym = _symbol(text, decl, dpos, span(tree, dpos))
        if sym is not None:
            out.extend(sym)
    return out


def _make(name_tok: Token | None, kind: str, whole: tuple[int, int] | None, dpos: int,
          detail: str = "", children: Sequence[Symbol] = (), name: str | None = None
          ) -> Symbol | None:
    if whole is None:
        return None
    if name_tok is not None and name_tok.value:
        sel = (name_tok.start_pos + dpos, name_tok.end_pos + dpos)
    else:
        sel = (whole[0], whole[0])
    label = name or (str(name_tok) if name_tok is not None and name_tok.value else "")
    if not label:
        return None
    start, end = min(whole[0], sel[0]), max(whole[1], sel[1])
    return Symbol(label, kind, start, end, sel[0], sel[1], detail, tuple(children))


def _symbol(text: str, decl: Tree, dpos: int, whole: tuple[int, int] | None) -> list[Symbol]:
    kind = decl.data
    if kind == "module_header":
        path = child_tree(decl, "module_path")
        name = source(text, path, dpos) if path is not None else ""
        first = name_token(path) if path is not None else None
        sym = _make(first, "module", whole, dpos, name=name or None)
        return [sym] if sym else []
    if kind == "module_block":  # `module name { items }`: the items are its children
        path = child_tree(decl, "module_path")
        members = []
        for item in decl.children:
            if isinstance(item, Tree) and item.data != "module_path":
                inner, _ = decl_of(item)
                if inner is not None:
                    members.extend(_symbol(text, inner, dpos, span(item, dpos)))
        first = name_token(path) if path is not None else None
        name = source(text, path, dpos) if path is not None else ""
        sym = _make(first, "module", whole, dpos, name=name or None, children=members)
        return [sym] if sym else []
    if kind == "let_decl":
        mode = "var" if decl.children and getattr(decl.children[0], "type", "") == "VAR" else "let"
        out = []
        for tok in pattern_names(next((c for c in decl.children if isinstance(c, Tree)), None)):
            sym = _make(tok, mode, whole, dpos, detail=_detail(text, decl, dpos))
            if sym:
                out.append(sym)
        return out
    if kind == "fn_decl":
        sig = child_tree(decl, "fn_sig")
        detail = _sig_detail(text, sig, dpos) if sig is not None else ""
        sym = _make(decl_name_token(decl), "function", whole, dpos, detail)
        return [sym] if sym else []
    if kind in ("type_decl", "type_alias", "enum_decl", "struct_decl"):
        children = [s for s in (_make(v, "variant", span(v, dpos), dpos)
                                for v in _variant_nodes(decl)) if s]
        sym = _make(name_token(decl), "type", whole, dpos, _detail(text, decl, dpos), children)
        return [sym] if sym else []
    if kind == "trait_decl":
        methods = []
        for item in child_tree_list(decl, "trait_item"):
            sig = child_tree(item, "fn_sig")
            if sig is not None:
                s = _make(fn_name_token(sig), "method", span(item, dpos), dpos,
                          _sig_detail(text, sig, dpos))
                if s:
                    methods.append(s)
        sym = _make(name_token(decl), "trait", whole, dpos, children=methods)
        return [sym] if sym else []
    if kind == "impl_decl":
        members = []
        for item in child_tree_list(decl, "decl_item"):
            inner, _ = decl_of(item)
            if inner is not None:
                for s in _symbol(text, inner, dpos, span(item, dpos)):
                    members.append(attrs.evolve(s, kind="method") if s.kind == "function" else s)
        header = _impl_header(text, decl, dpos)
        first = next((c for c in decl.children if isinstance(c, Token) and c.value), None)
        sym = _make(first, "impl", whole, dpos, children=members, name=header)
        return [sym] if sym else []
    if kind == "extern_decl":
        fns = [s for s in (_make(fn_name_token(sig), "function", span(sig, dpos), dpos,
                                 _sig_detail(text, sig, dpos))
                           for sig in decl.find_data("fn_sig")) if s]
        return fns
    if kind == "effect_decl":
        ops = [s for s in (_make(name_token(op), "operation", span(op, dpos), dpos,
                                 _detail(text, op, dpos))
                           for op in child_tree_list(decl, "operation_decl")) if s]
        sym = _make(name_token(decl), "effect", whole, dpos, children=ops)
        return [sym] if sym else []
    if kind == "handler_decl":
        body = child_tree(decl, "handler_body")
        ops = []
        if body is not None:
            for entry in body.children:
                if isinstance(entry, Tree) and entry.data in ("handler_entry", "handler_return"):
                    tok = name_token(entry) if entry.data == "handler_entry" else None
                    s = _make(tok, "operation", span(entry, dpos), dpos,
                              name=None if tok else "return")
                    if s:
                        ops.append(s)
        sym = _make(name_token(decl), "handler", whole, dpos, children=ops)
        return [sym] if sym else []
    if kind in DECL_KINDS:
        sym = _make(decl_name_token(decl), DECL_KINDS[kind], whole, dpos)
        return [sym] if sym else []
    return []


def _variant_nodes(decl: Tree) -> list:
    out = []
    for child in decl.children:
        # `type T = | A | B(…)` keeps its variants in a sum_type; `enum T = A | B` directly
        # (its second child is the enum's own name).
        inner = child.children if isinstance(child, Tree) and child.data == "sum_type" else \
            [child] if decl.data == "enum_decl" and child is not decl.children[1] else None
        if inner is not None:
            for v in inner:
                if isinstance(v, Token) and v.type in ("IDENT", "UPPER_IDENT"):
                    out.append(v)
                elif isinstance(v, Tree) and v.data == "variant_with_payload":
                    out.append(v)
    return [name_token(v) if isinstance(v, Tree) else v for v in out if v is not None]


def _detail(text: str, node: Tree, dpos: int) -> str:
    return one_line(source(text, node, dpos), 80)


def _sig_detail(text: str, sig: Tree, dpos: int) -> str:
    parts = [c for c in sig.children if isinstance(c, Tree) and c.data != "fn_name"]
    if not parts:
        return ""
    start = span(parts[0], dpos)
    end = span(parts[-1], dpos)
    if start is None or end is None:
        return ""
    return one_line(text[start[0]:end[1]], 80)


def _impl_header(text: str, decl: Tree, dpos: int) -> str:
    parts = []
    for child in decl.children:
        if isinstance(child, Token) and child.type == "LBRACE":
            break
        if isinstance(child, Tree) and child.data == "where_clause":
            break
        parts.append(child)
    if not parts:
        return "impl"
    s, e = span(parts[0], dpos), span(parts[-1], dpos)
    if s is None or e is None:
        return "impl"
    return one_line(text[s[0]:e[1]], 80)
