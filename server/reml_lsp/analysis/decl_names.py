"""Names that declarations, patterns and ``use`` trees introduce: small readers over parse
trees shared by scopes, symbols and the name-resolution checks."""

from __future__ import annotations

from collections.abc import Iterable

from lark import Token, Tree

from reml_lsp.analysis.tree import NAME_TYPES, child_tree, name_token

# Declaration node → binding kind of its name.
DECL_KINDS = {
    "fn_decl": "function",
    "type_decl": "type",
    "type_alias": "type",
    "trait_decl": "trait",
    "effect_decl": "effect",
    "handler_decl": "handler",
    "conductor_decl": "conductor",
    "active_pattern_decl": "pattern",
    "struct_decl": "type",
    "enum_decl": "type",
    "const_decl": "let",
    "let_fn": "function",
    "macro_decl": "function",
    "actor_spec_decl": "type",
}


def child_tree_list(node: Tree, name: str) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data == name]


def first_type(node: Tree) -> str | None:
    first = node.children[0] if node.children else None
    return first.type if isinstance(first, Token) else None


def let_pattern(let: Tree):
    for child in let.children:
        if isinstance(child, Tree) and child.data != "type_annot":
            return child
    return None


def let_function(pattern) -> tuple[Token, list[Tree]] | None:
    """``let f(x, y) = …`` (a lower-case "constructor" pattern on the left of a ``let``): the
    function-definition form the spec's snippets use. Returns (name, parameter patterns)."""
    if not isinstance(pattern, Tree) or pattern.data != "ctor_pattern" or not pattern.children:
        return None
    head = pattern.children[0]
    if not isinstance(head, Tree) or len(head.children) != 1:
        return None
    tok = head.children[0]
    if not isinstance(tok, Token) or not is_binding_name(tok):
        return None
    params: list[Tree] = []
    for child in pattern.children[1:]:
        if isinstance(child, Tree) and child.data == "pattern_items":
            params.extend(c for c in child.children if isinstance(c, Tree))
        elif isinstance(child, Tree):
            params.append(child)
    return tok, params


def is_binding_name(tok: Token) -> bool:
    name = str(tok)
    return tok.type == "IDENT" and name != "_" and not name[:1].isupper()


def pattern_names(pattern) -> list[Token]:
    """Variables a pattern binds (lower-case single names, `x @ p`, `p as x`, `..rest`)."""
    out: list[Token] = []
    if pattern is None or isinstance(pattern, Token):
        return out
    stack = [pattern]
    while stack:
        node = stack.pop()
        if not isinstance(node, Tree):
            continue
        data = node.data
        if data == "name_pattern":
            path = node.children[0] if node.children else None
            if isinstance(path, Tree) and len(path.children) == 1:
                tok = path.children[0]
                if isinstance(tok, Token) and is_binding_name(tok):
                    out.append(tok)
            continue
        if data == "ctor_pattern":
            stack.extend(c for c in node.children[1:] if isinstance(c, Tree))
            continue
        if data in ("at_pattern", "rest_pattern"):
            tok = name_token(node)
            if tok is not None:
                out.append(tok)
        elif data == "as_pattern":
            last = node.children[-1]
            if isinstance(last, Token) and last.type in NAME_TYPES:
                out.append(last)
        elif data == "field_pattern":
            tok = name_token(node)
            if tok is not None and len(node.children) == 1:
                out.append(tok)
            stack.extend(c for c in node.children[1:] if isinstance(c, Tree))
            continue
        elif data in ("active_pattern", "active_name"):
            stack.extend(c for c in node.children if isinstance(c, Tree) and
                         c.data != "active_name")
            continue
        stack.extend(c for c in node.children if isinstance(c, Tree))
    out.sort(key=lambda t: t.start_pos)
    return out


def pattern_ctors(pattern) -> list[Token]:
    """Constructor names a pattern refers to (``Some(x)``, ``None``, ``Shape.Circle``)."""
    out: list[Token] = []
    if not isinstance(pattern, Tree):
        return out
    for node in pattern.iter_subtrees():
        if node.data == "pattern_path":
            first = node.children[0] if node.children else None
            if isinstance(first, Token) and (len(node.children) > 1 or not is_binding_name(first)):
                if first.type in NAME_TYPES and str(first) != "_":
                    out.append(first)
    return out


def fn_name_token(sig: Tree) -> Token | None:
    fname = child_tree(sig, "fn_name")
    if fname is None:
        return None
    names = [c for c in fname.children if isinstance(c, Token) and c.type in NAME_TYPES]
    return names[-1] if names else None


def decl_name_token(decl: Tree) -> Token | None:
    if decl.data == "fn_decl":
        sig = child_tree(decl, "fn_sig")
        return fn_name_token(sig) if sig is not None else None
    if decl.data == "const_decl":  # `const Name: T = e`, `const Type::name: T = e`
        fname = child_tree(decl, "fn_name")
        names = [c for c in fname.children if isinstance(c, Token) and c.type in NAME_TYPES] \
            if fname is not None else []
        return names[-1] if names else None
    if decl.data == "active_pattern_decl":
        active = child_tree(decl, "active_name")
        return name_token(active) if active is not None else None
    return name_token(decl)


