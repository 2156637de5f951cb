"""The driver's tree building (syntax.reductions) gives the very trees lark's callbacks give."""

from __future__ import annotations

import random

import pytest
from lark import Token, Tree
from lark.parsers.lalr_analysis import Shift
from reml_lsp.syntax.grammar import tables
from reml_lsp.syntax.parser import parse_items
from reml_lsp.syntax.reductions import (
    _is_identity,
    after_goto,
    fast_tables,
    specialise,
    unit_chain,
)


def _children(rule, shape: list[int]) -> list:
    """Reduced children for ``rule``: an inlined ``_rule`` child is a tree whose own children
    list may be empty (lark then lends the next inlined child's list); ``shape`` says how many
    children each one gets, so that two calls get equal, separate inputs."""
    out: list = []
    for k, sym in enumerate(rule.expansion):
        if sym.is_term:
            out.append(Token(sym.name, f"t{k}", k, 1, k + 1, 1, k + 2, k + 1))
        else:
            out.append(Tree(sym.name, [Token("X", f"{sym.name}{k}.{j}") for j in range(shape[k])]))
    return out


def _same(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, Tree):
        assert vars(a).keys() == vars(b).keys()  # data, children, _meta, in that order
        assert a.data is b.data and a._meta is None and b._meta is None
        assert len(a.children) == len(b.children)
        for x, y in zip(a.children, b.children, strict=True):
            _same(x, y)
    else:
        assert a == b and getattr(a, "type", None) == getattr(b, "type", None)


@pytest.mark.parametrize("seed", range(4))
def test_every_rule_builds_what_lark_builds(seed: int):
    rng = random.Random(seed)
    for rule, lark_cb in tables().callbacks.items():
        shape = [rng.choice((0, 0, 1, 2)) for _ in rule.expansion]
        ours, plain = specialise(lark_cb)
        assert ours is not lark_cb, rule  # every callback of the grammar is specialised
        theirs_in = _children(rule, shape)
        ours_in = _children(rule, shape)
        theirs_out, ours_out = lark_cb(theirs_in), ours(ours_in)
        _same(theirs_out, ours_out)
        if isinstance(theirs_out, Tree):
            # lark reuses (and extends) the list of an inlined child that comes first: so do we.
            lent = [i for i, c in enumerate(theirs_in) if isinstance(c, Tree)
                    and c.children is theirs_out.children]
            assert lent == [i for i, c in enumerate(ours_in) if isinstance(c, Tree)
                            and c.children is ours_out.children], rule
            _same(Tree("in", theirs_in), Tree("in", ours_in))  # inputs changed alike
        if plain is not None:
            assert ours_out.data == plain and ours_out.children is ours_in


def test_unit_chains_end_where_lark_s_table_walk_ends():
    """``unit_chain`` agrees with walking lark's table one unit reduction at a time."""
    tabs = tables()
    fast = fast_tables(tabs, findings=False)
    checked = 0
    for below, acts in tabs.states.items():
        for top in {a[1] for sym, a in acts.items() if not sym.isupper() and sym != "$END"}:
            for term, act in fast.actions[top].items():
                if act[1] is None or act[1][0] >= 0:
                    continue
                state, nxt = unit_chain(fast, below, top, term)
                step = top
                while True:
                    lark_act = tabs.states[step].get(term)
                    if lark_act is None or lark_act[0] is Shift or not _is_identity(lark_act[1]):
                        break
                    step = tabs.states[below][lark_act[1].origin.name][1]
                assert state == step
                if lark_act is None:
                    assert nxt is None
                elif lark_act[0] is Shift:
                    assert nxt == (lark_act[1], None)
                else:
                    assert nxt[1][0] == len(lark_act[1].expansion)
                checked += 1
    assert checked > 1000


def _lark_after_goto(tabs, lhs: str, below: int, term: str):
    """Lark's table: the goto on ``lhs`` from ``below``, then unit reductions on ``term``."""
    step = tabs.states[below][lhs][1]
    while True:
        lark_act = tabs.states[step].get(term)
        if lark_act is None or lark_act[0] is Shift or not _is_identity(lark_act[1]):
            return step, lark_act
        step = tabs.states[below][lark_act[1].origin.name][1]


def test_after_a_reduction_the_memo_leads_where_lark_s_table_leads():
    """``after_goto`` (memoised per left-hand side) agrees with lark's goto and unit reductions,
    for every state a reduction can uncover and every token that state's goto target takes."""
    tabs = tables()
    fast = fast_tables(tabs, findings=False)
    by_lhs: dict[str, tuple] = {}
    for state, acts in tabs.states.items():
        for term, (action, rule) in acts.items():
            if action is not Shift:
                by_lhs.setdefault(rule.origin.name, fast.actions[state][term][1])
    checked = 0
    for lhs, (_size, _callback, goto, _name, after) in by_lhs.items():
        for below, target in goto.items():
            for term in fast.actions[target]:
                state, nxt = after_goto(fast, after, goto, below, term)
                assert after[below, term] == (state, nxt)
                step, lark_act = _lark_after_goto(tabs, lhs, below, term)
                assert state == step
                assert (nxt is None) == (lark_act is None)
                if lark_act is not None and lark_act[0] is Shift:
                    assert nxt == (lark_act[1], None)
                checked += 1
    assert checked > 10000


def test_both_modes_build_the_same_trees():
    text = "fn f(x: Int) -> Int { let y = x.a.b(1)(2) |> g; if y < 2 { -y } else { [y, 1] } }\n"
    a = parse_items(text * 3, findings=True)
    b = parse_items(text * 3, findings=False)
    assert [repr(i.tree) for i in a] == [repr(i.tree) for i in b]
