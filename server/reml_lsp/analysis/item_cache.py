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


def nodes(tree: Tree) -> dict[str, list[Tree]]:
    """The subtrees of an item by node type (preorder), walked once per tree: the checks look
    up the few node types they need instead of walking the item again each."""
    def index() -> dict[str, list[Tree]]:
        out: dict[str, list[Tree]] = {}
        for n in subtrees(tree):
            out.setdefault(n.data, []).append(n)
        return out
    return _NODES.get(tree, None, index)
