"""Where a resource acquired in an ``unsafe`` block goes when it is the block's result
(``let buf = unsafe { …; let p = malloc(n); p }``): the value flows out through the blocks whose
tail it is, and out of the closure of a Core.Unsafe wrapper (spec 3-9 §4: ``unsafe_block`` and
``audited_unsafe_block`` return their closure's result), until it is

* bound by a ``let`` with one name: the ``defer`` that releases it belongs in the block of that
  ``let`` (``Bound``), unless that block's result is the name again (it flows on);
* the result of a function, as it is or inside it (``Ok({ ptr: buf })``, a branch): the
  caller owns it (``Returned``; a ``defer`` would free it before the caller sees it);
* anything else (an argument, a branch): ``Unknown``.
"""

from __future__ import annotations

import attrs
from lark import Token, Tree

from reml_lsp.analysis.bridges_calls import UNSAFE_WRAPPERS, callee
from reml_lsp.analysis.decl_names import let_pattern, pattern_names
from reml_lsp.analysis.tree import NAME_TYPES, child_tree, subtrees, tokens


@attrs.frozen
class Bound:
    name: Token  # the binding that now holds the resource
    stmt: Tree  # its let_stmt (a fix inserts the defer after it)
    released: bool  # a defer in the let's block mentions the name


@attrs.frozen
class Returned:
    pass


@attrs.frozen
class Unknown:
    pass


Flow = Bound | Returned | Unknown


def tail(block: Tree) -> Tree | None:
    """The expression a block yields: its last statement when that is an expression."""
    last = next((c for c in reversed(block.children) if isinstance(c, Tree)), None)
    if last is None or last.data in ("empty", "let_stmt", "defer_expr"):
        return None
    return last


def is_name(expr: Tree | None, name: str) -> bool:
    return (expr is not None and expr.data == "var" and bool(expr.children)
            and str(expr.children[0]) == name)


# Nodes whose value holds each part's value as it is: a record, a tuple, an array (blocks and
# branches, which hold only their result, are read in ``mentions`` itself).
_HOLDERS = frozenset(("record", "typed_record", "field_init", "tuple", "array", "paren",
                      "arg", "args", "match_arms"))


def mentions(expr: Tree | None, name: str) -> bool:
    """Whether the value of ``expr`` holds the value named ``name``: the name itself, or inside
    a constructor call, a record, a tuple or a branch's result (``Ok({ ptr: buf })``,
    ``if bad then Err(e) else Ok(Fd { raw: fd })``) — not a method call on it or an argument
    of a function, which use the value and yield another."""
    if expr is None:
        return False
    if is_name(expr, name):
        return True
    if expr.data == "field_init" and len(expr.children) == 1:  # `{ buf }`
        return str(expr.children[0]) == name
    if expr.data == "call":
        head = expr.children[0] if expr.children else None
        is_ctor = isinstance(head, Tree) and head.data == "var" and bool(head.children) and \
            str(head.children[0])[:1].isupper()
        return is_ctor and any(mentions(c, name) for c in expr.children[1:]
                               if isinstance(c, Tree))
    if expr.data in ("if_expr", "match_expr", "arm"):  # results, not conditions or patterns
        results = [c for c in expr.children if isinstance(c, Tree)][1:]
        return any(mentions(c, name) for c in results)
    if expr.data == "block":
        return mentions(tail(expr), name)
    if expr.data in _HOLDERS:
        return any(mentions(c, name) for c in expr.children if isinstance(c, Tree))
    return False


def parents(root: Tree) -> dict[int, Tree]:
    return {id(c): n for n in subtrees(root) for c in n.children if isinstance(c, Tree)}


def deferred_names(block: Tree) -> set[str]:
    """Names any ``defer`` in ``block`` mentions."""
    return {str(t) for d in subtrees(block) if d.data == "defer_expr"
            for t in tokens(d) if t.type in NAME_TYPES}


def follow(node: Tree, up: dict[int, Tree]) -> Flow:
    """Where the value of ``node`` (an ``unsafe_block`` whose result is the resource) ends up."""
    while True:
        parent = up.get(id(node))
        if parent is None:
            return Unknown()
        kind = parent.data
        if kind == "block" and tail(parent) is node:
            node = parent
        elif kind in ("unsafe_block", "expr_body"):
            node = parent
        elif kind == "fn_decl":
            return Returned()
        elif kind == "let_decl" and parent.children[-1] is node:
            flow = _bound(parent, up)
            if not isinstance(flow, Tree):
                return flow
            node = flow
        elif kind == "lambda_expr" and parent.children[-1] is node:
            args = up.get(id(parent))
            call = up.get(id(args)) if args is not None and args.data == "args" else None
            if call is None or callee(call).name not in UNSAFE_WRAPPERS:
                return Unknown()
            node = call
        else:
            return Unknown()


def _bound(let: Tree, up: dict[int, Tree]) -> Flow | Tree:
    """A ``let`` that binds the value: ``Bound``, or the block to keep following when that
    block's result is the new name."""
    names = pattern_names(let_pattern(let))
    stmt = up.get(id(let))
    block = up.get(id(stmt)) if stmt is not None else None
    if len(names) != 1 or stmt is None or block is None or block.data != "block":
        return Unknown()
    name = str(names[0])
    if name in deferred_names(block):
        return Bound(names[0], stmt, True)
    result = tail(block)
    if is_name(result, name):
        return block
    if mentions(result, name) and isinstance(follow(block, up), Returned):
        return Returned()  # wrapped in the function's result (`Ok({ ptr: buf })`)
    return Bound(names[0], stmt, False)


def let_value(stmt: Tree) -> tuple[Tree | None, Tree | None]:
    """(let_decl, its value) of a ``let_stmt``."""
    let = child_tree(stmt, "let_decl")
    value = let.children[-1] if let is not None and let.children else None
    return let, value if isinstance(value, Tree) else None
