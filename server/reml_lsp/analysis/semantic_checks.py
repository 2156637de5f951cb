"""All semantic checks of one document (name resolution, duplicates, runtime-bridges rules) as
``Finding``s: the one entry point the CLI and the server share, so both report the same.

Only items that parsed without findings are checked (a recovered tree would report names the
user has not finished typing); their scopes still see the names the other items declare.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence

from reml_lsp.analysis import duplicates, resolve
from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.core_index import core_index
from reml_lsp.analysis.decl_names import OPEN_IMPORT
from reml_lsp.analysis.finding_sink import FindingSink
from reml_lsp.analysis.findings import Finding, to_diagnostics
from reml_lsp.analysis.item_cache import nodes, shift
from reml_lsp.analysis.item_facts import MAX_KEPT_REFS, ItemFacts, all_facts, anchors
from reml_lsp.analysis.module_exports import absolute_path, trait_mark
from reml_lsp.analysis.module_members import MEMBER_KEY, MemberCheck
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.resolve import NO_MODULES, ModuleLookup
from reml_lsp.analysis.scopes import ScopeIndex, shift_binding
from reml_lsp.analysis.tree import Entry, module_path, tokens
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.gcpause import gc_paused


def semantic_findings(text: str, entries: Sequence[Entry], *, clean: Sequence[bool] | None = None,
                      modules: ModuleLookup | None = None, scopes: ScopeIndex | None = None,
                      sink: FindingSink | None = None, state: DocumentFacts | None = None,
                      rel_path: str = "") -> list[Finding]:
    """``entries``: every item (tree, dpos) in text order; ``clean[i]``: item i parsed without
    findings (default: all). ``sink``: collect into it (bounded by the diagnostics cap: the
    findings past it are counted, not built) and return its findings. ``scopes`` is accepted
    for older callers and not needed.

    What an item yields from itself is kept with its tree (``item_facts``): an edit re-walks
    only the items it reparsed. The module-level step merges the items' facts: the name table
    is rebuilt only when some item's declarations changed (``_table``), and an item's free
    names are resolved again only when the table changed for one of them. ``state``: an open
    document's ``DocumentFacts``, spliced by the caller for the current ``entries``; the merge
    then visits only the items it names.

    ``modules``: what the workspace's modules declare (``module_members``: a member a ``use``
    imports or names through an imported module must exist there); ``rel_path`` (the
    workspace-relative path) gives the file's module path when it has no header, for
    ``self.``/``super.`` imports. Names of this file resolve the same with or without it."""
    del scopes
    with gc_paused():  # it allocates per node and frees little: see ``gc_paused``
        return _findings(text, entries, clean, modules or NO_MODULES, sink, state, rel_path)


INVALID_SUPER = "language.use.invalid_super"  # spec 1-1 §B.1 names the code


class _Table:
    """The module-level facts that depend on the items' declarations only (``ItemFacts.sig``):
    the top-level names and the duplicate declarations (as (code, (item, binding) index, first
    index) ``duplicates.Clash``es, placed when reported)."""

    __slots__ = ("clashes", "imports", "sigs", "top")

    def __init__(self, sigs: list, facts: list[ItemFacts]) -> None:
        self.sigs = sigs
        self.top = frozenset().union(*(f.names for f in facts))
        self.clashes = duplicates.clashes(
            ((i, k), rec) for i, f in enumerate(facts) if not f.sig[0]
            for k, rec in enumerate(f.recs))
        self.imports = [(i, k) for i, f in enumerate(facts) for k, rec in enumerate(f.recs)
                        if rec.space == "import"]


_TABLES: list[_Table] = []  # the last few (documents in turn keep theirs)


def _table(facts: list[ItemFacts]) -> _Table:
    sigs = [f.sig for f in facts]
    for t in _TABLES:
        if t.sigs == sigs:
            return t
    t = _Table(sigs, facts)
    _TABLES.insert(0, t)
    del _TABLES[4:]
    return t


def _resolve(f: ItemFacts, tree, top: frozenset[str], closed: bool, deltas: dict) -> bool:
    """Bring ``f.res`` (unresolved names, tree offsets) and ``f.used_*`` up to date for
    ``top``; False when the item has too many free references to keep (resolve it through the
    sink instead)."""
    refs = f.refs(tree)
    if len(refs.free) > MAX_KEPT_REFS:
        return False
    if f.res_top is top and f.res_closed == closed:
        return True
    if f.res_top is not None and f.res_closed == closed:
        key = (id(f.res_top), id(top))
        delta = deltas.get(key)
        if delta is None:
            delta = deltas[key] = f.res_top ^ top
        # no free name of the item changed sides, nor did a glob import come or go
        if OPEN_IMPORT not in delta and f.free.isdisjoint(delta):
            f.res_top = top
            return True
    used_top: set[str] = set()
    used_lib: set[str] = set()
    f.res = resolve.resolve_free(refs, top, NO_MODULES, closed, used_top, used_lib)
    f.used_top, f.used_lib = frozenset(used_top), frozenset(used_lib)
    f.res_top, f.res_closed = top, closed
    f.hot = bool(f.res or f.own_ or f.impl)
    return True


def _findings(text: str, entries: Sequence[Entry], clean: Sequence[bool] | None,
              modules: ModuleLookup, sink: FindingSink | None,
              state: DocumentFacts | None = None, rel_path: str = "") -> list[Finding]:
    # Every pass over all items below is one comprehension of attribute tests; the work is in
    # the items that are new, that the name table changed for, or that have findings. With a
    # ``state`` (one open document), the passes visit only the items its lists name.
    n = len(entries)
    ok = clean if clean is not None else [True] * n
    if state is not None:
        facts = state.facts
        table = state.table if state.table is not None and state.same_sigs else _table(facts)
    else:
        state = None
        facts = all_facts(text, entries)
        table = _table(facts)
    closed = any(f.header for f in facts[:3])
    top = table.top
    incremental = state is not None and state.table is table and state.closed == closed
    if incremental:
        assert state is not None
        # the fresh items and those resolved through the sink (never kept: always stale)
        stale = [i for i in sorted({*range(*state.fresh), *state.big})
                 if (facts[i].res_top is not top or facts[i].res_closed is not closed) and ok[i]]
    else:
        stale = [i for i, f in enumerate(facts)
                 if (f.res_top is not top or f.res_closed is not closed) and ok[i]]
    loose: set[int] = set()  # resolved through the sink on each call (``_resolve`` False)
    deltas: dict = {}
    for i in stale:
        f = facts[i]
        tree = entries[i][0]
        if not _resolve(f, tree, top, closed, deltas):
            loose.add(i)
        f.own(tree)
    if state is None:
        flagged = [i for i, f in enumerate(facts) if f.hot and ok[i]]
        inner = [i for i in range(n) if facts[i].inner]
    elif incremental:
        flagged = state.rehot(stale, ok)
        inner = state.inner
    else:
        flagged = state.hot = [i for i, f in enumerate(facts) if f.hot and ok[i]]
        inner = state.inner
    fresh = state.fresh if incremental and state is not None else None
    if state is not None:
        state.table, state.closed, state.big = table, closed, sorted(loose)
    out = sink if sink is not None else FindingSink(-1)
    # the file's module path, read once if a check asks (members, traits, `use super`)
    current = functools.cache(lambda: module_path(text, entries, rel_path))
    if modules is not NO_MODULES:
        check = state.members if state is not None else MemberCheck()
        check.run(entries, facts, ok, table, modules, current, fresh, out)
    return _report(text, entries, facts, ok, table, closed, loose, flagged, inner, out,
                   modules, current)


def _trait_test(modules: ModuleLookup, current: Callable[[], str]) -> Callable[[str], bool]:
    """Whether an import's path names a trait: the library's (core index), or a workspace
    module's (its ``trait_mark`` among the module's names)."""
    core = core_index()

    def is_trait(path: str) -> bool:
        module, _, member = path.rpartition(".")
        lib = core.module(module)
        if lib is not None and member in lib:
            return lib[member].kind == "trait"
        if modules is NO_MODULES or not module:
            return False
        names = modules.exports(absolute_path(module, current()))
        return names is not None and trait_mark(member) in names
    return is_trait


def _report(text: str, entries: Sequence[Entry], facts: list[ItemFacts], ok: Sequence[bool],
            table: _Table, closed: bool, loose: set[int],
            flagged: list[int], inner: list[int], out: FindingSink,
            modules: ModuleLookup, current: Callable[[], str]) -> list[Finding]:
    """Place the findings of the ``flagged`` and ``loose`` items, the clashes inside the
    ``inner`` items' module blocks, the unused imports and the duplicate declarations."""
    sev = "error" if closed else "warning"
    top = table.top
    core = core_index()
    loose_top: set[str] = set()
    loose_lib: set[str] = set()
    impls = []
    for i in sorted(loose.union(flagged)) if loose else flagged:
        f = facts[i]
        tree, dpos = entries[i]
        if i in loose:
            resolve.resolve_free(f.refs(tree), top, NO_MODULES, closed, loose_top, loose_lib,
                                 core, sink=out, dpos=dpos)
        elif f.res:
            _place(out, f.res, dpos)
        if f.own_:
            _place(out, f.own_, dpos)
        if f.impl is not None:
            impls.append((f.impl, dpos))
    for i in inner:  # clashes inside module blocks
        d = entries[i][1]
        out.extend(duplicates.clash_finding(code, b, first, sev, d, d)
                   for code, b, first in facts[i].inner)
    if table.imports and all(ok):  # a broken item may hold the only use of an import
        kept = [f for i, f in enumerate(facts) if i not in loose] if loose else facts
        out.extend(resolve.unused_imports(
            text, [_placed(facts, entries, i, k) for i, k in table.imports],
            loose_top.union(*[f.used_top for f in kept]),
            loose_lib.union(*[f.used_lib for f in kept]), core, _trait_test(modules, current),
            out.spans(resolve.UNRESOLVED)))
    if any(b.path and b.path.split(".", 1)[0] == "super" for b in (
            facts[i].tops[k] for i, k in table.imports)):
        out.extend(_invalid_super(entries, current(), sev))
    for code, (i, k), (fi, fk) in table.clashes:
        out.add(duplicates.clash_finding(code, facts[i].tops[k], facts[fi].tops[fk], sev,
                                         entries[i][1], entries[fi][1]))
    out.extend(duplicates.impl_clashes(impls))
    if modules is NO_MODULES:
        return out.findings()
    # `app.lib.width()` without a `use`: a path from the root of a workspace module (spec 1-1
    # §B.1), not an unknown name `app` — which only the workspace can tell
    return [f for f in out.findings() if not (
        f.code == resolve.UNRESOLVED and f.key != MEMBER_KEY and resolve.qualifies(text, f.end)
        and modules.is_module(str(f.args[0])))]


