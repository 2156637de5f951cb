"""Names and scopes of one document: every binding (fns, types, variants, effects, lets, vars,
params, generic params, pattern variables, imported names) with the range where it is visible,
and every reference to a name. Resolution is lexical and by name, innermost binding first.

Used by navigation (definition, references, highlights), completion (names in scope), hover and
semantic tokens. Offsets are code points of the current text.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Sequence

import attrs
from lark import Tree

from reml_lsp.analysis.bindings import INF, Binding, Reference
from reml_lsp.analysis.decl_names import (  # noqa: F401  (re-exported for older imports)
    DECL_KINDS,
    child_tree_list,
    decl_name_token,
    fn_name_token,
    is_binding_name,
    pattern_ctors,
    pattern_names,
    use_imports,
    variants,
)
from reml_lsp.analysis.scope_builder import ScopeBuilder
from reml_lsp.analysis.tree import Entry, span

__all__ = ["INF", "Binding", "ItemScopes", "Reference", "ScopeIndex", "build_scopes", "inner",
           "item_scopes"]


@attrs.define
class ItemScopes:
    """Bindings and references of one top-level item, in that item's own tree positions (so it
    can be reused, unchanged, while the item moves in the text)."""

    bindings: list[Binding]
    references: list[Reference]
    ref_starts: list[int] = attrs.Factory(list)
    top: list[Binding] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.references.sort(key=lambda r: r.start)
        self.ref_starts = [r.start for r in self.references]
        self.top = [b for b in self.bindings if b.top_level]


def _shift(b: Binding, d: int) -> Binding:
    if not d:
        return b
    if b.top_level:
        return attrs.evolve(b, start=b.start + d, end=b.end + d, decl_dpos=b.decl_dpos + d)
    return attrs.evolve(b, start=b.start + d, end=b.end + d, scope_start=b.scope_start + d,
                        scope_end=b.scope_end + d, decl_dpos=b.decl_dpos + d)


shift_binding = _shift


class ScopeIndex:
    """The scopes of a document: one ``ItemScopes`` per item plus its shift. Local names are
    looked up in the item around the offset only; top-level names in a table of the file."""

    def __init__(self, parts: Sequence[tuple[ItemScopes, int, int, int]]) -> None:
        self.parts = list(parts)  # (item scopes, dpos, start, end) in text order
        self._starts = [p[2] for p in self.parts]
        self._top: dict[str, list[tuple[Binding, int]]] = {}
        for part, d, _, _ in self.parts:
            for b in part.top:
                self._top.setdefault(b.name, []).append((b, d))
        self._all: list[Binding] | None = None
        self._refs: list[Reference] | None = None

    # -- whole-file views (built on demand) ------------------------------------------------
    @property
    def bindings(self) -> list[Binding]:
        if self._all is None:
            self._all = [_shift(b, d) for part, d, _, _ in self.parts for b in part.bindings]
        return self._all

    @property
    def references(self) -> list[Reference]:
        if self._refs is None:
            self._refs = [Reference(r.name, r.start + d, r.end + d, r.role)
                          for part, d, _, _ in self.parts for r in part.references]
        return self._refs

    def top_names(self) -> frozenset[str]:
        """Names bound at the top level of the file (declarations and imports)."""
        return frozenset(self._top)

    def top_named(self, name: str) -> list[Binding]:
        return [_shift(b, d) for b, d in self._top.get(name, ())]

    def top_level(self, prefix: str = "") -> list[Binding]:
        low = prefix.lower()
        return sorted((_shift(b, d) for name, group in self._top.items()
                       if not low or name.lower().startswith(low) for b, d in group),
                      key=lambda b: b.start)

    # -- lookups ---------------------------------------------------------------------------
    def _part(self, offset: int) -> tuple[ItemScopes, int] | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        part, d, _, end = self.parts[i]
        if offset > end and i + 1 < len(self.parts):
            return None
        return part, d

    def binding_at(self, offset: int) -> Binding | None:
        found = self._part(offset)
        if found is None:
            return None
        part, d = found
        rel = offset - d
        for b in part.bindings:
            if b.start <= rel <= b.end:
                return _shift(b, d)
        return None

    def reference_at(self, offset: int) -> Reference | None:
        found = self._part(offset)
        if found is None:
            return None
        part, d = found
        rel = offset - d
        i = bisect.bisect_right(part.ref_starts, rel) - 1
        if i >= 0:
            ref = part.references[i]
            if ref.start <= rel <= ref.end:
                return Reference(ref.name, ref.start + d, ref.end + d, ref.role)
        return None

    def _local(self, offset: int) -> list[Binding]:
        found = self._part(offset)
        if found is None:
            return []
        part, d = found
        rel = offset - d
        return [_shift(b, d) for b in part.bindings if not b.top_level and b.visible_at(rel)]

    def resolve(self, name: str, offset: int) -> Binding | None:
        """Innermost binding of ``name`` visible at ``offset``."""
        best: Binding | None = None
        for b in self._local(offset):
            if b.name == name and (best is None or inner(b, best)):
                best = b
        if best is not None:
            return best
        for b in self.top_named(name):
            if best is None or inner(b, best):
                best = b
        return best

    def visible(self, offset: int, prefix: str = "") -> list[Binding]:
        """Every name visible at ``offset`` (starting with ``prefix``, case-insensitive),
        innermost first, one binding per name."""
        found: dict[str, Binding] = {}
        low = prefix.lower()
        local = [b for b in self._local(offset) if b.name.lower().startswith(low)]
        for b in [*local, *self.top_level(prefix)]:
            cur = found.get(b.name)
            if cur is None or inner(b, cur):
                found[b.name] = b
        return sorted(found.values(), key=lambda b: (b.top_level, b.scope_end - b.scope_start,
                                                      -b.start))

    def target_at(self, offset: int) -> tuple[Binding | None, str | None]:
        """(binding, name) of the name at ``offset``: its binding site, or the binding a
        reference there resolves to (None when it resolves to nothing in this file)."""
        b = self.binding_at(offset)
        if b is not None:
            return b, b.name
        ref = self.reference_at(offset)
        if ref is not None:
            return self.resolve(ref.name, ref.start), ref.name
        return None, None

    def occurrences(self, binding: Binding) -> list[tuple[int, int, bool]]:
        """(start, end, is_definition) of the binding site and every reference to it."""
        out = [(binding.start, binding.end, True)]
        if binding.top_level:
            parts = [(p, d) for p, d, _, _ in self.parts]
        else:
            found = self._part(binding.start)
            parts = [found] if found is not None else []
        for part, d in parts:
            for ref in part.references:
                if ref.name == binding.name and self.resolve(ref.name, ref.start + d) == binding:
                    out.append((ref.start + d, ref.end + d, False))
        return out


def inner(a: Binding, b: Binding) -> bool:
    """Whether ``a`` shadows ``b`` (narrower scope, or the later one of the same scope)."""
    wa, wb = a.scope_end - a.scope_start, b.scope_end - b.scope_start
    if wa != wb:
        return wa < wb
    return a.start > b.start


_inner = inner  # the older name (semantic tokens)


# Keyed by object identity (a lark Tree hashes its whole structure), dropped with the tree.
_CACHE: dict[int, tuple[weakref.ref, ItemScopes]] = {}


def item_scopes(tree: Tree) -> ItemScopes:
    """Scopes of one item tree, computed once per tree object (unchanged items keep theirs)."""
    key = id(tree)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is tree:
        return hit[1]
    builder = ScopeBuilder()
    builder.top_level(tree, 0)
    builder.walk_item(tree, 0)
    scopes = ItemScopes(builder.bindings, builder.refs)
    _CACHE[key] = (weakref.ref(tree, lambda _ref, key=key: _CACHE.pop(key, None)), scopes)
    return scopes


def build_scopes(entries: Sequence[Entry]) -> ScopeIndex:
    parts = []
    for tree, dpos in entries:
        s = span(tree, dpos)
        if s is None:
            continue
        parts.append((item_scopes(tree), dpos, s[0], s[1]))
    return ScopeIndex(parts)
