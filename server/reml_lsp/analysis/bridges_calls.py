"""Callees as the runtime-bridges rules read them: the dotted path a call goes through
(``Core.Net.Http.get`` → path ``Core.Net.Http``, name ``get``) and whether that path starts at a
value the item binds itself (a parameter, ``let``/``var``, a pattern variable, ``self``), which
makes it a method call on a local value, not a call through a library or bridge qualifier.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from lark import Token, Tree

from reml_lsp.analysis.scopes import item_scopes
from reml_lsp.analysis.tree import NAME_TYPES, child_tree, subtrees

# Spec 3-9 §4 (Core.Unsafe): wrappers that run their closure argument as an unsafe region and
# return its result; ``audited_unsafe_block`` (§4.2) also records it in the audit log.
AUDITED_WRAPPERS = frozenset({"audited_unsafe_block"})
UNSAFE_WRAPPERS = AUDITED_WRAPPERS | {"unsafe_block"}


@attrs.frozen
class Callee:
    """``path`` is the qualifier segments before ``name`` (empty for a bare name); ``root`` the
    first segment's token; ``path_ok`` is False when the receiver is not a plain path (a call, an
    index: ``f(x).g()``), so no qualifier names the boundary."""

    name: str | None
    path: tuple[str, ...] = ()
    root: Token | None = None
    path_ok: bool = True
    self_root: bool = False


def callee(call: Tree) -> Callee:
    """The callee of ``call`` read as a path: ``var`` or a chain of ``field``/``path_segment``."""
    head = call.children[0] if call.children else None
    if not isinstance(head, Tree):
        return Callee(None)
    segs: list[str] = []
    node: Tree | Token = head
    while isinstance(node, Tree) and node.data in ("field", "path_segment"):
        last = node.children[-1]
        if not (isinstance(last, Token) and last.type in NAME_TYPES):
            return Callee(None, path_ok=False)
        segs.append(str(last))
        node = node.children[0]
    if isinstance(node, Tree) and node.data == "var" and node.children and isinstance(
            node.children[0], Token):
        root = node.children[0]
        segs.append(str(root))
        segs.reverse()
        return Callee(segs[-1], tuple(segs[:-1]), root if len(segs) > 1 else None)
    if not segs:
        return Callee(None, path_ok=False)
    is_self = isinstance(node, Tree) and node.data == "self_"
    return Callee(segs[0], path_ok=False, self_root=is_self)


class Locals:
    """The names an item binds below its top level, looked up at a position (tree offsets)."""

    def __init__(self, tree: Tree) -> None:
        self._by_name: dict[str, list] = {}
        for b in item_scopes(tree).bindings:
            if not b.top_level:
                self._by_name.setdefault(b.name, []).append(b)

    def binds(self, tok: Token) -> bool:
        return any(b.visible_at(tok.start_pos) for b in self._by_name.get(str(tok), ()))


def boundary_path(c: Callee, locals_: Locals) -> tuple[str, ...]:
    """The qualifier a call goes through, or ``()`` when it names no boundary: a bare call, a
    receiver that is not a path, or a path rooted at a value the item binds (``rest.len()`` on
    a ``..rest`` pattern variable, ``db.len()`` on a parameter ``db``)."""
    if not c.path or not c.path_ok or c.root is None or locals_.binds(c.root):
        return ()
    return c.path


def is_audit_log(call: Tree) -> bool:
    c = callee(call)
    return c.path == ("audit",) and c.name == "log"


def wrapper_lambdas(calls: Iterable[Tree], names: frozenset[str]) -> list[tuple[Tree, Tree]]:
    """(call, lambda argument) for each call of a wrapper in ``names`` (any qualifier:
    ``Core.Unsafe.audited_unsafe_block``, an alias, the bare name)."""
    out: list[tuple[Tree, Tree]] = []
    for call in calls:
        if callee(call).name not in names:
            continue
        args = child_tree(call, "args")
        for arg in args.children if args is not None else ():
            if isinstance(arg, Tree) and arg.data == "lambda_expr":
                out.append((call, arg))
    return out


def audited_blocks(calls: Iterable[Tree]) -> set[int]:
    """ids of the ``unsafe_block`` nodes inside a closure passed to ``audited_unsafe_block``."""
    return {id(n) for _, lam in wrapper_lambdas(calls, AUDITED_WRAPPERS)
            for n in subtrees(lam) if n.data == "unsafe_block"}
