"""The per-first-character scanners give the very token the full alternation gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from reml_lsp.syntax.grammar import tables
from reml_lsp.syntax.token_dispatch import _first_set, build_dispatch

DISPATCH = build_dispatch(tables().scanner_mres)
FULL = list(tables().scanner_mres)
# Characters that start tokens or trip them up, plus some non-ASCII letters and marks.
ALPHABET = st.sampled_from(list('abrlxzAZ_09."\'#/*:-=<>|&!?.,;{}()[]\\ \n\t@^%~+éλ名\u0301😀'))


def full_match(text: str, pos: int) -> tuple[str | None, int] | None:
    for mre in FULL:
        m = mre.match(text, pos)
        if m:
            return m.lastgroup, m.end()
    return None


def dispatched(text: str, pos: int) -> tuple[str | None, int] | None:
    assert DISPATCH is not None
    scanner = DISPATCH.by_char.get(text[pos]) or DISPATCH.full
    m = scanner.match(text, pos)
    return (m.lastgroup, m.end()) if m else None


def test_every_terminal_is_reachable_from_some_character() -> None:
    assert DISPATCH is not None
    names = {n for mre in FULL for n in mre.groupindex}
    seen = {n for scanner in DISPATCH.by_char.values() for n in scanner.groupindex}
    assert not names - seen, names - seen
    # A character no terminal starts with gets no scanner of its own.
    assert "$" not in DISPATCH.by_char


def test_first_sets_of_simple_patterns() -> None:
    assert _first_set(r"(?P<A>ab|[c-e]x)", 0) == frozenset("acde")
    assert _first_set(r"(?P<A>x?y)", 0) == frozenset("xy")
    assert _first_set(r"(?P<A>[^a]b)", 0) is None  # a negated class: any character
    assert _first_set(r"(?P<A>a*)", 0) is None  # matches the empty string
    assert _first_set(r"(?P<A>\d+)", 0) == frozenset("0123456789")


@settings(max_examples=400, deadline=None)
@given(st.text(ALPHABET, min_size=1, max_size=24))
def test_dispatch_matches_the_full_alternation(text: str) -> None:
    for pos in range(len(text)):
        assert dispatched(text, pos) == full_match(text, pos), (text, pos)


def test_not_the_plain_alternation_falls_back() -> None:
    assert build_dispatch([re.compile(r"a|(?P<B>b)")]) is None
    assert build_dispatch([re.compile(r"(?P<A>a)|(?P<B>b)", re.IGNORECASE)]) is None
