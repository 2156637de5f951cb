"""``parse_items(findings=False)`` (what workspace index workers run) leaves out the tree
checks that only report findings: its trees must be exactly those of a full parse, on the
fixtures and on random token soups (broken input takes the recovery paths)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.syntax.parser import parse_items

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "syntax"
SOURCES = [p.read_text("utf-8") for p in sorted(ROOT.glob("*/*.reml"))]
PIECES = ["fn", "let", "=", ":=", "(", ")", "{", "}", "|", "->", "match", "with", "if", "<",
          ">", "==", "else", ",", ";", "\n", " ", "x", "y", "1", "type", "pub", "use", "."]
FINDING_CODES = ("parser.syntax.missing_separator", "parser.syntax.assign_eq")


def _same_trees(text: str) -> None:
    full = parse_items(text)
    lean = parse_items(text, findings=False)
    assert [(i.first, i.end, i.tree) for i in lean] == [(i.first, i.end, i.tree) for i in full]
    assert not any(x.code in FINDING_CODES for i in lean for x in i.issues)


def test_fixtures_parse_to_the_same_trees():
    assert SOURCES
    found = 0
    for text in SOURCES:
        _same_trees(text)
        found += sum(x.code in FINDING_CODES for i in parse_items(text) for x in i.issues)
    assert found  # the fixtures do exercise the checks the index mode leaves out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_token_soup_parses_to_the_same_trees(pieces: list[str]):
    _same_trees(" ".join(pieces))
