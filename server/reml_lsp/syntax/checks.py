"""Checks on a parsed item that the LALR table cannot express: operator precedence is applied
after parsing (the grammar keeps binary expressions as one flat chain), and comparisons are
non-associative (spec 1-1 §D.1: ``a < b < c`` is an error, E2001 in 2-5).

Two checks run while the tree is built (tree callbacks, no extra walk): statements of a block
on one line without `;` (spec 1-1 §B.3) and assignment written `=` (the spec's form is `:=`).
They collect into a per-thread sink that the driver drains for each item."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from lark import Token, Tree

from reml_lsp.syntax.issues import IssueFix, SyntaxIssue
from reml_lsp.syntax.treeutil import first_token, last_token

# Precedence (higher binds tighter) and associativity, spec 1-1 §D.1 with 1-5's `..` level.
PRECEDENCE = {
    "OROR": (1, "left"), "ANDAND": (2, "left"), "EQEQ": (3, "none"), "NOTEQ": (3, "none"),
    "LT": (4, "none"), "LE": (4, "none"), "GT": (4, "none"), "GE": (4, "none"),
    "DOTDOT": (4.5, "none"), "DOTDOTEQ": (4.5, "none"),
    "PLUS": (5, "left"), "MINUS": (5, "left"), "STAR": (6, "left"), "SLASH": (6, "left"),
    "PERCENT": (6, "left"), "CARET": (7, "right"),
}



_sink = threading.local()


def drain_built_issues() -> list[SyntaxIssue]:
    """Issues found by the tree callbacks since the last call (the driver calls it per item)."""
    out = getattr(_sink, "issues", None)
    _sink.issues = []
    return out or []


# Operators that cannot chain (`a < b < c`): what `_chained_comparisons` looks for.
NONASSOC = frozenset(op for op, (_, assoc) in PRECEDENCE.items() if assoc == "none")


def _push(issue: SyntaxIssue) -> None:
    issues = getattr(_sink, "issues", None)
    if issues is None:
        issues = _sink.issues = []
    issues.append(issue)


def missing_separator(prev_end: Token, nxt: Token) -> SyntaxIssue:
    """Two statements on one line with nothing between them (1-1 §B.3): the fix inserts `;`."""
    return SyntaxIssue(
        "parser.syntax.missing_separator", "syntax.missing_separator", nxt.start_pos,
        nxt.end_pos, args=(str(nxt),),
        fixes=[IssueFix("insert", prev_end.end_pos, prev_end.end_pos, ";")])


def _statement_tokens(node: Any) -> tuple[Token, Token] | None:
    """First and last real token of a statement; None for `;`, recovery errors and virtual
    tokens (their spacing says nothing)."""
    if isinstance(node, Tree):
        if node.data in ("empty", "error"):
            return None
    elif not isinstance(node, Token) or node.type in ("SEMI", "LBRACE", "RBRACE", "ERROR"):
        return None
    first, last = first_token(node), last_token(node)
    if first is None or last is None or first.type == "ERROR" or last.type == "ERROR":
        return None
    return first, last


def block_callback(inner: Callable[[list[Any]], Tree]) -> Callable[[list[Any]], Tree]:
    def build(children: list[Any]) -> Tree:
        node = inner(children)
        prev: tuple[Token, Token] | None = None
        for child in node.children:
            cur = _statement_tokens(child)
            if cur is not None and prev is not None and prev[1].end_line == cur[0].line:
                _push(missing_separator(prev[1], cur[0]))
            prev = cur
        return node

    return build


def assign_eq_callback(inner: Callable[[list[Any]], Tree]) -> Callable[[list[Any]], Tree]:
    def build(children: list[Any]) -> Tree:
        node = inner(children)
        for child in node.children:
            if isinstance(child, Token) and child.type == "EQ" and child.value:
                _push(SyntaxIssue(
                    "parser.syntax.assign_eq", "syntax.assign_eq", child.start_pos,
                    child.end_pos, severity="warning",
                    fixes=[IssueFix("replace", child.start_pos, child.end_pos, ":=")]))
        return node

    return build


def item_issues(item) -> list[SyntaxIssue]:
    if item.tree is None:
        return []
    binaries: list[Tree] = []
    guards: list[Tree] = []
    stack = [item.tree]
    pop, push = stack.pop, stack.extend
    while stack:  # one walk collects what both checks need (per node of most items: lean)
        node = pop()
        data = node.data
        if data == "binary":
            binaries.append(node)
        elif data == "arm_tail":
            guards.append(node)
        push([c for c in node.children if isinstance(c, Tree)])
    return [*_chained_comparisons(binaries), *_if_guards(guards)]


def _if_guards(arm_tails: list[Tree]) -> Iterator[SyntaxIssue]:
    """1-5 MatchGuard: `if` is accepted for compatibility with a warning; `when` is canonical."""
    for node in arm_tails:
        for child in node.children:
            if isinstance(child, Token) and child.type == "IF":
                yield SyntaxIssue(
                    "pattern.guard.if_deprecated", "pattern.guard.if_deprecated",
                    child.start_pos, child.end_pos, severity="warning",
                    fixes=[IssueFix("replace", child.start_pos, child.end_pos, "when")])


def _chained_comparisons(binaries: list[Tree]) -> Iterator[SyntaxIssue]:
    for node in binaries:
        ops = [c for c in node.children if isinstance(c, Token) and c.type in PRECEDENCE]
        for left, right in itertools.pairwise(ops):
            level, assoc = PRECEDENCE[left.type]
            if assoc == "none" and PRECEDENCE[right.type][0] == level and _adjacent(
                    node, left, right):
                yield SyntaxIssue(
                    "parser.syntax.chained_comparison", "syntax.chained_comparison",
                    right.start_pos, right.end_pos, args=(str(left), str(right)),
                    fixes=[IssueFix("insert", right.start_pos, right.start_pos,
                                    f"&& {_operand_before(node, right)} ")])


def _adjacent(node: Tree, left: Token, right: Token) -> bool:
    """No operator of lower precedence separates the two (``a < b && c < d`` is fine)."""
    level = PRECEDENCE[left.type][0]
    inside = False
    for child in node.children:
        if child is left:
            inside = True
        elif child is right:
            return True
        elif inside and isinstance(child, Token) and child.type in PRECEDENCE:
            if PRECEDENCE[child.type][0] < level:
                return False
    return False


def _operand_before(node: Tree, op: Token) -> str:
    children = node.children
    i = next(k for k, c in enumerate(children) if c is op)
    operand = children[i - 1]
    if isinstance(operand, Token):
        return str(operand)
    first = first_token(operand)
    last = last_token(operand)
    return "…" if first is None or last is None else f"{first}…{last}" if first is not last \
        else str(first)