class DocumentFacts:
    """One open document's items as the merge sees them, kept across edits: their facts, the
    name table of the last call, and the sorted indices of the items a call must visit (with
    findings to place: ``hot``; with module blocks: ``inner``; resolved afresh each call:
    ``big``). ``splice`` replaces the items an edit reparsed and shifts the indices after them,
    so a call costs O(items replaced + items with findings), not O(items).

    ``fresh`` is the index range of the items the last splice brought in; ``same_sigs``: their
    declarations are those of the items they replaced (the name table still holds). It relies on
    the facts of the document's trees being resolved only through it (the CLI parses its own
    trees), since the items it does not visit are taken to be resolved against its last table."""

    def __init__(self) -> None:
        self.facts: list[ItemFacts] = []
        self.table: _Table | None = None
        self.closed = False
        self.same_sigs = False
        self.fresh = (0, 0)
        self.hot: list[int] = []
        self.inner: list[int] = []
        self.big: list[int] = []
        self.members = MemberCheck()  # the cross-module check (``module_members``)

    def splice(self, text: str, lo: int, old_hi: int, new: Sequence[Entry]) -> None:
        """Items ``[lo, old_hi)`` were replaced by ``new`` (current positions)."""
        old = self.facts[lo:old_hi]
        facts = all_facts(text, new)
        self.facts[lo:old_hi] = facts
        self.same_sigs = len(old) == len(facts) and all(
            a.sig == b.sig for a, b in zip(old, facts, strict=True))
        new_hi = lo + len(facts)
        self.fresh = (lo, new_hi)
        shift = new_hi - old_hi
        self.hot = spliced(self.hot, lo, old_hi, shift, ())
        self.big = spliced(self.big, lo, old_hi, shift, ())
        self.inner = spliced(self.inner, lo, old_hi, shift,
                              [lo + k for k, f in enumerate(facts) if f.inner])
        self.members.quals = spliced(self.members.quals, lo, old_hi, shift, ())

    def rehot(self, visited: Sequence[int], ok: Sequence[bool]) -> list[int]:
        """``hot`` after the merge re-resolved the ``visited`` items (and the fresh ones)."""
        lo, hi = self.fresh
        check = sorted({*range(lo, hi), *visited})
        keep = set(self.hot).difference(check)
        keep.update(i for i in check if self.facts[i].hot and ok[i])
        self.hot = sorted(keep)
        return self.hot


