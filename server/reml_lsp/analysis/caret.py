"""Terminals the parser accepts at a caret, from a full parse (the stopgap until the incremental
document answers it from its continuation): the item around the caret is parsed again up to the
caret, with the same recovery the full parse used, and the LALR stack there is asked what it can
shift next (``walk.acceptable``)."""

from __future__ import annotations

from collections.abc import Sequence

from reml_lsp.syntax.lexer import Lexer, LexState
from reml_lsp.syntax.parser import Item, ItemParser, _ItemRun
from reml_lsp.syntax.walk import acceptable, accepts

MAX_STEPS = 100_000


def expected_at(text: str, items: Sequence[Item], offset: int) -> list[str]:
    state = LexState()
    for item in items:
        if item.tree is not None and item.first < offset:
            state = item.start
        else:
            break
    prefix = text[:offset]
    parser = ItemParser(prefix)
    run = _ItemRun(parser, Lexer(prefix, parser.t, state))
    states = parser.t.states
    start_state = parser.t.start_state
    lexer = run.lexer
    tok = lexer.next(run.stack)
    for _ in range(MAX_STEPS):
        if tok.type == "$END":
            break
        pre = run.stack[:]
        if run._feed(tok):
            if tok.value:
                run.last = tok
            tok = lexer.next(run.stack)
            continue
        if accepts(states, run.stack, "$END") and run.last is not None:
            run.stack[:] = [start_state]  # the item is complete: ``tok`` starts the next one
            run.values.clear()
            run.last = None
            continue
        tok = run._recover(tok, pre)
    found = set(acceptable(states, run.stack))
    if "$END" in found:
        found |= set(acceptable(states, [start_state]))
    found -= {"$END", "ERROR"}
    return sorted(found)
