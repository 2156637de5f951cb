"""Walking parse trees: real tokens in order and the first/last real token of a node.

Virtual tokens (inserted by recovery) are zero-width and have an empty value; an ``ERROR``
token keeps what recovery skipped in ``.skipped``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token, Tree


def tokens(node: Any, *, skipped: bool = False, reverse: bool = False) -> Iterator[Token]:
    """Real tokens of ``node`` in source order (virtual, zero-width tokens left out), or last to
    first with ``reverse``. With ``skipped``, tokens an error recovery jumped over are included
    too. Iterative (trees can be deep) and lazy: taking the first descends one edge only."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Token):
            if cur.value:
                yield cur
            elif skipped and hasattr(cur, "skipped"):
                inner = list(cur.skipped)
                stack.extend(inner if reverse else reversed(inner))
        elif isinstance(cur, Tree):
            stack.extend(cur.children if reverse else reversed(cur.children))


def first_token(node: Any) -> Token | None:
    """Leftmost real token (the first of :func:`tokens`): it descends the left edge only,
    iteratively, so deep trees are fine. A loop, not ``next(tokens(…))``: every symbol of the
    outline and of the workspace index asks for its span, and the generator was most of it."""
    return _edge_token(node, rightmost=False)


def last_token(node: Any) -> Token | None:
    """Rightmost real token (the first of ``tokens(node, reverse=True)``)."""
    return _edge_token(node, rightmost=True)


def _edge_token(node: Any, *, rightmost: bool) -> Token | None:
    stack = [node]
    pop = stack.pop
    while stack:
        cur = pop()
        if isinstance(cur, Token):
            if cur.value:
                return cur
        elif isinstance(cur, Tree):
            stack.extend(cur.children if rightmost else reversed(cur.children))
    return None
