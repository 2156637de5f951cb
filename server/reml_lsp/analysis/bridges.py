"""Runtime-bridges rules (the runtime-bridges guide, ``../shared/seeds``; docs/bridges-rules.md):

* ``bridges.unsafe.missing_defer`` (§1, §7.1): a resource acquired in an ``unsafe`` block
  (``let h = …alloc(…)``, ``open``, ``connect``, ``acquire``, ``lock``, ``create``, ``mmap``) with
  no ``defer`` in that block that mentions ``h``. Quick fix: insert ``defer <release>(h)`` on the
  next line (``alloc`` → ``free``, ``open`` → ``close`` …, same qualifier).
* ``bridges.unsafe.missing_audit`` (§1, §7.1, §8.2): an ``unsafe`` block with no
  ``audit.log(…)`` in the block or anywhere in its top-level item.
* ``bridges.effects.missing_tag`` (§1 table; spec 3-9 §2.2, 1-3 §A): a declared effect row
  ``!{…}`` whose boundary needs tags it lacks. FFI (an ``extern`` item) needs ``ffi`` (3-9 §2.2
  also names ``unsafe``, but ``unsafe`` is a keyword, not an identifier of 1-5 ``EffectTags``:
  that half is the ``unsafe`` block of 1-3 §F). Cloud/REST (``network`` tag, or calls through
  ``http``/``net``/``rest``) needs ``network`` and ``audit``; database (``db``, or ``db``/``sql``
  calls) needs ``db`` and ``audit``; GPU (``gpu``, or ``gpu``/``cuda`` calls) needs ``gpu`` and
  ``runtime``; embedded I/O (``embedded``/``hardware``, or ``register``/``mmio`` calls) needs
  ``runtime``. Quick fix: add the tags to the row. A signature without a row is not judged
  (effects are inferred).

All three are warnings: they are the guide's policy, not the language's typing rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lark import Token, Tree

from reml_lsp.analysis.decl_names import pattern_names
from reml_lsp.analysis.findings import Finding, FindingFix, FindingNote
from reml_lsp.analysis.item_cache import nodes
from reml_lsp.analysis.tree import NAME_TYPES, Entry, child_tree, decl_of, span, subtrees, tokens

MISSING_DEFER = "bridges.unsafe.missing_defer"
MISSING_AUDIT = "bridges.unsafe.missing_audit"
MISSING_TAG = "bridges.effects.missing_tag"

# Acquiring verb → the verb that releases (a callee named ``verb`` or ``verb_…``).
RELEASE = {"alloc": "free", "malloc": "free", "calloc": "free", "allocate": "deallocate",
           "open": "close", "connect": "close", "acquire": "release", "lock": "unlock",
           "create": "destroy", "mmap": "munmap", "reserve": "release"}

# Boundary kind → (tags that mark it, call qualifiers that mark it, tags it requires).
BOUNDARIES: dict[str, tuple[frozenset[str], frozenset[str], tuple[str, ...]]] = {
    "ffi": (frozenset({"ffi"}), frozenset(), ("ffi",)),
    "cloud/REST": (frozenset({"network"}), frozenset({"http", "net", "rest"}),
                   ("network", "audit")),
    "database": (frozenset({"db"}), frozenset({"db", "sql"}), ("db", "audit")),
    "GPU": (frozenset({"gpu"}), frozenset({"gpu", "cuda"}), ("gpu", "runtime")),
    "embedded I/O": (frozenset({"embedded", "hardware"}), frozenset({"register", "mmio"}),
                     ("runtime",)),
}


def _callee(call: Tree) -> tuple[str | None, str | None]:
    """(qualifier, name) of a call's callee: ``gpu.alloc(…)`` → (``gpu``, ``alloc``)."""
    head = call.children[0] if call.children else None
    if not isinstance(head, Tree):
        return None, None
    names = [t for t in tokens(head) if t.type in NAME_TYPES]
    if not names:
        return None, None
    qual = str(names[0]) if len(names) > 1 else None
    return qual, str(names[-1])


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


def _is_audit_log(call: Tree) -> bool:
    return _callee(call) == ("audit", "log")


def _unsafe_blocks(tree: Tree) -> Iterable[Tree]:
    return nodes(tree).get("unsafe_block", ())


def _check_unsafe(text: str, tree: Tree, dpos: int, item: Tree) -> list[Finding]:
    out: list[Finding] = []
    blocks = _unsafe_blocks(tree)
    if not blocks:
        return out
    audited_item = any(_is_audit_log(c) for c in nodes(tree).get("call", ()))
    for ub in blocks:
        kw = next((t for t in ub.children if isinstance(t, Token) and t.type == "UNSAFE"), None)
        block = child_tree(ub, "block")
        if kw is None or block is None:
            continue
        if not audited_item:
            out.append(Finding(MISSING_AUDIT, "bridges", "warning", kw.start_pos + dpos,
                               kw.end_pos + dpos))
        deferred = {str(t) for d in subtrees(block) if d.data == "defer_expr"
                    for t in tokens(d) if t.type in NAME_TYPES}
        for stmt in block.children:
            if not (isinstance(stmt, Tree) and stmt.data == "let_stmt"):
                continue
            let = child_tree(stmt, "let_decl")
            value = let.children[-1] if let is not None and let.children else None
            if not (isinstance(value, Tree) and value.data in ("call", "try_")):
                continue
            call = value if value.data == "call" else child_tree(value, "call")
            if call is None:
                continue
            _, name = _callee(call)
            verb = _acquire_verb(name) if name else None
            if verb is None:
                continue
            bound = pattern_names(let.children[1] if len(let.children) > 1 else None)
            if len(bound) != 1 or str(bound[0]) in deferred:
                continue
            var = str(bound[0])
            line = _release_call(call, text, dpos, verb, name, var)
            s = span(stmt, dpos)
            assert s is not None
            nl = text.find("\n", s[1])
            at = len(text) if nl < 0 else nl
            _, indent = _line_indent(text, s[0])
            fix = FindingFix("fix.insert_defer", at, at, "\n" + indent + line, (line,))
            out.append(Finding(MISSING_DEFER, "bridges", "warning", bound[0].start_pos + dpos,
                               bound[0].end_pos + dpos, (var,), fixes=(fix,),
                               extensions={"bridges": {"resource": var, "acquire": name,
                                                       "release": line}}))
    return out


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
    for sig, body, is_extern in _sigs(tree, decl):
        row = next((n for n in subtrees(sig) if n.data == "effect_annot"), None)
        if row is None:
            continue
        names = [t for t in row.children if isinstance(t, Token) and t.type in NAME_TYPES]
        tags = {str(t) for t in names}
        quals = set()
        if body is not None:
            calls = nodes(tree).get("call", ()) if body is decl else _calls(body)
            quals = {q for c in calls for q, _ in [_callee(c)] if q}
        missing: list[str] = []
        reasons: list[str] = []
        for kind, (marks, calls, needs) in BOUNDARIES.items():
            why = None
            if kind == "ffi" and is_extern:
                why = "extern"
            elif tags & marks:
                why = "!{" + ", ".join(sorted(tags & marks)) + "}"
            elif {q.lower() for q in quals} & calls:
                why = ", ".join(sorted(q + ".…" for q in quals if q.lower() in calls))
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
