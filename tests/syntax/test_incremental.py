"""Incremental reparse: any sequence of edits gives exactly the items, trees and findings of a
full parse of the resulting text (spec 2-7 §H), and reuses what the edit did not touch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.syntax.incremental import ParsedDocument, canonical
from reml_lsp.syntax.parser import ItemParser
from reml_lsp.syntax.streaming import DemandHint, FrameBoundary

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))]
SNIPPETS = ["(", ")", "{", "}", "[", "]", "fn ", "let x = ", "|", " -> ", "\"", "/*", "*/",
            "\n", "match a with\n | B -> 1\n", " else ", "=", "1 + ", "ユーザー", "👩‍💻", "é",
            "type T = | A | B\n", "}\n\nfn g() = 2\n", "//", "..=", ";", "break", "return ",
            "e", "ls", " := "]


def snapshot(doc: ParsedDocument):
    return [(canonical(item.tree, dpos, dline),
             tuple((i.code, i.key, i.start + dpos, i.end + dpos, i.expected, i.args)
                   for i in item.issues))
            for item, dpos, dline in doc.entries()]


def full(text: str):
    return [(canonical(item.tree),
             tuple((i.code, i.key, i.start, i.end, i.expected, i.args) for i in item.issues))
            for item in ItemParser(text).items()]


edit = st.tuples(st.floats(0, 1), st.integers(0, 12),
                 st.one_of(st.sampled_from(SNIPPETS), st.just(""), st.text(max_size=4)))

# What people type, and what hostile files hold: every quote and comment opener/closer, raw
# strings, NUL, invalid bytes (surrogateescape), BOM, bidi controls, the last code point, CRLF
# and lone CR, emoji sequences, CJK, combining marks, escapes.
WIDE = ['"', '"""', "'", 'r"', 'r#"', '"#', "/*", "*/", "//", "\\", "\\u{", "\\n", "\x00",
        "\udcff", "\udc80\udcc3", "\ufeff", "\u202e", "\U0010ffff", "\ufffd", "\r\n", "\r",
        "\t", "👩‍💻", "🇯🇵", "漢字", "e\u0301", "ﬁ", "\n", "\n\n", "}", "{", "(", ")", "[",
        "]", "fn ", "let x = ", " = ", "1", "x", ";", ",", "|", " -> ", "match a with\n | B -> 1\n",
        '"""\nabc\n"""', 'r"a\nb"', "/* a\n */", "}\n\nfn g() = 2\n", "..=", " else "]
# Inserted text: one of the pieces above, or any code points (surrogates included).
wide_text = st.one_of(st.sampled_from(WIDE), st.just(""),
                      st.text(st.characters(blacklist_categories=()), max_size=4),
                      st.lists(st.sampled_from(WIDE), min_size=2, max_size=4).map("".join))
# Where: anywhere, and often at the very end of the document (the closing quote typed last).
wide_edit = st.tuples(st.one_of(st.floats(0, 1), st.just(1.0)), st.integers(0, 12), wide_text)
WIDE_SOURCES = [*SOURCES, 'fn f() -> Str = 1\nlet s = """abc\nfn g() = 2\nlet t = 3\n',
                'fn f() = 1\nlet s = r"abc\nfn g() = 2\r\nlet t = 3', "/* open\nfn g() = 2\n",
                "fn f() = 'x' + \"\\u{1F600}\" + \"\\xff\"\n", ""]
# CI runs a few hundred sequences; REML_INCREMENTAL_EXAMPLES=5000 runs the full property.
EXAMPLES = int(os.environ.get("REML_INCREMENTAL_EXAMPLES", "300"))


@settings(max_examples=1000, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(SOURCES), st.lists(edit, min_size=1, max_size=6))
def test_random_edit_sequences_equal_a_full_reparse(source: str, edits):
    doc = ParsedDocument(source)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.edit(start, min(len(doc.text), start + length), new)
    assert snapshot(doc) == full(doc.text)


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(WIDE_SOURCES), st.lists(wide_edit, min_size=1, max_size=8))
def test_wide_alphabet_edit_sequences_equal_a_full_reparse(source: str, edits):
    doc = ParsedDocument(source)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.edit(start, min(len(doc.text), start + length), new)
    assert snapshot(doc) == full(doc.text)


@pytest.mark.parametrize("closing", ['"""', '"', "*/"])
@pytest.mark.parametrize("opener", ['"""', 'r"', "/*"])
def test_closing_a_multiline_literal_at_the_very_end(opener: str, closing: str):
    '''An unterminated triple quote, `r"` or `/*` searched to the end of input: the item
    before it depends on the end, so typing the closer last re-parses it (issue 12).'''
    text = f"fn f() -> Str = 1\nlet s = {opener}abc\nfn g() = 2\nlet t = 3\n"
    doc = ParsedDocument(text)
    for ch in closing:
        doc.edit(len(doc.text), len(doc.text), ch)
        assert snapshot(doc) == full(doc.text)


def test_break_then_fix_restores_the_original_parse():
    source = (ROOT / "fixtures" / "syntax" / "valid" / "declarations.reml").read_text("utf-8")
    doc = ParsedDocument(source)
    before = snapshot(doc)
    pos = source.index("{") + 1
    doc.edit(pos, pos, "(((")
    assert snapshot(doc) == full(doc.text)
    assert any(issue for _, issues in snapshot(doc) for issue in issues)
    doc.edit(pos, pos + 3, "")
    assert snapshot(doc) == before


def test_an_edit_reuses_the_items_after_it():
    text = "".join(f"fn f{i}(x: Int) -> Int = x + {i}\n\n" for i in range(200))
    doc = ParsedDocument(text)
    pos = text.index("fn f100")
    stats = doc.edit(pos + 4, pos + 4, "9")
    assert stats.synced
    assert stats.reparsed <= 2
    assert stats.reused >= 97  # the edited item and the one whose lookahead it was
    assert stats.pulled_chars < 2 * 1024 + 64  # one or two demand windows, not the file
    assert stats.demand == DemandHint(1, 1025, FrameBoundary.STATEMENT)
    assert snapshot(doc) == full(doc.text)


def test_expected_tokens_at_a_caret():
    doc = ParsedDocument("fn main() -> Int {\n  let x = \n}\n")
    caret = doc.text.index("= ") + 2
    expected = doc.expected_at(caret)
    assert {"IF", "MATCH", "IDENT", "INT", "LPAR", "FN"} <= expected.keys()
    assert "ELSE" not in expected
    word = "fn main() -> Int { le"
    assert "LET" in ParsedDocument(word).expected_at(len(word))
