"""Runtime-bridges rules (the runtime-bridges guide, ``../shared/seeds``; docs/bridges-rules.md):

* ``bridges.unsafe.missing_defer`` (§1, §6, §7.1; spec 1-3 §G): a resource acquired in an
  ``unsafe`` block (``let h = …alloc(…)``, ``malloc``, ``mmap``, ``open``, ``lock``, ``acquire``:
  ``RELEASE``) that no ``defer`` releases where it goes: in the block, or, when the handle is the
  block's result, in the block of the ``let`` that takes it (``bridges_escape``; returned from
  the function, the caller owns it). Quick fix: insert ``defer <release>(h)`` after the ``let``
  (``alloc`` → ``free``, ``open`` → ``close`` …, same qualifier).
* ``bridges.unsafe.missing_audit`` (§1, §7.1, §8.2; spec 3-9 §4.2): an ``unsafe`` block with no
  ``audit.log(…)``/``log_unsafe_operation(…)`` in the block or its top-level item, outside the
  closure of ``audited_unsafe_block``.
* ``bridges.effects.missing_tag`` (§1 table; spec 3-9 §2.2, 1-3 §A): a declared effect row
  ``!{…}`` whose boundary needs tags it lacks. FFI (an ``extern`` item) needs ``ffi`` (3-9 §2.2
  also names ``unsafe``; the row may hold it, but that half is the ``unsafe`` block of
  1-3 §F). Cloud/REST (``network`` tag, or calls through ``http``/``net``/``rest``/``tcp``/
  ``udp``) needs ``network`` and ``audit``; database (``db``, or ``db``/``sql``
  calls) needs ``db`` and ``audit``; GPU (``gpu``, or ``gpu``/``cuda`` calls) needs ``gpu`` and
  ``runtime``; embedded I/O (``embedded``/``hardware``, or ``register``/``mmio`` calls) needs
  ``runtime``. A call goes "through" a qualifier when the last segment of its callee's path
  names it (``Core.Net.Http.get``: ``Http``; ``Core.Net.Url.parse``: ``Url``, pure) and the
  path does not start at a value the item binds (``bridges_calls``: ``rest.len()`` on a
  ``..rest`` pattern variable is no REST call); the tag ``net`` (Core.Net, spec 3-17) declares
  ``network``. Quick fix: add the tags to the row. A signature
  without a row is not judged (effects are inferred).

All three are warnings: they are the guide's policy, not the language's typing rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lark import Token, Tree

from reml_lsp.analysis.bridges_calls import (
    Locals,
    audited_blocks,
    boundary_path,
    callee,
    is_audit_log,
)
from reml_lsp.analysis.bridges_escape import (
    Bound,
    Returned,
    deferred_names,
    follow,
    is_name,
    let_value,
    mentions,
    parents,
    tail,
)
from reml_lsp.analysis.decl_names import let_pattern, pattern_names
from reml_lsp.analysis.findings import Finding, FindingFix, FindingNote
from reml_lsp.analysis.item_cache import nodes
from reml_lsp.analysis.tree import NAME_TYPES, Entry, child_tree, decl_of, span, subtrees

MISSING_DEFER = "bridges.unsafe.missing_defer"
MISSING_AUDIT = "bridges.unsafe.missing_audit"
MISSING_TAG = "bridges.effects.missing_tag"

# Acquiring verb → the verb that releases (a callee named ``verb`` or ``verb_…``). Only what the
# guide and spec name as resources released by ``defer``: memory (guide §6 "メモリ割当/解放のペア",
# the GPU handles of §1/§7.1: ``alloc``, ``malloc``, ``calloc``, ``allocate``, ``mmap``), and
# files and locks (spec 1-3 §G, the example of ``defer``: ``open``, ``lock``, ``acquire``).
# ``create_dir``, ``connect``, ``reserve`` (capacity) acquire nothing a ``defer`` must release.
RELEASE = {"alloc": "free", "malloc": "free", "calloc": "free", "allocate": "deallocate",
           "mmap": "munmap", "open": "close", "lock": "unlock", "acquire": "release"}

# Boundary kind → (tags that mark it, call qualifiers that mark it, tags it requires).
# Library tags that declare a guide tag: `net` is Core.Net's tag (spec 3-17) for `network`.
TAG_SYNONYMS = {"net": "network"}
BOUNDARIES: dict[str, tuple[frozenset[str], frozenset[str], tuple[str, ...]]] = {
    "ffi": (frozenset({"ffi"}), frozenset(), ("ffi",)),
    "cloud/REST": (frozenset({"network"}), frozenset({"http", "net", "rest", "tcp", "udp"}),
                   ("network", "audit")),
    "database": (frozenset({"db"}), frozenset({"db", "sql"}), ("db", "audit")),
    "GPU": (frozenset({"gpu"}), frozenset({"gpu", "cuda"}), ("gpu", "runtime")),
    "embedded I/O": (frozenset({"embedded", "hardware"}), frozenset({"register", "mmio"}),
                     ("runtime",)),
}


def _calls(node: Tree) -> Iterable[Tree]:
    return (n for n in subtrees(node) if n.data == "call")


def _acquire_verb(name: str) -> str | None:
    for verb in RELEASE:
        if name == verb or name.startswith(verb + "_"):
            return verb
    return None


def _release_call(call: Tree, text: str, dpos: int, verb: str, name: str, var: str) -> str:
    head = call.children[0]
    s = span(head, dpos)
    callee = text[s[0]:s[1]] if s is not None else name
    new = RELEASE[verb] + name[len(verb):]
    return f"defer {callee[:len(callee) - len(name)]}{new}({var})"


def _line_indent(text: str, offset: int) -> tuple[int, str]:
    ls = text.rfind("\n", 0, offset) + 1
    i = ls
    while i < len(text) and text[i] in " \t":
        i += 1
    return ls, text[ls:i]


def _is_audit(call: Tree) -> bool:
    """``audit.log(…)``, or spec 3-9 §4.2's ``log_unsafe_operation(…)`` (``effect {audit}``)."""
    return is_audit_log(call) or callee(call).name == "log_unsafe_operation"


