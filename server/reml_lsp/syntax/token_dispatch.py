"""Per-first-character token scanners, derived from Lark's alternation of every terminal.

Python's ``re`` tries the alternatives of ``(?P<RAW_STRING>…)|(?P<MULTILINE_STRING>…)|…`` one
after the other: a ``}`` fails some fifty of them before it matches. Here each ASCII character
gets the alternation of only those terminals whose match can begin with it, in the original
order, so the first alternative that matches is the same one: the tokens are identical, and
the regex engine does a fraction of the work.

Which characters a terminal can begin with is read from its parsed pattern (``re._parser``);
anything the walk does not understand (a nullable pattern, a negated class, a back-reference,
a case-insensitive flag) counts as "any character", so the answer is always a superset. A
character outside ASCII, or one no terminal starts with, gets the full alternation.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Sequence
from typing import Any

import attrs

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_ASCII = frozenset(chr(i) for i in range(128))
_CATEGORIES = {
    C.CATEGORY_DIGIT: frozenset(string.digits),
    C.CATEGORY_SPACE: frozenset(" \t\n\r\f\v\x1c\x1d\x1e\x1f"),
    C.CATEGORY_WORD: frozenset(string.ascii_letters + string.digits + "_"),
}
_ANY = None  # "may begin with any character"


@attrs.frozen
class Dispatch:
    """``by_char[c]``: the scanner for a token starting with ``c``; ``full`` for the rest."""

    by_char: dict[str, re.Pattern[str]]
    full: re.Pattern[str]


def build_dispatch(mres: Sequence[re.Pattern[str]]) -> Dispatch | None:
    """The dispatch for Lark's scanner patterns, or None when they are not the plain
    alternation of named groups this expects (the lexer then uses them as they are)."""
    alternatives: list[str] = []
    flags = mres[0].flags if mres else 0
    for mre in mres:
        parts = _named_alternatives(mre)
        if parts is None or mre.flags != flags:
            return None
        alternatives.extend(parts)
    if not alternatives or flags & re.IGNORECASE:
        return None
    firsts = [_first_set(alt, flags) for alt in alternatives]
    full = re.compile("|".join(alternatives), flags)
    by_char: dict[str, re.Pattern[str]] = {}
    compiled: dict[tuple[int, ...], re.Pattern[str]] = {}
    for ch in sorted(_ASCII):
        chosen = tuple(i for i, first in enumerate(firsts) if first is _ANY or ch in first)
        if not chosen:
            continue  # nothing starts with it: the full alternation fails as fast
        pattern = compiled.get(chosen)
        if pattern is None:
            pattern = compiled[chosen] = re.compile(
                "|".join(alternatives[i] for i in chosen), flags)
        by_char[ch] = pattern
    return Dispatch(by_char, full)


def _named_alternatives(mre: re.Pattern[str]) -> list[str] | None:
    """``(?P<A>…)|(?P<B>…)`` split into its alternatives, checked to join back exactly and to
    hold one group each."""
    names = sorted(mre.groupindex, key=mre.groupindex.__getitem__)
    text = mre.pattern
    starts = [text.find(f"(?P<{name}>") for name in names]
    if not starts or starts[0] != 0 or starts != sorted(starts):
        return None
    bounds = [*starts, len(text) + 1]
    parts = [text[a:b - 1] for a, b in itertools.pairwise(bounds)]
    if "|".join(parts) != text:
        return None
    for part, name in zip(parts, names, strict=True):
        try:
            one = re.compile(part, mre.flags)
        except re.error:
            return None
        if one.groups != 1 or name not in one.groupindex:
            return None
    return parts


def _first_set(pattern: str, flags: int) -> frozenset[str] | None:
    try:
        first, nullable = _seq_first(P.parse(pattern, flags))
    except (re.error, TypeError, ValueError):
        return _ANY
    return _ANY if nullable else first


def _seq_first(seq: Any) -> tuple[frozenset[str] | None, bool]:
    """(characters a match of ``seq`` can begin with, whether it can match the empty string)."""
    out: set[str] = set()
    for op, arg in seq:
        first, nullable = _op_first(op, arg)
        if first is _ANY:
            return _ANY, True
        out |= first
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True


def _op_first(op: Any, arg: Any) -> tuple[frozenset[str] | None, bool]:
    if op is C.LITERAL:
        return frozenset((chr(arg),)) & _ASCII, False
    if op is C.IN:
        return _class_first(arg), False
    if op is C.BRANCH:
        out: set[str] = set()
        nullable = False
        for alt in arg[1]:
            first, empty = _seq_first(alt)
            if first is _ANY:
                return _ANY, True
            out |= first
            nullable = nullable or empty
        return frozenset(out), nullable
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, inner = arg
        if add_flags & re.IGNORECASE:
            return _ANY, True
        return _seq_first(inner)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)):
        low, _high, inner = arg
        first, empty = _seq_first(inner)
        return first, empty or low == 0
    if op is getattr(C, "ATOMIC_GROUP", None):
        return _seq_first(arg)
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return frozenset(), True  # zero width; ignoring what it asserts gives a superset
    return _ANY, True  # ANY, NOT_LITERAL, GROUPREF, …: could begin with anything


def _class_first(items: Any) -> frozenset[str] | None:
    out: set[str] = set()
    for op, arg in items:
        if op is C.LITERAL:
            out.add(chr(arg))
        elif op is C.RANGE:
            low, high = arg
            out.update(chr(i) for i in range(low, min(high, 127) + 1))
        elif op is C.CATEGORY and arg in _CATEGORIES:
            out |= _CATEGORIES[arg]
        else:  # NEGATE, other categories
            return _ANY
    return frozenset(out) & _ASCII