def spliced(xs: list[int], lo: int, old_hi: int, shift: int, added: Sequence[int]
             ) -> list[int]:
    """Sorted indices ``xs`` with ``[lo, old_hi)`` replaced by ``added`` and the later ones
    moved by ``shift``."""
    a = bisect.bisect_left(xs, lo)
    b = bisect.bisect_left(xs, old_hi, lo=a)
    return [*xs[:a], *added, *(x + shift for x in xs[b:])]


def _invalid_super(entries: Sequence[Entry], current: str, sev: str) -> list[Finding]:
    """``use super.…`` in a root module (``current``, the file's module path, has one segment:
    spec 1-1 §B.1, "ルートモジュールでは super を利用できません"), at each such ``super``."""
    if "." in current:
        return []
    out: list[Finding] = []
    for tree, dpos in entries:
        for use in nodes(tree).get("use_decl", ()):
            tok = next((t for t in tokens(use) if t.type == "SUPER"), None)
            if tok is not None:
                out.append(Finding(INVALID_SUPER, "names", sev, tok.start_pos + dpos,
                                   tok.end_pos + dpos, (current,)))
    return out


def _placed(facts: list[ItemFacts], entries: Sequence[Entry], i: int, k: int) -> Binding:
    """Top-level binding ``k`` of item ``i`` where it is now."""
    return shift_binding(facts[i].tops[k], entries[i][1])


def _place(out: FindingSink, found: list[Finding], d: int) -> None:
    """Findings of an item (tree offsets) into ``out`` at the item's place ``d``; one the sink
    no longer wants is counted, not moved."""
    if out.limit < 0:
        out.extend(shift(found, d))
        return
    for f in found:
        if out.wants(f.start + d, f.end + d, f.code):
            out.add(shift([f], d)[0])


def semantic_diagnostics(text: str, entries: Sequence[Entry], clean: Sequence[bool], *,
                         index: LineIndex, file: str, rel_path: str, locale: str,
                         modules: ModuleLookup | None = None, stream_meta: dict | None = None
                         ) -> list[Diagnostic]:
    """``semantic_findings`` as localised diagnostics (what ``lint`` and the server publish)."""
    found = semantic_findings(text, entries, clean=clean, modules=modules, rel_path=rel_path)
    return to_diagnostics(found, text=text, index=index, file=file, rel_path=rel_path,
                          locale=locale, stream_meta=stream_meta,
                          anchors=anchors(text, entries, found))
