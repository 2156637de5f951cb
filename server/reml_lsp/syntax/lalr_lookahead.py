"""Stack-only walks over the LALR table: which terminals the parser would shift next.

They simulate the reductions a token would trigger without touching the real stacks or calling
any tree callback, which is what completion (expected tokens at a caret), the bare-arm decision
and error recovery need. A walk costs a few microseconds.
"""

from __future__ import annotations

from typing import Any

from lark.parsers.lalr_analysis import Shift

States = dict[int, dict[str, tuple[Any, Any]]]


def reductions_before_shift(states: States, stack: list[int], term: str) -> int:
    """How many reductions the parser makes before shifting ``term``; -1 when it cannot.
    Reductions of empty rules (``_fn_quals`` before ``fn``: no `async`/`unsafe`) are not
    counted: they finish no construct, so ``fn`` is no deeper than ``let`` after ``pub``."""
    depth = len(stack)
    extra: list[int] = []
    count = 0
    while True:
        top = extra[-1] if extra else stack[depth - 1]
        act = states[top].get(term)
        if act is None:
            return -1
        action, arg = act
        if action is Shift:
            return count
        size = len(arg.expansion)
        while size:
            if extra:
                extra.pop()
            else:
                depth -= 1
            size -= 1
        top = extra[-1] if extra else stack[depth - 1]
        new = states[top][arg.origin.name][1]
        if arg.expansion:
            count += 1
        if not states.get(new) and term == "$END":  # the end state: the item is complete
            return count
        extra.append(new)


def accepts(states: States, stack: list[int], term: str) -> bool:
    return reductions_before_shift(states, stack, term) >= 0


_CACHE: dict[tuple, dict[str, int]] = {}
_CACHE_SIZE = 4096
_CACHE_DEPTH = 96  # deeper stacks are walked without caching (hashing them costs too)


def acceptable(states: States, stack: list[int]) -> dict[str, int]:
    """Every terminal the parser can shift next, with the reductions needed before it.

    Memoised by stack: a file with thousands of errors in the same state (a Latin-1 file,
    repeated garbage) pays for the walk over every terminal once."""
    key = None
    if len(stack) <= _CACHE_DEPTH:
        key = (id(states), *stack)
        hit = _CACHE.get(key)
        if hit is not None:
            return dict(hit)
    out: dict[str, int] = {}
    for term in states[stack[-1]]:
        if term.isupper() or term == "$END":
            r = reductions_before_shift(states, stack, term)
            if r >= 0:
                out[term] = r
    if key is not None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = dict(out)
    return out
