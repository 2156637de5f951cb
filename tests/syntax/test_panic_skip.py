"""Panic recovery keeps a bounded record of what it skipped: the first ``SKIP_KEEP`` tokens,
then one ``SKIPPED`` span token for the rest (the comment scan still treats it as code)."""

from __future__ import annotations

from lark import Token
from reml_lsp.analysis.comments import comments
from reml_lsp.syntax.parser import SKIP_KEEP, parse_items
from reml_lsp.syntax.treeutil import tokens


def _error_tokens(tree) -> list[Token]:
    return [t for t in tree.scan_values(lambda v: isinstance(v, Token) and v.type == "ERROR")]


def test_a_long_skipped_region_keeps_the_first_tokens_and_one_span() -> None:
    n = SKIP_KEEP * 3
    text = "fn f() -> Int = ) " + "x " * n + "\"// not a comment\" y\n"
    items = parse_items(text)
    tree = items[0].tree
    errors = [e for e in _error_tokens(tree) if getattr(e, "skipped", None)]
    assert len(errors) == 1
    skipped = errors[0].skipped
    assert len(skipped) == SKIP_KEEP + 1
    tail = skipped[-1]
    assert tail.type == "SKIPPED"
    assert tail.start_pos == text.index("x ") + 2 * (SKIP_KEEP - 1)
    assert tail.end_pos == text.rindex("y") + 1
    assert tail.end_line == 1 and tail.end_column == len(text)
    seen = sorted((t.start_pos, t.end_pos) for t in tokens(tree, skipped=True))
    assert seen[-1] == (tail.start_pos, tail.end_pos)
    assert list(comments(text, [(tree, 0)])) == []  # the string's `//` stays code


def test_a_short_skipped_region_keeps_every_token() -> None:
    text = "fn f() -> Int = ) a b c\n"
    tree = parse_items(text)[0].tree
    errors = [e for e in _error_tokens(tree) if getattr(e, "skipped", None)]
    assert [str(t) for e in errors for t in e.skipped] == [")", "a", "b", "c"]
