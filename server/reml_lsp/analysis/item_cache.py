"""Per-item memo for the semantic checks: an item the incremental parser did not touch keeps its
tree object, so what a check found in it (in item-relative offsets) is reused and only shifted
to where the item is now. Entries go with their tree (weak reference)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import attrs
from lark import Tree

from reml_lsp.analysis.findings import Finding
from reml_lsp.analysis.tree import subtrees

T = TypeVar("T")


class ItemMemo:
    def __init__(self) -> None:
        self._hits: dict[int, tuple[weakref.ref, Hashable, Any]] = {}

    def get(self, tree: Tree, key: Hashable, compute: Callable[[], T]) -> T:
        k = id(tree)
        hit = self._hits.get(k)
        if hit is not None and hit[0]() is tree and hit[1] == key:
            return hit[2]
        value = compute()
        self._hits[k] = (weakref.ref(tree, lambda _r, k=k: self._hits.pop(k, None)), key, value)
        return value


def shift(findings: list[Finding], d: int) -> list[Finding]:
    """Findings of an item computed at offset 0, moved to the item's place ``d``."""
    if not d:
        return findings
    return [attrs.evolve(
        f, start=f.start + d, end=f.end + d,
        notes=tuple(attrs.evolve(n, start=None if n.start is None else n.start + d,
                                 end=None if n.end is None else n.end + d) for n in f.notes),
        fixes=tuple(attrs.evolve(x, start=x.start + d, end=x.end + d) for x in f.fixes))
        for f in findings]


_NODES = ItemMemo()


class NodeIndex:
    """An item's subtrees by node type (preorder). The root is held weakly: the memo entry must
    not keep its own key alive, or every re-parsed item tree would stay in memory for good."""

    __slots__ = ("_below", "_root")

    def __init__(self, root: Tree) -> None:
        self._root = weakref.ref(root)
        self._below: dict[str, list[Tree]] = {}
        walk = subtrees(root)
        next(walk)
        for n in walk:
            self._below.setdefault(n.data, []).append(n)

    def get(self, kind: str, default: Any = None) -> Any:
        below = self._below.get(kind)
        root = self._root()
        if root is not None and root.data == kind:
            return [root, *(below or ())]
        return below if below is not None else default


def nodes(tree: Tree) -> NodeIndex:
    """The subtrees of an item by node type, walked once per tree: the checks look up the few
    node types they need instead of walking the item again each."""
    return _NODES.get(tree, None, lambda: NodeIndex(tree))
