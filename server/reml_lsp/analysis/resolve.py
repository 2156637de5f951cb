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
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

import attrs
from lark import Token, Tree

from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.core_index import CoreIndex, core_index
from reml_lsp.analysis.decl_names import OPEN_IMPORT, use_imports
from reml_lsp.analysis.finding_sink import FindingSink
from reml_lsp.analysis.findings import Finding, FindingFix, FindingNote
from reml_lsp.analysis.item_cache import nodes
from reml_lsp.analysis.opaque import opaque_spans
from reml_lsp.analysis.scopes import ScopeIndex, inner, item_scopes
from reml_lsp.analysis.tree import Entry, decl_of, span

UNRESOLVED = "name.unresolved"
# Spec 3-1 §1: `Core.Prelude` (and `use Core`, which brings it) provides operator sugar (`?`, the
# pipe placeholder `_`, guard helpers) besides names, so its use cannot be seen by name: never
# reported unused.
SUGAR_MODULES = frozenset({"Core", "Core.Prelude", "::Core", "::Core.Prelude"})
UNUSED = {"let": "name.unused.let", "var": "name.unused.let", "param": "name.unused.param",
          "import": "name.unused.import"}


class ModuleLookup(Protocol):
    """What the workspace knows about modules (``None`` everywhere: it knows nothing).
    ``module_exports.ExportTable`` (lint) and ``modules.IndexModules`` (the editor) answer it
    from the same index entries."""

    def has_root(self, segment: str) -> bool | None:
        """Whether some module path starts with ``segment`` (None: cannot tell)."""

    def exports(self, path: str) -> frozenset[str] | None:
        """The names module ``path`` declares (None: the workspace cannot see all of it)."""

    def is_module(self, path: str) -> bool:
        """Whether ``path`` is a workspace module or a leading part of one."""


class NoModules:
    def has_root(self, segment: str) -> bool | None:
        return None

    def exports(self, path: str) -> frozenset[str] | None:
        return None

    def is_module(self, path: str) -> bool:
        return False


NO_MODULES = NoModules()


def _covers(spans: Sequence[tuple[int, int]], offset: int) -> bool:
    i = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    while i >= 0:
        s, e = spans[i]
        if s <= offset <= e:
            return True
        i -= 1
        if i >= 0 and spans[i][1] < s and offset - spans[i][0] > 1 << 16:
            break
    return False


def qualifies(text: str, end: int) -> bool:
    """Whether the name ending at ``end`` is followed by ``.``/``::`` (it qualifies a member)."""
    rest = text[end:end + 2]
    return (rest[:1] == "." and rest[1:2] != ".") or rest == "::"


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


@attrs.frozen
class FreeRef:
    """A reference no local binding of its item resolves (tree offsets)."""

    name: str
    start: int
    end: int
    role: str
    qualifies: bool  # followed by `.`/`::`: it qualifies a member
    opaque: bool  # inside a construct the checker does not model


@attrs.frozen
class ItemRefs:
    """What resolving an item needs from the item alone (memoised per tree): its free
    references, and its unused locals (which no other item can use)."""

    free: tuple[FreeRef, ...]
    unused_locals: list[Finding]  # tree offsets (dpos 0)


def item_refs(text: str, tree: Tree, dpos: int) -> ItemRefs:
    part = item_scopes(tree)
    opaque = opaque_spans(tree)
    locals_ = [b for b in part.bindings if not b.top_level]
    used: set[tuple[str, int, int]] = set()
    free: list[FreeRef] = []
    for ref in part.references:
        best: Binding | None = None
        for b in locals_:
            if b.name == ref.name and b.visible_at(ref.start) and (best is None or inner(b, best)):
                best = b
        if best is not None:
            used.add(use_key(best))
            continue
        free.append(FreeRef(ref.name, ref.start, ref.end, ref.role,
                            qualifies(text, ref.end + dpos), _covers(opaque, ref.start)))
    bodiless = bodiless_signatures([(tree, 0)])
    out: list[Finding] = []
    for b in locals_:
        code = UNUSED.get(b.kind)
        if code is None or b.kind == "import" or use_key(b) in used or b.name.startswith("_"):
            continue
        if b.kind == "param" and any(s <= b.start <= e for s, e in bodiless):
            continue
        out.append(Finding(code, "names", "warning", b.start, b.end, (b.name,),
                           fixes=(FindingFix("fix.prefix_underscore", b.start, b.end,
                                             "_" + b.name, (b.name,)),),
                           extensions={"names": {"name": b.name, "kind": b.kind}}))
    return ItemRefs(tuple(free), out)


