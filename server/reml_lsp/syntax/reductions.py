"""How the LALR driver's reductions build trees: the table in the shape the hot loop reads,
and the callbacks that keep trees usable for the tools that walk them.

* Unit reductions of ``?rule`` alternatives with one kept child are not called at all.
* Binary chains (right-recursive in the grammar) are spliced into one flat ``binary`` node; long
  ones once, at the end of the item (splicing at every level copies the chain: quadratic).
* Left-recursive chains (``x.f.f…``, ``g(x)(x)…``, ``a |> f |> …``) keep the stack flat, so
  their depth is counted as they are built: past ``MAX_TREE_DEPTH`` a reduction raises
  ``TooDeep`` and the driver skips the rest of the item instead of building it.
* ``syntax.checks`` wraps the ``block`` and ``assign`` callbacks for its findings.

The per-parse bookkeeping is thread-local; ``begin_item`` resets it for each item.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from lark import Token, Tree
from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, ExpandSingleChild
from lark.parsers.lalr_analysis import Shift

from reml_lsp.syntax.checks import NONASSOC, assign_eq_callback, block_callback
from reml_lsp.syntax.grammar import Tables

_LONG_CHAIN = 64  # binary chains longer than this are flattened once, when the item ends
MAX_TREE_DEPTH = 256  # deeper item trees become one finding (real code stays under 40)

_state = threading.local()  # per item: deferred binary chains, left-recursive chain depths


def begin_item() -> None:
    """Forget the bookkeeping of the previous item (or of the part of it that was dropped)."""
    _state.pending, _state.ids, _state.depths = [], None, {}
    _state.nonassoc, _state.guard = 0, False


def needs_checks() -> bool:
    """Whether ``syntax.checks.item_issues`` can find anything in the item just built: a chained
    comparison needs two non-associative operators (each binary reduction shifts one), an `if`
    guard an ``arm_tail`` holding ``IF``. Most items have neither, and skip that tree walk."""
    return _state.nonassoc >= 2 or _state.guard


def _binary_callback(inner):
    def build(children: list[Any]) -> Tree:
        node = inner(children)
        for child in node.children:  # its one operator (before its chain is spliced in)
            if type(child) is Token and child.type in NONASSOC:
                _state.nonassoc += 1
        last = node.children[-1]
        if isinstance(last, Tree) and last.data == "binary":
            ids = getattr(_state, "ids", None)
            if len(last.children) <= _LONG_CHAIN and not (ids and id(last) in ids):
                node.children[-1:] = last.children
            else:
                # The grammar's chains are right-recursive: splicing at every level copies the
                # chain each time (quadratic). Long ones are flattened once, at the item's end.
                if ids is None:
                    ids = _state.ids = set()
                    _state.pending = []
                ids.add(id(node))
                _state.pending.append(node)
        return node

    return build


class TooDeep(Exception):
    """Raised by a reduction whose left-recursive chain (``x.f.f…``, ``g(x)(x)…``, ``a |> f |>
    …``) passed ``MAX_TREE_DEPTH``: the item's tree is too deep whatever follows, so the rest
    of the item is skipped instead of built (a 1 MB line of such a chain built a tree of
    hundreds of megabytes only to replace it with one ERROR at the end)."""

    def __init__(self, node: Tree) -> None:
        self.node = node
        self.resume: Token | None = None  # the token to go on from, when not the current one


def _guard_callback(inner):
    def build(children: list[Any]) -> Tree:
        node = inner(children)
        for child in node.children:  # `IF` comes from the inlined `_guard`
            if type(child) is Token and child.type == "IF":
                _state.guard = True
        return node

    return build


def _left_callback(inner):
    """A left-recursive rule (``postfix: postfix DOT member``): the stack stays flat however
    long the chain, so its depth is counted here (per item, by node id; the entry holds the node
    so that an id is never reused while the count is kept)."""

    def build(children: list[Any]) -> Tree:
        node = inner(children)
        depths = _state.depths
        d = depths.get(id(node.children[0]))
        depth = 1 if d is None else d[1] + 1
        if depth > MAX_TREE_DEPTH:
            raise TooDeep(node)
        depths[id(node)] = (node, depth)
        return node

    return build


def first_leaf_at(node: Any, default: int) -> int:
    """Offset of the leftmost leaf (an ERROR from recovery included), as `too_deep_at` finds
    it: where the finding for a too deep tree is put."""
    while isinstance(node, Tree):
        node = next((c for c in node.children if c is not None), None)
    return node.start_pos if isinstance(node, Token) else default


def too_deep_at(tree: Tree) -> int | None:
    """Offset of the first subtree deeper than ``MAX_TREE_DEPTH`` levels, or None. Level by
    level, without recursion (a few percent of the parse time of large items)."""
    level = [tree]
    depth = 0
    while level:
        depth += 1
        if depth > MAX_TREE_DEPTH:
            at = first_leaf_at(level[0], -1)
            return None if at < 0 else at
        level = [c for n in level for c in n.children if type(c) is Tree]
    return None


def flatten_chains() -> None:
    """Splice the deferred nested chains, outermost first: each node is walked once. The result
    is what splicing at every level gives (a deferred node's last child is always a chain)."""
    pending = getattr(_state, "pending", None)
    if not pending:
        return
    deferred = _state.ids
    _state.pending, _state.ids = [], None
    for node in reversed(pending):
        if id(node) not in deferred:
            continue  # spliced into an enclosing chain already
        flat: list[Any] = []
        cur = node
        while True:
            deferred.discard(id(cur))
            flat.extend(cur.children[:-1])
            last = cur.children[-1]
            if id(last) in deferred:
                cur = last
                continue
            flat.extend(last.children)
            break
        node.children = flat


_new = object.__new__


def _lark_shape(cb: Any) -> tuple[str, list[tuple[int, bool]] | None, bool] | None:
    """(tree name, child filter or None, expand single child) of one of lark's callbacks as
    ``ParseTreeBuilder`` composes them here (``ChildFilterLALR_NoPlaceholders`` around
    ``ExpandSingleChild`` around ``partial(Tree, name)``); None for any other shape."""
    to_include = None
    if type(cb) is ChildFilterLALR_NoPlaceholders:
        to_include, cb = list(cb.to_include), cb.node_builder
    expand1 = type(cb) is ExpandSingleChild
    if expand1:
        cb = cb.node_builder
    if type(cb) is functools.partial and cb.func is Tree and len(cb.args) == 1 and \
            isinstance(cb.args[0], str) and not cb.keywords:  # a str, or lark's RULE token
        return cb.args[0], to_include, expand1
    return None


def _filter_lines(to_include: list[tuple[int, bool]]) -> list[str]:
    """Statements computing ``f`` from the reduced children ``c`` with the very steps of lark's
    ``ChildFilterLALR_NoPlaceholders.__call__``: a kept child is appended, an inlined ``_rule``
    child's children are added, and an inlined child that comes first lends its own list
    (extended in place), as lark does for left recursion."""
    lines: list[str] = []
    state = "fresh"  # no list yet | "some": non-empty | "any": a borrowed list, maybe empty
    kept: list[str] = []  # appended children not written out yet
    for i, inlined in to_include:
        if not inlined:
            kept.append(f"c[{i}]")
            continue
        if state == "fresh" and not kept:
            lines.append(f"f = c[{i}].children")
            state = "any"
            continue
        if state == "fresh":
            lines.append(f"f = [{', '.join(kept)}]")
        elif kept:
            lines.append(f"f += [{', '.join(kept)}]")
        if kept or state == "some":
            lines.append(f"f += c[{i}].children")
            state = "some"
        else:  # lark: ``filtered += …`` if the borrowed list is non-empty, else borrow this one
            lines += ["if f:", f"    f += c[{i}].children", "else:", f"    f = c[{i}].children"]
        kept = []
    if state == "fresh":
        lines.append(f"f = [{', '.join(kept)}]")
    elif kept:
        lines.append(f"f += [{', '.join(kept)}]")
    return lines


_BUILDERS: dict[tuple, Callable[[str], Callable[[list[Any]], Any]]] = {}  # per callback shape


def specialise(cb: Any) -> tuple[Callable[[list[Any]], Any], str | None]:
    """A function that builds what lark's callback ``cb`` builds, without its wrapper objects
    (one Python call instead of two or three, and no loop over the child filter), and the
    tree's name when the callback is just ``Tree(name, children)`` (the driver builds those
    inline). ``Tree.__init__`` sets ``data``, ``children`` and ``_meta``: so do these. The code
    is compiled once per shape (a few dozen), not per rule."""
    shape = _lark_shape(cb)
    if shape is None:
        return cb, None
    name, to_include, expand1 = shape
    key = (None if to_include is None else tuple(to_include), expand1)
    make = _BUILDERS.get(key)
    if make is None:
        body = _filter_lines(to_include) if to_include is not None else ["f = c"]
        if expand1:
            body += ["if len(f) == 1:", "    return f[0]"]
        body += ["t = _new(Tree)", "t.data = name", "t.children = f", "t._meta = None",
                 "return t"]
        lines = ["def make(name):", "    def build(c):", *("        " + line for line in body),
                 "    return build"]
        namespace: dict[str, Any] = {"_new": _new, "Tree": Tree}
        exec(compile("\n".join(lines), "<reduction>", "exec"), namespace)
        make = _BUILDERS[key] = namespace["make"]
    return make(name), name if to_include is None and not expand1 else None


def _wrap_callbacks(callbacks: dict[Any, Any], findings: bool = True) -> dict[Any, Any]:
    out = dict(callbacks)
    for rule, cb in callbacks.items():
        alias = getattr(rule, "alias", None)
        if alias == "binary":
            out[rule] = _binary_callback(cb)
        elif alias == "block" or (rule.origin.name == "block" and not alias):
            if findings:  # the check only reports; the tree is the same without it
                out[rule] = block_callback(cb)
        elif alias == "assign" and any(s.name == "EQ" for s in rule.expansion):
            if findings:
                out[rule] = assign_eq_callback(cb)
        elif rule.origin.name == "arm_tail":
            out[rule] = _guard_callback(cb)
        elif rule.expansion and rule.expansion[0].name == rule.origin.name and \
                not rule.origin.name.startswith("_"):  # `_` rules are inlined lists: flat
            out[rule] = _left_callback(cb)
    return out


def _is_identity(rule: Any) -> bool:
    """A `?rule` alternative with one kept child: its callback returns that child unchanged,
    so the driver skips the call (these unit reductions are most of an expression's)."""
    if rule.alias or len(rule.expansion) != 1 or not rule.options.expand1:
        return False
    sym = rule.expansion[0]
    return not sym.name.startswith("_") and not getattr(sym, "filter_out", False)


class FastTables:
    """The table in the shape the driver's hot loop reads. An action is ``(target, None)`` for a
    shift or ``(0, (size, callback, goto, name, after))`` for a reduction: ``goto`` maps the
    state the reduction uncovers to the next one; ``name`` is set when the callback only builds
    ``Tree(name, children)`` (the driver builds it inline, same tree); ``size`` is -1 for a
    unit reduction that keeps its child (no callback); ``after`` memoises where the goto and the
    unit chain after it lead (``after_goto``, one per left-hand side). ``callbacks`` maps each
    rule to its tree-building function."""

    __slots__ = ("actions", "callbacks")

    def __init__(self, actions: dict[int, dict[str, tuple]], callbacks: dict[Any, Any]) -> None:
        self.actions = actions
        self.callbacks = callbacks


_AFTER_MAX = 1 << 16  # memoised entries per left-hand side (a few dozen in practice)


def unit_chain(fast: FastTables, below: int, top: int, term: str) -> tuple[int, tuple | None]:
    """The state a chain of unit reductions on ``term`` ends in from ``top`` (above ``below``),
    and the action there. Unit reductions replace the top and keep ``below`` (an identifier in
    an expression climbs ten levels of ``?rule`` before the next operator)."""
    actions = fast.actions
    state = top
    act = actions[state].get(term)
    while act is not None and act[1] is not None and act[1][0] < 0:
        state = act[1][2][below]
        act = actions[state].get(term)
    return state, act


def after_goto(fast: FastTables, after: dict, goto: dict[int, int], below: int, term: str
               ) -> tuple[int, tuple | None]:
    """Where a reduction whose goto is ``goto`` leads when it uncovers ``below`` with ``term``
    next: the goto's state, or the end of the unit chain that follows it, and the action
    there. It depends on these only (a unit reduction's too: it replaces the top with the goto
    from ``below``), so it is memoised in ``after``, one per left-hand side."""
    state, act = unit_chain(fast, below, goto[below], term)
    if len(after) >= _AFTER_MAX:
        after.clear()
    after[below, term] = (state, act)
    return state, act


def fast_tables(tabs: Tables, findings: bool = True) -> FastTables:
    """The driver's table (``FastTables``). ``findings=False``: the callbacks that only report
    findings are left out (same trees)."""
    plain: dict[Any, str | None] = {}
    built: dict[Any, Any] = {}
    for rule, cb in tabs.callbacks.items():
        built[rule], plain[rule] = specialise(cb)
    callbacks = _wrap_callbacks(built, findings)
    gotos: dict[str, dict[int, int]] = {}
    for state, acts in tabs.states.items():
        for sym, (action, arg) in acts.items():
            if action is Shift and not (sym.isupper() or sym == "$END"):
                gotos.setdefault(sym, {})[state] = arg
    actions: dict[int, dict[str, tuple]] = {}
    # One tuple per shift target and per rule, shared by every state (tens of thousands of
    # entries would otherwise each hold their own: megabytes of resident memory).
    shifts: dict[int, tuple] = {}
    reduces: dict[Any, tuple] = {}
    afters: dict[str, dict[tuple[int, str], tuple[int, tuple | None]]] = {}
    for state, acts in tabs.states.items():
        a: dict[str, tuple] = {}
        for sym, (action, arg) in acts.items():
            if action is Shift:
                if sym.isupper() or sym == "$END":
                    act = shifts.get(arg)
                    if act is None:
                        act = shifts[arg] = (arg, None)
                    a[sym] = act
            else:
                act = reduces.get(arg)
                if act is None:
                    lhs = arg.origin.name
                    goto, after = gotos[lhs], afters.setdefault(lhs, {})
                    if _is_identity(arg):
                        act = (0, (-1, None, goto, None, after))
                    else:
                        cb = callbacks[arg]
                        act = (0, (len(arg.expansion), cb, goto,
                                   plain[arg] if cb is built[arg] else None, after))
                    reduces[arg] = act
                a[sym] = act
        actions[state] = a
    return FastTables(actions, callbacks)
