"""What a caret can be followed by, for completion: the parser's expected terminals, plus the
terminals that start a new top-level item wherever the current item may end there (the parser
reports only ``$END`` for "this item is complete")."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from reml_lsp.syntax.grammar import tables
from reml_lsp.syntax.lalr_lookahead import acceptable


@cache
def item_start_terminals() -> frozenset[str]:
    t = tables()
    return frozenset(acceptable(t.states, [t.start_state]))


def completion_terminals(expected: Iterable[str]) -> set[str]:
    found = set(expected)
    if "$END" in found or not found:
        found |= item_start_terminals()
    return found - {"$END", "ERROR"}
