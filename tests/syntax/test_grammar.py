"""The grammar itself: LALR(1), contextual lexer, no conflicts, no terminal collisions."""

from __future__ import annotations

import re

import pytest
from reml_lsp.syntax import tokens as T
from reml_lsp.syntax.grammar import build_lark, grammar_text, tables


@pytest.mark.slow
def test_grammar_builds_in_strict_mode_with_interegular():
    """strict=True raises on any shift/reduce or reduce/reduce conflict and, with interegular
    installed, on regex collisions between terminals (~45 s: large Unicode classes)."""
    import interegular  # noqa: F401 - strict collision checks need it

    parser = build_lark(strict=True)
    assert parser.options.parser == "lalr"
    assert parser.options.lexer == "contextual"


def test_every_reserved_word_is_a_terminal_of_the_grammar():
    text = grammar_text()
    for word, name in T.RESERVED.items():
        assert re.search(rf'^{name}: "{word}"$', text, re.M), word


def test_labels_never_leak_lark_internal_names():
    for term in tables().terminals | {"LPAR_CALL", "NEG", "BAR_PREFIX", "ARM_START", "$END"}:
        label, kind = T.label(term)
        assert not label.startswith("__"), term
        assert kind in ("keyword", "token", "class", "rule", "eof"), term


def test_reference_class_labels():
    assert T.label("IDENT") == ("identifier", "class")
    assert T.label("UPPER_IDENT") == ("upper-identifier", "class")
    assert T.label("INT") == ("integer-literal", "class")
    assert T.label("FLOAT") == ("float-literal", "class")
    assert T.label("RAW_STRING") == ("string-literal", "class")
    assert T.label("CHAR") == ("char-literal", "class")
    assert T.label("ELSE") == ("else", "keyword")
    assert T.label("LPAR_CALL") == ("(", "token")
