"""Small helpers over parse trees: tokens in order, spans, names.

Every feature takes *entries*: ``(tree, dpos)`` pairs, one per top-level item, where ``dpos`` is
added to the token offsets inside ``tree`` (an item parsed in an older text keeps its positions;
the incremental document tells how far it moved). All offsets are code points.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from lark import Token, Tree

from reml_lsp.syntax.treeutil import first_token, last_token, tokens

__all__ = ["first_token", "last_token", "tokens"]

Entry = tuple[Tree, int]
NAME_TYPES = frozenset(("IDENT", "UPPER_IDENT"))


def subtrees(node: Tree) -> Iterator[Tree]:
    """Every subtree of ``node`` (itself first), depth first — a plain stack walk, several
    times cheaper than lark's ``iter_subtrees`` (which orders and de-duplicates)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend([c for c in reversed(n.children) if isinstance(c, Tree)])


def entries_of(items: Iterable[Any]) -> list[Entry]:
    """Entries of freshly parsed items (``Item`` objects from the parser; dpos 0)."""
    return [(item.tree, 0) for item in items if item.tree is not None]


def span(node: Any, dpos: int = 0) -> tuple[int, int] | None:
    """(start, end) of a node's real tokens, shifted by ``dpos``."""
    if isinstance(node, Token):
        return (node.start_pos + dpos, node.end_pos + dpos) if node.value else None
    first = _edge(node, 0) or first_token(node)
    if first is None:
        return None
    last = _edge(node, -1) or last_token(node)
    assert last is not None
    return first.start_pos + dpos, last.end_pos + dpos


def _edge(node: Any, side: int) -> Token | None:
    """The leaf at the end of the first (``side`` 0) or last (-1) children: the edge token when
    it is a real one, as it nearly always is; None sends the caller to the full walk (a virtual
    or error token, an empty node). Every symbol's span asks for two: no stack, no list."""
    tree_t = Tree
    while type(node) is tree_t:
        children = node.children
        if not children:
            return None
        node = children[side]
    return node if type(node) is Token and node.value else None


def child_trees(node: Tree, *names: str) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and (not names or c.data in names)]


def child_tree(node: Tree, *names: str) -> Tree | None:
    for c in node.children:
        if isinstance(c, Tree) and (not names or c.data in names):
            return c
    return None


def name_token(node: Tree) -> Token | None:
    """The first identifier directly under ``node`` (a declaration's name)."""
    for child in node.children:
        if isinstance(child, Token) and child.type in NAME_TYPES:
            return child
    return None


def source(text: str, node: Any, dpos: int = 0) -> str:
    s = span(node, dpos)
    return "" if s is None else text[s[0]:s[1]]


def one_line(snippet: str, limit: int = 200) -> str:
    flat = " ".join(snippet.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def decl_of(item_tree: Tree) -> tuple[Tree | None, bool]:
    """The declaration node of a top-level item (``fn_decl``, ``type_decl`` …) and whether it
    is ``pub``; ``(item node, False)`` for module headers and ``use`` declarations."""
    node = item_tree.children[0] if item_tree.data == "start" and item_tree.children else item_tree
    if not isinstance(node, Tree):
        return None, False
    if node.data == "decl_item":  # one pass: every item of every file goes through here
        is_pub, inner = False, None
        for c in node.children:
            if isinstance(c, Tree):
                if c.data != "attrs":
                    inner = c
            elif isinstance(c, Token) and c.type == "PUB":
                is_pub = True
        return inner, is_pub
    return node, False


def find_token_at(entries: Sequence[Entry], offset: int) -> tuple[Token, int, list[Tree]] | None:
    """The token covering ``offset`` (or ending right at it) with its dpos and ancestor chain
    (outermost first)."""
    for tree, dpos in entries:
        s = span(tree, dpos)
        if s is None or not (s[0] <= offset <= s[1]):
            continue
        found = _descend(tree, offset - dpos, [])
        if found is not None:
            tok, path = found
            return tok, dpos, path
    return None


def _descend(node: Tree, offset: int, path: list[Tree]) -> tuple[Token, list[Tree]] | None:
    path = [*path, node]
    best: tuple[Token, list[Tree]] | None = None
    for child in node.children:
        if isinstance(child, Token):
            if child.value and child.start_pos <= offset <= child.end_pos:
                if child.type in NAME_TYPES or best is None:
                    best = (child, path)
                if child.start_pos < offset < child.end_pos:
                    return best
        elif isinstance(child, Tree):
            s = span(child)
            if s is not None and s[0] <= offset <= s[1]:
                inner = _descend(child, offset, path)
                if inner is not None:
                    if inner[0].type in NAME_TYPES or best is None:
                        best = inner
                    if inner[0].start_pos < offset < inner[0].end_pos:
                        return best
    return best


def module_path(text: str, entries: Sequence[Entry], rel_path: str) -> str:
    """The module path a file declares in its `module` header, else its workspace-relative path
    with `/` → `.` (the header is among the first items)."""
    for tree, dpos in entries[:3]:
        decl, _ = decl_of(tree)
        if decl is not None and decl.data == "module_header":
            path = child_tree(decl, "module_path")
            if path is not None:
                return "".join(source(text, path, dpos).split())
    stem = rel_path[:-5] if rel_path.endswith(".reml") else rel_path
    return stem.replace("/", ".")