def decl_owner(decl: Tree) -> str | None:
    """The type a declaration is a member of: ``Vec`` for ``fn Vec<T>.first(…)``, ``Point`` for
    ``const Point::origin`` (reference ``method_signature`` / qualified ``const``); None for a
    plain module-level name."""
    if decl.data == "fn_decl":
        decl = child_tree(decl, "fn_sig") or decl
    receiver = child_tree(decl, "fn_receiver")
    if receiver is not None:
        fname = child_tree(receiver, "fn_name")
        names = [c for c in fname.children if isinstance(c, Token) and c.type in NAME_TYPES] \
            if fname is not None else []
        return ".".join(str(n) for n in names) or None
    fname = child_tree(decl, "fn_name")
    if fname is None or decl.data not in ("fn_sig", "const_decl"):
        return None
    names = [c for c in fname.children if isinstance(c, Token) and c.type in NAME_TYPES]
    return ".".join(str(n) for n in names[:-1]) or None


def variants(type_decl: Tree) -> list[Token]:
    out: list[Token] = []
    for child in type_decl.children:
        # `type T = | A | B(…)` keeps its variants in a sum_type; `enum T = A | B` directly.
        inner = child.children if isinstance(child, Tree) and child.data == "sum_type" else \
            [child] if type_decl.data == "enum_decl" and child is not type_decl.children[1] \
            else None
        if inner is not None:
            for v in inner:
                if isinstance(v, Token) and v.type in NAME_TYPES:
                    out.append(v)
                elif isinstance(v, Tree) and v.data == "variant_with_payload":
                    tok = name_token(v)
                    if tok is not None:
                        out.append(tok)
    return out


def use_imports(use: Tree) -> list[tuple[str, Token, str]]:
    """(visible name, its token, module path) for each name a ``use`` brings in."""
    tree = child_tree(use, "use_tree")
    if tree is None:
        return []
    out: list[tuple[str, Token, str]] = []
    _use_walk(tree.children, [], out)
    return out


# A glob imports every name of a module (``use a.b.*``), which the file alone cannot list. Among
# a file's top-level names it says some names come from such a module (they are not reported as
# unresolved); among a module's names (its files' imports), that the module may re-export any.
OPEN_IMPORT = "*"


def use_globs(use: Tree) -> list[tuple[str, Token]]:
    """(module path as written, the ``*`` token) for each glob a ``use`` holds (``use a.b.*``,
    ``use a.{x, *}``): every name of that module, which the file alone cannot list."""
    tree = child_tree(use, "use_tree")
    globs: list[tuple[str, Token]] = []
    if tree is not None:
        _use_walk(tree.children, [], [], None, globs)
    return globs


def _segment(node) -> tuple[str, Token | None]:
    if isinstance(node, Token):
        return str(node), node if node.type in NAME_TYPES else None
    if isinstance(node, Tree):
        toks = [c for c in node.children if isinstance(c, Token)]
        if node.data == "use_root":
            name = next((t for t in toks if t.type in NAME_TYPES), None)
            return ("::" + str(name)) if name else "::", name
        if toks:
            return str(toks[-1]), toks[-1] if toks[-1].type in NAME_TYPES else None
    return "", None


def use_members(use: Tree) -> list[tuple[str, Token]]:
    """(full path as written, the token of its last segment) for each name a ``use`` brings in:
    where the member is named, also under an alias (``use a.b.{x as y}`` → ("a.b.x", `x`))."""
    tree = child_tree(use, "use_tree")
    members: list[tuple[str, Token]] = []
    if tree is not None:
        _use_walk(tree.children, [], [], members)
    return members


def _use_walk(children: Iterable, prefix: list[str], out: list[tuple[str, Token, str]],
              members: list[tuple[str, Token]] | None = None,
              globs: list[tuple[str, Token]] | None = None) -> None:
    children = list(children)
    if not children:
        return
    head, last_tok = _segment(children[0])
    path = [*prefix, head]
    tail = children[1] if len(children) > 1 else None
    while isinstance(tail, Tree) and tail.data == "use_tail":
        nxt = [c for c in tail.children if not (isinstance(c, Token) and c.type == "DOT")]
        if nxt and isinstance(nxt[0], Tree) and nxt[0].data == "use_brace":
            for item in nxt[0].children:
                if isinstance(item, Tree) and item.data == "use_item":
                    _use_walk(item.children, path, out, members, globs)
                elif isinstance(item, Tree) and item.data == "use_glob" and globs is not None:
                    globs.append((".".join(path), item.children[-1]))
            return
        if not nxt:
            break
        seg, tok = _segment(nxt[0])
        path.append(seg)
        last_tok = tok
        tail = nxt[1] if len(nxt) > 1 else None
    if isinstance(tail, Tree) and tail.data == "use_glob":  # `a.b.*`: no name of its own
        if globs is not None:
            globs.append((".".join(path), tail.children[-1]))
        return
    if members is not None and last_tok is not None:
        members.append((".".join(path), last_tok))
    if isinstance(tail, Tree) and tail.data == "use_alias":
        alias = name_token(tail)
        if alias is not None:
            out.append((str(alias), alias, ".".join(path)))
        return
    if last_tok is not None:
        out.append((path[-1], last_tok, ".".join(path)))
