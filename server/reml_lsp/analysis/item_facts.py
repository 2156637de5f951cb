"""What the module-level semantic checks need from one top-level item, computed once per item
tree and kept on it (an item the incremental parser did not reparse keeps its tree, so it keeps
its facts). Offsets are the tree's own (add the item's ``dpos``).

The module-level step (``semantic_checks``) then only merges facts: a name table from the
declaration records, a set lookup per free name, no tree walks. The per-item parts that need
the file's top-level names (which free names resolve) are kept here too, with the name table
they were resolved against, and reused while that table does not change for them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from lark import Tree

from reml_lsp.analysis import bridges, duplicates, pattern_checks, resolve
from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.decl_names import OPEN_IMPORT, use_globs
from reml_lsp.analysis.findings import Finding
from reml_lsp.analysis.item_cache import shift
from reml_lsp.analysis.module_exports import library_path
from reml_lsp.analysis.scopes import item_scopes
from reml_lsp.analysis.tree import Entry, decl_of, span
from reml_lsp.diagnostics.audit_id import Anchor, anchor_digest

# An item with more free references than this is resolved afresh on each call (through the
# bounded sink) instead of keeping its findings: a hostile line of 100,000 unknown names must
# not hold 100,000 findings in memory.
MAX_KEPT_REFS = 2000


class ItemFacts:
    """``recs[k]`` describes ``tops[k]`` (``duplicates.Rec``); ``sig`` is what the module-level
    name table depends on (compared by value: a reparsed item with the same declarations leaves
    the table as it was)."""

    __slots__ = ("_d", "_sub", "digest_", "free", "header", "hot", "impl", "inner", "names",
                 "own_", "recs", "refs_", "res", "res_closed", "res_top", "sig", "span", "tops",
                 "used_lib", "used_top")

    def __init__(self, text: str, tree: Tree, dpos: int) -> None:
        s = span(tree, 0)
        self.span = s
        # The item's lines (not the whole text: facts outlive many versions of the document),
        # for the parts computed on demand; ``_d`` moves tree offsets into ``_sub``.
        lo = text.rfind("\n", 0, s[0] + dpos) + 1 if s is not None else 0
        hi = text.find("\n", s[1] + dpos) if s is not None else -1
        self._sub = text[lo:len(text) if hi < 0 else hi + 2]
        self._d = dpos - lo
        decl, _ = decl_of(tree)
        self.header = decl is not None and decl.data == "module_header"
        cfg = duplicates.has_cfg(tree)
        tops: list[Binding] = sorted(item_scopes(tree).top, key=lambda b: b.start)
        self.tops = tuple(tops)
        self.recs = tuple(duplicates.record(b) for b in tops)
        self.names = frozenset(b.name for b in tops)
        if decl is not None and decl.data == "use_decl" and any(
                not library_path(path) for path, _ in use_globs(decl)):
            self.names |= {OPEN_IMPORT}  # `use a.b.*`: any name may come from there
        self.sig = (cfg, self.header, self.recs, OPEN_IMPORT in self.names)
        self.impl = None if cfg else duplicates.impl_key(text, tree, dpos)
        self.inner = duplicates.module_blocks(tree)  # clashes inside `module m { … }`
        self.digest_: str | None = None
        self.refs_: resolve.ItemRefs | None = None
        self.own_: list[Finding] | None = None
        self.free: frozenset[str] = frozenset()
        self.res_top: frozenset[str] | None = None
        self.res_closed = False
        self.res: list[Finding] = []
        self.used_top: frozenset[str] = frozenset()
        self.used_lib: frozenset[str] = frozenset()
        self.hot = self.impl is not None  # it has findings to place (res, own_ or impl)

    def digest(self, text: str, dpos: int) -> str | None:
        """``anchor_digest`` of the item's text (the audit_id anchor), hashed once."""
        if self.digest_ is None and self.span is not None:
            self.digest_ = anchor_digest(text[self.span[0] + dpos:self.span[1] + dpos])
        return self.digest_

    def refs(self, tree: Tree) -> resolve.ItemRefs:
        if self.refs_ is None:
            self.refs_ = resolve.item_refs(self._sub, tree, self._d)
            self.free = frozenset(r.name for r in self.refs_.free)
        return self.refs_

    def own(self, tree: Tree) -> list[Finding]:
        """Findings of the item alone (tree offsets): unused locals, a pattern binding a name
        twice, the runtime-bridges rules."""
        if self.own_ is None:
            d = self._d
            self.own_ = [*self.refs(tree).unused_locals,
                         *duplicates.pattern_bindings([(tree, 0)]),
                         *pattern_checks.check(tree),
                         *shift(bridges.check(self._sub, [(tree, d)]), -d)]
            self.hot = bool(self.res or self.own_ or self.impl)
            self._sub = ""  # every part that reads the item's text is computed now
        return self.own_


# The facts ride on the tree object itself: they live and die with it (no weak reference, no
# table keyed by id), and reading an attribute of the tree is ~5× cheaper than a lookup in a
# large dict, which matters because it happens for every item on every edit. Copies of a lark
# Tree are built afresh (``copy``, ``deepcopy``), so they never share facts.
_ATTR = "_reml_item_facts"


def item_facts(text: str, tree: Tree, dpos: int) -> ItemFacts:
    """The facts of ``tree`` (an item at ``dpos`` in ``text``), computed once per tree."""
    facts = getattr(tree, _ATTR, None)
    if facts is None:
        facts = ItemFacts(text, tree, dpos)
        setattr(tree, _ATTR, facts)
    return facts


def all_facts(text: str, entries: Sequence[Entry]) -> list[ItemFacts]:
    """``item_facts`` of every entry (the lookup inlined: it runs for every item per edit)."""
    return [f if (f := getattr(t, _ATTR, None)) is not None else item_facts(text, t, d)
            for t, d in entries]


def anchors(text: str, entries: Sequence[Entry], findings: Sequence[Finding]) -> list[Anchor]:
    """``findings.anchors_of`` from the items' kept spans and digests: the items that hold a
    finding's start, found by bisection (no walk over every item), hashed once per tree."""
    if not findings:
        return []

    def facts(i: int) -> ItemFacts:
        return item_facts(text, *entries[i])

    def start(i: int) -> int:  # non-decreasing: an item without tokens takes its predecessor's
        while i >= 0:
            s = facts(i).span
            if s is not None:
                return s[0] + entries[i][1]
            i -= 1
        return -1

    hit: set[int] = set()
    for x in {f.start for f in findings}:
        i = bisect.bisect_right(range(len(entries)), x, key=start) - 1
        while i >= 0:  # touching items share an end
            s, d = facts(i).span, entries[i][1]
            if s is not None:
                if not s[0] + d <= x <= s[1] + d:
                    break
                hit.add(i)
            i -= 1
    out = []
    for i in sorted(hit):
        s, d = facts(i).span, entries[i][1]
        assert s is not None
        out.append(Anchor(s[0] + d, s[1] + d, facts(i).digest(text, d)))
    return out
