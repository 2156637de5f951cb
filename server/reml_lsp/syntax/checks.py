"""Checks on a parsed item that the LALR table cannot express: operator precedence is applied
after parsing (the grammar keeps binary expressions as one flat chain), and comparisons are
non-associative (spec 1-1 §D.1: ``a < b < c`` is an error, E2001 in 2-5)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

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




def item_issues(item) -> list[SyntaxIssue]:
    if item.tree is None:
        return []
    binaries: list[Tree] = []
    guards: list[Tree] = []
    stack = [item.tree]
    while stack:  # one walk collects what both checks need
        node = stack.pop()
        data = node.data
        if data == "binary":
            binaries.append(node)
        elif data == "arm_tail":
            guards.append(node)
        stack.extend(c for c in node.children if isinstance(c, Tree))
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
