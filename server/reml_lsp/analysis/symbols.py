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


# One symbol as plain data: (name, kind, start, end, sel_start, sel_end, detail, children).
# The outline turns records into ``Symbol`` trees; the workspace index reads them directly
# (a few thousand files at start-up: no objects it would throw away).
Record = tuple[str, str, int, int, int, int, str, tuple["Record", ...]]
ALL_LEVELS = -1


def document_symbols(text: str, entries: Sequence[Entry]) -> list[Symbol]:
    out: list[Symbol] = []
    for tree, dpos in entries:
        decl, _ = decl_of(tree)
        if decl is None:
            continue
        out.extend(_to_symbol(r) for r in symbol_records(text, decl, dpos, span(tree, dpos)))
    return out


def _to_symbol(r: Record) -> Symbol:
    return Symbol(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(_to_symbol(c) for c in r[7]))


def _make(name_tok: Token | None, kind: str, whole: tuple[int, int] | None, dpos: int,
          detail: str = "", children: Sequence[Record] = (), name: str | None = None
          ) -> Record | None:
    if whole is None:
        return None
    if name_tok is not None and name_tok.value:
        s0, s1 = name_tok.start_pos + dpos, name_tok.end_pos + dpos
    else:
        s0 = s1 = whole[0]
    label = name or (str(name_tok) if name_tok is not None and name_tok.value else "")
    if not label:
        return None
    return (label, kind, min(whole[0], s0), max(whole[1], s1), s0, s1, detail, tuple(children))


def symbol_records(text: str, decl: Tree, dpos: int, whole: tuple[int, int] | None,
                   levels: int = ALL_LEVELS) -> list[Record]:
    """The symbols a declaration node declares (``whole``: the span of its item); their
    children down to ``levels`` levels (``ALL_LEVELS``: all, as the outline shows them)."""
    kind = decl.data
    deep = levels != 0
    if kind == "fn_decl":  # the most frequent: first
        sig = child_tree(decl, "fn_sig")
        detail = _sig_detail(text, sig, dpos) if sig is not None else ""
        sym = _make(fn_name_token(sig) if sig is not None else None, "function", whole, dpos,
                    detail)
        return [sym] if sym else []
    if kind == "module_header":
        path = child_tree(decl, "module_path")
        name = source(text, path, dpos) if path is not None else ""
        first = name_token(path) if path is not None else None
        sym = _make(first, "module", whole, dpos, name=name or None)
        return [sym] if sym else []
    if kind == "module_block":  # `module name { items }`: the items are its children
        path = child_tree(decl, "module_path")
        members: list[Record] = []
        for item in decl.children if deep else ():
            if isinstance(item, Tree) and item.data not in ("module_path", "attrs"):
                inner, _ = decl_of(item)
                if inner is not None:
                    members.extend(symbol_records(text, inner, dpos, span(item, dpos),
                                                  levels - 1))
        first = name_token(path) if path is not None else None
        name = source(text, path, dpos) if path is not None else ""
        sym = _make(first, "module", whole, dpos, name=name or None, children=members)
        return [sym] if sym else []
    if kind == "let_decl":
        mode = "var" if decl.children and getattr(decl.children[0], "type", "") == "VAR" else "let"
        toks = pattern_names(next((c for c in decl.children if isinstance(c, Tree)), None))
        detail = _detail(text, decl, dpos) if toks else ""
        return [sym for sym in (_make(tok, mode, whole, dpos, detail=detail) for tok in toks)
                if sym]
    if kind in ("type_decl", "type_alias", "enum_decl", "struct_decl"):
        children = [s for s in (_make(v, "variant", span(v, dpos), dpos)
                                for v in _variant_nodes(decl)) if s] if deep else []
        sym = _make(name_token(decl), "type", whole, dpos, _detail(text, decl, dpos), children)
        return [sym] if sym else []
    if kind == "trait_decl":
        methods = []
        for item in child_tree_list(decl, "trait_item") if deep else ():
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
        for item in child_tree_list(decl, "decl_item") if deep else ():
            inner, _ = decl_of(item)
            if inner is not None:
                for s in symbol_records(text, inner, dpos, span(item, dpos), levels - 1):
                    members.append((*s[:1], "method", *s[2:]) if s[1] == "function" else s)
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
                           for op in child_tree_list(decl, "operation_decl")) if s] \
            if deep else []
        sym = _make(name_token(decl), "effect", whole, dpos, children=ops)
        return [sym] if sym else []
    if kind == "handler_decl":
        body = child_tree(decl, "handler_body") if deep else None
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
