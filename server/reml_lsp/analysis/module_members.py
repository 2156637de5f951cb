"""Members other workspace modules must declare: each name a ``use`` imports (``use a.b.{x,
y as z}``, ``use a.b.x``) and each member named through an imported module (``use a.b`` then
``b.x(…)``, ``use a.b as m`` then ``m.x``, in expressions, types and patterns). A member the
target module does not declare is ``name.unresolved`` (message key ``name.unresolved.member``)
at the member's name, an error, with the closest declared name as a located note and a quick
fix that puts it in.

Only what the ``ModuleLookup`` fully knows is judged: a module it cannot see (a package that is
not present, the standard library, a path known only by its case) answers ``None`` and nothing
naming it is reported; a member that is itself a module (or a leading part of one) is fine.
Visibility (``pub``) is not judged: spec 1-1 §B.2 makes declarations private by default but
leaves open whether a child module sees its parent's private names and how a parent's ``pub``
carries a name across a package, so an import of a non-``pub`` name is not reported.

An open document keeps a ``MemberCheck`` across edits: the answers for its imports are looked
up again only when its name table or the lookup's ``generation`` changed, and the items that
name a member through an imported module are kept in a list spliced like the other per-item
lists, so a keystroke visits only those (and the items the edit reparsed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
from lark import Token, Tree

from reml_lsp.analysis.decl_names import use_members
from reml_lsp.analysis.finding_sink import FindingSink
from reml_lsp.analysis.findings import Finding, FindingFix, FindingNote
from reml_lsp.analysis.item_cache import ItemMemo, nodes, shift
from reml_lsp.analysis.item_facts import item_facts
from reml_lsp.analysis.module_exports import absolute_path, trait_mark
from reml_lsp.analysis.resolve import UNRESOLVED, ItemRefs, ModuleLookup
from reml_lsp.analysis.tree import NAME_TYPES, Entry

MEMBER_KEY = "name.unresolved.member"
# node type → role of a member named through its first segment
_CHAINS = {"field": "value", "path_segment": "value", "type_path": "type", "path": "value",
           "pattern_path": "pattern"}


@attrs.frozen
class QualRef:
    """``head.member`` where ``head`` is a name the item does not bind (tree offsets)."""

    head: str
    member: str
    start: int  # the member's name
    end: int
    role: str


def _names(node: Tree) -> list[Token]:
    return [c for c in node.children if isinstance(c, Token) and c.type in NAME_TYPES]


def _chain(node: Tree) -> tuple[Token, Token] | None:
    """(head, member) tokens of a node that names a member of a plain name."""
    if node.data in ("field", "path_segment"):
        first = node.children[0] if node.children else None
        if not isinstance(first, Tree) or first.data != "var":
            return None
        head = _names(first)
        member = _names(node)
        return (head[0], member[-1]) if len(head) == 1 and member else None
    toks = _names(node)
    return (toks[0], toks[1]) if len(toks) >= 2 else None


_QUALS = ItemMemo()


def item_quals(tree: Tree, refs: ItemRefs) -> tuple[QualRef, ...]:
    """The members an item names through a free, qualifying name (computed once per tree)."""
    def compute() -> tuple[QualRef, ...]:
        heads = {r.start for r in refs.free if r.qualifies and not r.opaque}
        if not heads:
            return ()
        index = nodes(tree)
        out = []
        for kind, role in _CHAINS.items():
            for node in index.get(kind, ()):
                pair = _chain(node)
                if pair is not None and pair[0].start_pos in heads:
                    head, member = pair
                    out.append(QualRef(str(head), str(member), member.start_pos,
                                       member.end_pos, role))
        out.sort(key=lambda q: q.start)
        return tuple(out)
    return _QUALS.get(tree, None, compute)


def closest(name: str, candidates: frozenset[str]) -> str | None:
    """The candidate nearest to ``name`` by edit distance, within a third of its length (at
    least 1); ties go to the alphabetically first. None when nothing is that close."""
    limit = max(1, len(name) // 3)
    best: tuple[int, str] | None = None
    for cand in candidates:
        if cand == name or abs(len(cand) - len(name)) > limit or " " in cand:
            continue
        d = _distance(name, cand, limit)
        if d <= limit and (best is None or (d, cand) < best):
            best = (d, cand)
    return best[1] if best else None


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it must exceed it."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def member_finding(member: str, module: str, start: int, end: int, role: str,
                   names: frozenset[str]) -> Finding:
    near = closest(member, names)
    return Finding(
        UNRESOLVED, "names", "error", start, end, (member, module), key=MEMBER_KEY,
        notes=(FindingNote("note.similar_member", (near,), start, end),) if near else (),
        fixes=(FindingFix("fix.replace_member", start, end, near, (near,)),) if near else (),
        extensions={"names": {"name": member, "role": role, "module": module}})


def _relative_inside(path: str) -> bool:
    """``a.super.b``: a relative step past the head (``absolute_path`` resolves heads only)."""
    return any(p in ("self", "super") for p in path.split(".")[1:])


class MemberCheck:
    """The cross-module check of one document; an open document keeps it across edits."""

    def __init__(self) -> None:
        # (name table, lookup, its generation) ``deps`` were asked for
        self.key: tuple[Any, Any, Any] | None = None
        self.deps: tuple = ()  # every answer the imports got from the lookup
        self.paths: frozenset[str] = frozenset()  # the module paths those answers are about
        self.aliases: dict[str, str] = {}  # local name → module it names (a whole module)
        self.quals: list[int] = []  # sorted items naming a member through an alias
        self.akey: tuple = ()  # ``aliases`` as a sorted tuple (a new object when they change)
        self.alias_key: tuple | None = None  # ``akey`` the ``quals`` list was made for
        self.current = ""  # the document's module path when ``deps`` were asked

    def stale(self, lookup: ModuleLookup) -> bool:
        """Whether ``lookup`` now answers any question of the last run differently."""
        if self.key is None:
            return False
        generation = getattr(lookup, "generation", None)
        if generation is not None and lookup is self.key[1] and generation == self.key[2]:
            return False
        now = tuple((name, full, lookup.is_module(full), lookup.exports(full), target,
                     lookup.exports(target) if target else None)
                    for name, full, _, _, target, _ in self.deps)
        if now != self.deps:
            return True
        self.key = (self.key[0], lookup, generation)
        return False

    def run(self, entries: Sequence[Entry], facts: Sequence[Any], ok: Sequence[bool],
            table: Any, lookup: ModuleLookup, current: Callable[[], str],
            fresh: tuple[int, int] | None, out: FindingSink) -> None:
        """Add the findings to ``out``. ``facts[i]``: ``ItemFacts`` of ``entries[i]``;
        ``table``: the name table (its ``imports`` list the import bindings); ``fresh``: the
        items reparsed since the last call on this check (None: every item is new)."""
        if not table.imports:
            if self.key is not None or self.quals:
                self.__init__()
            return
        generation = getattr(lookup, "generation", None)
        if self.key is None or self.key[0] is not table or self.key[1] is not lookup \
                or generation is None or self.key[2] != generation:
            self._resolve(facts, table, lookup, current())
            self.key = (table, lookup, generation)
        deps = self.deps
        done: set[int] = set()
        for i, _ in table.imports:
            if i in done or not ok[i]:
                continue
            done.add(i)
            tree, dpos = entries[i]
            _place(out, _IMPORTS.get(tree, deps, lambda t=tree: self._imports(t, lookup)), dpos)
        if not self.aliases:
            self.quals = []
            return
        if self.alias_key is not self.akey or fresh is None:
            alias_names = frozenset(self.aliases)
            self.quals = [i for i, f in enumerate(facts)
                          if ok[i] and not _free(f, entries[i][0]).isdisjoint(alias_names)]
            self.alias_key = self.akey
        elif fresh[0] < fresh[1]:
            alias_names = frozenset(self.aliases)
            lo, hi = fresh
            add = [i for i in range(lo, hi)
                   if ok[i] and not _free(facts[i], entries[i][0]).isdisjoint(alias_names)]
            self.quals = sorted({*self.quals, *add})
        keep = []
        for i in self.quals:
            if not ok[i]:
                continue
            keep.append(i)
            tree, dpos = entries[i]
            refs = facts[i].refs(tree)
            _place(out, _MEMBERS.get(tree, (deps, self.akey),
                                     lambda t=tree, r=refs: self._members(t, r, lookup)), dpos)
        self.quals = keep

    def _resolve(self, facts: Sequence[Any], table: Any, lookup: ModuleLookup,
                 current: str) -> None:
        """Ask the lookup about every import; keep the answers (``deps``) as they were when
        nothing changed, so the per-tree memos below stay valid."""
        self.current = current
        answers = []
        imports = [facts[i].tops[k] for i, k in table.imports]
        for b in imports:
            if b.path is None:
                continue
            full = absolute_path(b.path, current)
            target = full.rpartition(".")[0]
            answers.append((b.name, full, lookup.is_module(full), lookup.exports(full),
                            target, lookup.exports(target) if target else None))
        deps = tuple(answers)
        if deps != self.deps:
            self.deps = deps
            self.paths = frozenset(p for a in deps for p in (a[1], a[4]) if p)
        counts: dict[str, int] = {}
        for b in imports:
            counts[b.name] = counts.get(b.name, 0) + 1
        declared = {b.name for f in facts for b in f.tops if b.kind != "import"}
        aliases = {name: full for name, full, is_mod, names, _, _ in deps
                   if is_mod and names is not None and counts[name] == 1
                   and name not in declared}
        akey = tuple(sorted(aliases.items()))
        if akey != self.akey:
            self.akey, self.aliases = akey, aliases

    def _imports(self, tree: Tree, lookup: ModuleLookup) -> list[Finding]:
        """The findings of one ``use`` item (tree offsets)."""
        answers = {a[1]: a for a in self.deps}
        out = []
        for decl in nodes(tree).get("use_decl", ()):
            for written, tok in use_members(decl):
                a = answers.get(absolute_path(written, self.current))
                if a is None or a[2] or _relative_inside(written):
                    continue  # not asked (an odd path), or it names a module
                _, full, _, _, target, names = a
                member = full.rpartition(".")[2]
                if names is not None and member not in names and member == str(tok):
                    out.append(member_finding(member, target, tok.start_pos, tok.end_pos,
                                              "import", names))
        return out

    def _members(self, tree: Tree, refs: ItemRefs, lookup: ModuleLookup) -> list[Finding]:
        """The findings of one item naming members through imported modules (tree offsets)."""
        out = []
        for q in item_quals(tree, refs):
            module = self.aliases.get(q.head)
            if module is None or lookup.is_module(f"{module}.{q.member}"):
                continue
            names = lookup.exports(module)
            if names is not None and q.member not in names:
                out.append(member_finding(q.member, module, q.start, q.end, q.role, names))
        return out


_IMPORTS = ItemMemo()
_MEMBERS = ItemMemo()


def _free(f: Any, tree: Tree) -> frozenset[str]:
    """The names item facts ``f`` leave free (its references computed first)."""
    f.refs(tree)
    return f.free


def _place(out: FindingSink, found: list[Finding], d: int) -> None:
    for f in found:
        if out.limit < 0 or out.wants(f.start + d, f.end + d, f.code):
            out.add(shift([f], d)[0])


def file_quals(text: str, entries: Sequence[Entry]) -> frozenset[tuple[str, str]]:
    """(head, member) of every member an analysed file names through a free name (the items'
    facts are on their trees already: nothing is walked twice)."""
    out: set[tuple[str, str]] = set()
    for tree, dpos in entries:
        f = item_facts(text, tree, dpos)
        out.update((q.head, q.member) for q in item_quals(tree, f.refs(tree)))
    return frozenset(out)


def might_report(imports: Sequence[tuple[str, str]], quals: frozenset[tuple[str, str]],
                 current: str, lookup: ModuleLookup) -> bool:
    """Whether ``MemberCheck`` could report anything in a file with these imports ((local name,
    path as written)) and ``file_quals``: an over-approximation (True may still find nothing,
    False never misses a finding), so `lint` re-analyses with the workspace only such files."""
    modules: dict[str, list[str]] = {}
    for name, written in imports:
        full = absolute_path(written, current)
        if lookup.is_module(full):
            if lookup.exports(full) is not None:
                modules.setdefault(name, []).append(full)
            continue
        target, _, member = full.rpartition(".")
        names = lookup.exports(target) if target else None
        if names is not None and (member not in names or trait_mark(member) in names):
            return True  # a missing member, or a trait (its import is never reported unused)
    for head, member in quals:
        if lookup.is_module(head):
            return True  # `app.lib.width()`: the workspace answers whether `app` resolves
        for full in modules.get(head, ()):
            names = lookup.exports(full)
            if names is not None and member not in names \
                    and not lookup.is_module(f"{full}.{member}"):
                return True
    return False