def resolve_free(refs: ItemRefs, top: frozenset[str], modules: ModuleLookup, closed: bool,
                 used_top: set[str], used_lib: set[str], core: CoreIndex | None = None,
                 sink: FindingSink | None = None, dpos: int = 0) -> list[Finding]:
    """Resolve an item's free references against the file's top-level names ``top``, the
    library, module qualifiers and effect handles (cheap: no tree walk, so it runs for every
    item on every edit and only the items' own parts are memoised). With ``sink`` the findings
    go there, moved to the item's place ``dpos``, and one past its cap is counted, not built;
    the list returned is then empty."""
    core = core or core_index()
    out: list[Finding] = []
    for ref in refs.free:
        name = ref.name
        if name in top:
            used_top.add(name)
            continue
        if core.is_known(name):
            used_lib.add(name)
            continue
        if ref.opaque or OPEN_IMPORT in top:
            continue
        if ref.qualifies:
            if name[:1].isupper() and modules.has_root(name) is not False:
                continue  # a module qualifier: a workspace module, or one nobody can see
            if core.is_effect_handle(name):
                continue  # `audit.log(…)`: an operation of an effect
        d = dpos if sink is not None else 0
        if sink is not None and not sink.wants(ref.start + d, ref.end + d, UNRESOLVED):
            continue
        found = Finding(
            UNRESOLVED, "names", "error" if closed else "warning", ref.start + d, ref.end + d,
            (name,), notes=() if closed else (FindingNote("note.unresolved_fragment"),),
            extensions={"names": {"name": name, "role": ref.role}})
        if sink is not None:
            sink.add(found)
        else:
            out.append(found)
    return out


def unused_imports(text: str, imports: ScopeIndex | Iterable[Binding], used_top: set[str],
                   used_lib: set[str] = frozenset(), core: CoreIndex | None = None,
                   is_trait: Callable[[str], bool] | None = None,
                   unresolved: set[tuple[int, int]] = frozenset()) -> list[Finding]:
    """Private ``use`` imports (``imports``: the file's top-level bindings in text order, or
    its ``ScopeIndex``) whose name no item refers to; the fix removes a ``use`` of one
    name that stands on its own lines. Importing a library module (``use Core.Prelude``) also
    counts as used when the file names one of that module's declarations unqualified
    (``Option``, ``Some``): the reference accepts the names after such an import. An import of
    a trait (``is_trait`` of its path) is never reported: its methods may be all that uses it
    (spec 1-2 §E), and telling which calls they are needs types. Nor is one whose name is
    already reported missing from its module (``unresolved`` spans): the fix is the name."""
    core = core or core_index()
    out: list[Finding] = []
    if isinstance(imports, ScopeIndex):
        imports = imports.top_level()
    for b in imports:
        if b.kind != "import" or b.name in used_top or b.name.startswith("_"):
            continue
        if b.path in SUGAR_MODULES:
            continue
        lib = core.module(b.path or "")
        if lib and used_lib & lib.keys():
            continue
        if b.decl is None or _pub_use(b.decl):
            continue
        if is_trait is not None and b.path and is_trait(b.path):
            continue
        if (b.start, b.end) in unresolved:
            continue
        fixes: list[FindingFix] = []
        if len(use_imports(b.decl)) == 1:
            s = span(b.decl, b.decl_dpos)
            lines = _line_bounds(text, *s) if s is not None else None
            if lines is not None:
                fixes.append(FindingFix("fix.remove_import", lines[0], lines[1]))
        out.append(Finding(UNUSED["import"], "names", "warning", b.start, b.end, (b.name,),
                           fixes=tuple(fixes),
                           extensions={"names": {"name": b.name, "kind": "import"}}))
    return out


def _todo_body(fn: Tree) -> bool:
    """``fn f(x: T) -> U = todo``: the body is the bare name ``todo``."""
    body = fn.children[-1] if fn.children else None
    if not (isinstance(body, Tree) and body.data == "expr_body"):
        return False
    value = body.children[-1] if body.children else None
    return isinstance(value, Tree) and value.data == "var" and str(value.children[0]) == "todo"


def bodiless_signatures(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    """Spans of function signatures whose parameters cannot be used: declarations without a
    body (trait methods, signatures the spec lists), ``extern`` items, effect operations, and
    stubs whose body is ``todo`` (the spec's placeholder for a body to be written)."""
    out: list[tuple[int, int]] = []
    for tree, dpos in entries:
        index = nodes(tree)
        found = [n for kind in ("fn_decl", "trait_item") for n in index.get(kind, ())
                 if not any(isinstance(c, Tree) and c.data not in ("fn_sig", "attrs")
                            for c in n.children) or _todo_body(n)]
        found += [n for kind in ("extern_decl", "operation_decl") for n in index.get(kind, ())]
        for node in found:
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
