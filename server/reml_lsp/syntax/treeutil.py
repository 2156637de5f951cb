"""Walking parse trees: real tokens in order and the first/last real token of a node.

Virtual tokens (inserted by recovery) are zero-width and have an empty value; an ``ERROR``
token keeps what recovery skipped in ``.skipped``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token, Tree


def tokens(node: Any, *, skipped: bool = False) -> Iterator[Token]:
    """Real tokens of ``node`` in source order (virtual, zero-width tokens left out).
    With ``skipped``, tokens an error recovery jumped over are included too."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Token):
            if cur.value:
                yield cur
            elif skipped and hasattr(cur, "skipped"):
                inner = list(cur.skipped)
                stack.extend(reversed(inner))
        elif isinstance(cur, Tree):
            stack.extend(reversed(cur.children))


def first_token(node: Any) -> Token | None:
    """Leftmost real token (the first of :func:`tokens`, which stops there: it descends the left
    edge only, iteratively, so deep trees are fine)."""
    return next(tokens(node), None)


def last_token(node: Any) -> Token | None:
    """Rightmost real token (descends the right edge only; iterative: trees can be deep)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, Token):
            if cur.value:
                return cur
        elif isinstance(cur, Tree):
            stack.extend(cur.children)
    return None
