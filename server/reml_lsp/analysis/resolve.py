"""Name resolution findings over one document's scopes: unresolved names (error) and unused
``let`` bindings, parameters and imports (warning, with a quick fix).

A reference is resolved by the file's own scopes (``ScopeIndex.resolve``: locals, top-level
declarations, ``use`` imports), else by the standard library index (``core_index``), else by the
workspace's modules (a capitalised qualifier ``M.x`` naming a module). It is left alone when it
sits in a construct the checker does not model (``opaque``) or qualifies a module nobody can see
(a package not present): a name is reported only when every source that could define it is known
not to.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Protocol

from lark import Token, Tree

from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.core_index import CoreIndex, core_index
from reml_lsp.analysis.decl_names import use_imports
from reml_lsp.analysis.findings import Finding, FindingFix, FindingNote
from reml_lsp.analysis.opaque import opaque_spans
from reml_lsp.analysis.scopes import ScopeIndex
from reml_lsp.analysis.tree import Entry, decl_of, span

UNRESOLVED = "name.unresolved"
UNUSED = {"let": "name.unused.let", "var": "name.unused.let", "param": "name.unused.param",
          "import": "name.unused.import"}


class ModuleLookup(Protocol):
    """What the workspace knows about modules (``None`` everywhere: it knows nothing)."""

    def has_root(self, segment: str) -> bool | None:
        """Whether some module path starts with ``segment`` (None: cannot tell)."""

    def exports(self, path: str) -> frozenset[str] | None:
        """Top-level names of module ``path`` (None: the workspace cannot see it)."""


class NoModules:
    def has_root(self, segment: str) -> bool | None:
        return None

    def exports(self, path: str) -> frozenset[str] | None:
        return None


class Opaque:
    """Sorted spans (absolute offsets) where names are not judged."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        spans = sorted((s + d, e + d) for tree, d in entries for s, e in opaque_spans(tree))
        self.starts = [s for s, _ in spans]
        self.spans = spans

    def covers(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        # spans may nest; scan back over the few that start before offset in the same item
        while i >= 0:
            s, e = self.spans[i]
            if s <= offset <= e:
                return True
            if offset - s > 1 << 16:
                break
            i -= 1
        return False


def _qualifies(text: str, end: int) -> bool:
    """Whether the name ending at ``end`` is followed by ``.``/``::`` (it qualifies a member)."""
    rest = text[end:end + 2]
    return (rest[:1] == "." and rest[1:2] != ".") or rest == "::"


def unresolved(text: str, entries: Sequence[Entry], scopes: ScopeIndex,
               modules: ModuleLookup, core: CoreIndex | None = None,
               used: set[int] | None = None, closed: bool = True) -> list[Finding]:
    """``used`` collects ``use_key``s of the bindings some reference resolves to.
    ``closed``: the file is a module of its own (it has a ``module`` header), so every free name
    must come from it, its imports or the library (error); otherwise it may be a fragment of a
    larger module (a doc snippet, a script) and a free name is a warning."""
    severity = "error" if closed else "warning"
    notes = () if closed else (FindingNote("note.unresolved_fragment"),)
    core = core or core_index()
    opaque = Opaque(entries)
    out: list[Finding] = []
    for ref in scopes.references:
        b = scopes.resolve(ref.name, ref.start)
        if b is not None:
            if used is not None:
                used.add(use_key(b))
            continue
        name = ref.name
        if core.is_known(name) or opaque.covers(ref.start):
            continue
        if _qualifies(text, ref.end):
            if name[:1].isupper() and modules.has_root(name) is not False:
                continue  # a module qualifier: a workspace module, or one nobody can see
            if core.is_effect_handle(name):
                continue  # `audit.log(…)`: an operation of an effect
        out.append(Finding(UNRESOLVED, "names", severity, ref.start, ref.end, (name,),
                           notes=notes, extensions={"names": {"name": name, "role": ref.role}}))
    return out


def use_key(b: Binding) -> tuple[str, int, int]:
    """Bindings of one name with one scope are one variable: the alternatives of an or-pattern
    (``Some(n) | Ok(n)``), or a name a pattern binds twice (reported as a duplicate)."""
    return (b.name, b.scope_start, b.scope_end)


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The whole lines holding [start, end) when nothing else is on them."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le < 0 else le + 1
    if text[ls:start].strip() or text[end:le].strip():
        return None
    return ls, le


def _pub_use(decl: Tree) -> bool:
    return any(isinstance(c, Token) and c.type == "PUB" for c in decl.children)


def unused(text: str, scopes: ScopeIndex, used: set[tuple[str, int, int]],
           bodiless: Sequence[tuple[int, int]]) -> list[Finding]:
    """Unused local ``let``/``var``, parameters (of functions with a body) and private imports.
    ``bodiless``: spans of signatures without a body (trait methods, externs)."""
    out: list[Finding] = []
    for b in scopes.bindings:
        code = UNUSED.get(b.kind)
        if code is None or use_key(b) in used or b.name.startswith("_"):
            continue
        if b.kind in ("let", "var") and b.top_level:
            continue
        if b.kind == "param" and any(s <= b.start <= e for s, e in bodiless):
            continue
        fixes: list[FindingFix] = []
        if b.kind == "import":
            if b.decl is None or _pub_use(b.decl):
                continue
            if len(use_imports(b.decl)) == 1:
                s = span(b.decl, b.decl_dpos)
                lines = _line_bounds(text, *s) if s is not None else None
                if lines is not None:
                    fixes.append(FindingFix("fix.remove_import", lines[0], lines[1]))
        else:
            fixes.append(FindingFix("fix.prefix_underscore", b.start, b.end, "_" + b.name,
                                    (b.name,)))
        out.append(Finding(code, "names", "warning", b.start, b.end, (b.name,), fixes=tuple(fixes),
                           extensions={"names": {"name": b.name, "kind": b.kind}}))
    return out


def bodiless_signatures(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Spans of function signatures whose parameters cannot be used: declarations without a
    body (trait methods, signatures the spec lists), ``extern`` items and effect operations."""
    out: list[tuple[int, int]] = []
    for tree, dpos in entries:
        for node in tree.iter_subtrees():
            if node.data in ("fn_decl", "trait_item"):
                if any(isinstance(c, Tree) and c.data not in ("fn_sig", "attrs")
                       for c in node.children):
                    continue
            elif node.data not in ("extern_decl", "operation_decl"):
                continue
            s = span(node, dpos)
            if s is not None:
                out.append(s)
    return out


def is_closed_module(entries: Sequence[Entry]) -> bool:
    """Whether the file starts with a ``module`` header (spec 1-1 §B.1: it fixes the file's
    module path, so the file is a module of a package, not a fragment)."""
    for tree, _ in entries[:3]:
        decl, _ = decl_of(tree)
        if decl is not None and decl.data == "module_header":
            return True
    return False