def _unsafe_blocks(tree: Tree) -> Iterable[Tree]:
    return nodes(tree).get("unsafe_block", ())


def _acquired_call(value: Tree | None) -> Tree | None:
    """The call of ``let h = f(…)`` / ``let h = f(…)?`` when ``f`` acquires a resource."""
    if value is None or value.data not in ("call", "try_"):
        return None
    call = value if value.data == "call" else child_tree(value, "call")
    if call is None:
        return None
    name = callee(call).name
    return call if name is not None and _acquire_verb(name) is not None else None


def _check_unsafe(text: str, tree: Tree, dpos: int, item: Tree) -> list[Finding]:
    out: list[Finding] = []
    blocks = _unsafe_blocks(tree)
    if not blocks:
        return out
    calls = nodes(tree).get("call", ())
    audited_item = any(_is_audit(c) for c in calls)
    audited = audited_blocks(calls)
    up: dict[int, Tree] | None = None
    for ub in blocks:
        kw = next((t for t in ub.children if isinstance(t, Token) and t.type == "UNSAFE"), None)
        block = child_tree(ub, "block")
        if kw is None or block is None:
            continue
        if not audited_item and id(ub) not in audited:
            out.append(Finding(MISSING_AUDIT, "bridges", "warning", kw.start_pos + dpos,
                               kw.end_pos + dpos))
        deferred = deferred_names(block)
        for stmt in block.children:
            if not (isinstance(stmt, Tree) and stmt.data == "let_stmt"):
                continue
            let, value = let_value(stmt)
            call = _acquired_call(value)
            if let is None or call is None:
                continue
            bound = pattern_names(let_pattern(let))
            if len(bound) != 1 or str(bound[0]) in deferred:
                continue
            var = str(bound[0])
            # The resource is the block's result: the defer belongs where the value goes.
            at_stmt: Tree | None = stmt
            holder = var
            result = tail(block)
            if is_name(result, var):
                if up is None:
                    up = parents(item)
                flow = follow(ub, up)
                if isinstance(flow, Returned) or (isinstance(flow, Bound) and flow.released):
                    continue
                at_stmt = flow.stmt if isinstance(flow, Bound) else None
                holder = str(flow.name) if isinstance(flow, Bound) else var
            elif mentions(result, var):  # inside the result (`Ok(Fd { raw: fd })`)
                if up is None:
                    up = parents(item)
                if isinstance(follow(ub, up), Returned):
                    continue  # the caller owns it
                at_stmt = None  # no defer can follow a value wrapped on its way out
            out.append(_defer_finding(text, dpos, call, bound[0], holder, at_stmt))
    return out


def _defer_finding(text: str, dpos: int, call: Tree, tok: Token, holder: str,
                   stmt: Tree | None) -> Finding:
    """``tok`` is acquired and never released; the fix inserts ``defer <release>(holder)``
    after ``stmt`` (none when the value goes where a ``defer`` cannot follow it)."""
    name = callee(call).name
    assert name is not None
    verb = _acquire_verb(name)
    assert verb is not None
    line = _release_call(call, text, dpos, verb, name, holder)
    fixes: tuple[FindingFix, ...] = ()
    if stmt is not None:
        s = span(stmt, dpos)
        assert s is not None
        nl = text.find("\n", s[1])
        at = len(text) if nl < 0 else nl
        rest = text[s[1]:at].strip()
        if rest and not rest.startswith("//"):  # more on the line (`{ let p = f(); g(p) }`)
            at, insert = s[1], "; " + line
        else:
            insert = "\n" + _line_indent(text, s[0])[1] + line
        fixes = (FindingFix("fix.insert_defer", at, at, insert, (line,)),)
    return Finding(MISSING_DEFER, "bridges", "warning", tok.start_pos + dpos,
                   tok.end_pos + dpos, (str(tok),), fixes=fixes,
                   extensions={"bridges": {"resource": holder, "acquire": name,
                                           "release": line}})


def _sigs(tree: Tree, decl: Tree) -> Iterable[tuple[Tree, Tree | None, bool]]:
    """(fn_sig with an effect row, the function node holding its body or None, is_extern)."""
    if not nodes(tree).get("effect_annot"):
        return
    if decl.data == "extern_decl":
        for sig in nodes(tree).get("fn_sig", ()):
            yield sig, None, True
        return
    for fn in nodes(tree).get("fn_decl", ()):
        sig = child_tree(fn, "fn_sig")
        if sig is not None:
            yield sig, fn, False


def _check_effects(tree: Tree, dpos: int) -> list[Finding]:
    out: list[Finding] = []
    decl, _ = decl_of(tree)
    if decl is None:
        return out
    locals_: Locals | None = None
    for sig, body, is_extern in _sigs(tree, decl):
        row = next((n for n in subtrees(sig) if n.data == "effect_annot"), None)
        if row is None:
            continue
        names = [t for t in row.children if isinstance(t, Token) and (
            t.type in NAME_TYPES or t.type == "UNSAFE")]
        tags = {str(t) for t in names}
        tags |= {TAG_SYNONYMS[t] for t in tags if t in TAG_SYNONYMS}
        paths: set[tuple[str, ...]] = set()
        if body is not None:
            calls = nodes(tree).get("call", ()) if body is decl else _calls(body)
            if locals_ is None:
                locals_ = Locals(tree)
            paths = {p for c in calls if (p := boundary_path(callee(c), locals_))}
        missing: list[str] = []
        reasons: list[str] = []
        for kind, (marks, quals, needs) in BOUNDARIES.items():
            why = None
            if kind == "ffi" and is_extern:
                why = "extern"
            elif tags & marks:
                why = "!{" + ", ".join(sorted(tags & marks)) + "}"
            elif via := sorted(".".join(p) + ".…" for p in paths
                               if p[-1].lower() in quals):
                why = ", ".join(via)
            if why is None:
                continue
            lack = [t for t in needs if t not in tags and t not in missing]
            if lack:
                missing.extend(lack)
                reasons.append(f"{kind} ({why})")
        if not missing:
            continue
        close = row.children[-1]
        if not (isinstance(close, Token) and close.type == "RBRACE"):
            continue
        s = span(row, dpos)
        assert s is not None
        insert = (", " if names else "") + ", ".join(missing)
        at = close.start_pos + dpos
        if names:
            at = names[-1].end_pos + dpos
        fix = FindingFix("fix.add_effect_tag", at, at, insert, (", ".join(missing),))
        declared = "!{" + ", ".join(str(t) for t in names) + "}"
        out.append(Finding(MISSING_TAG, "bridges", "warning", s[0], s[1],
                           ("; ".join(reasons), ", ".join(missing), declared), plain=(0,),
                           fixes=(fix,),
                           notes=(FindingNote("note.bridges.boundary", ("; ".join(reasons),)),),
                           extensions={"bridges": {"missing": missing,
                                                   "declared": sorted(tags)}}))
    return out


def check(text: str, entries: Sequence[Entry]) -> list[Finding]:
    out: list[Finding] = []
    for tree, dpos in entries:
        decl, _ = decl_of(tree)
        if decl is None:
            continue
        out.extend(_check_unsafe(text, tree, dpos, decl))
        out.extend(_check_effects(tree, dpos))
    return out
