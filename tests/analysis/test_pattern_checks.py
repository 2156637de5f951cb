"""Pattern rules with the reference compiler's codes, locations and wording (the corpus's
bnf-match-slice-multiple-rest / bnf-match-range-bound-inverted), and no finding on their valid
neighbours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reml_lsp.analysis.analyze import analyze_text

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
MATCH = "spec_core/chapter1/match_expr/"


def patterns(text: str) -> list[tuple[str, int, int, int]]:
    result = analyze_text(text, file="t.reml", rel_path="t.reml")
    return [(d.code, d.location.line, d.location.column, d.location.end_column)
            for d in result.diagnostics if d.code.startswith("pattern.")]


@pytest.mark.parametrize("name", ["bnf-match-slice-multiple-rest",
                                  "bnf-match-range-bound-inverted"])
def test_the_corpus_examples_get_the_reference_finding(name: str) -> None:
    src = (CORPUS / "examples" / MATCH / f"{name}.reml").read_text("utf-8")
    want = json.loads((CORPUS / "expected" / MATCH / f"{name}.diagnostic.json").read_text(
        "utf-8"))["diagnostics"][0]
    [d] = [d for d in analyze_text(src, file="t.reml", rel_path="t.reml",
                                   locale="ja-JP").diagnostics if d.code.startswith("pattern.")]
    loc = want["location"]
    assert (d.code, d.severity.value, d.message) == (want["code"], "error", want["message"])
    assert (d.location.line, d.location.column, d.location.end_column) == (
        loc["line"], loc["column"], loc["endColumn"])


def test_one_rest_ranges_in_order_and_non_literal_bounds_are_fine() -> None:
    ok = ("fn f(xs: Array<Int>, n: Int) -> Int {\n  match xs with\n    | [h, ..t] -> h\n"
          "    | [.., last] -> last\n    | _ -> 0\n}\n"
          "fn g(n: Int) -> Int = match n with | 1..=9 -> 1 | -5..0 -> 2 | LO..HI -> 3 | _ -> 0\n")
    assert patterns(ok) == []
    bad = "fn g(n: Int) -> Int = match n with | 0x10..=0x01 -> 1 | 5..=-5 -> 2 | _ -> 0\n"
    assert [c for c, *_ in patterns(bad)] == ["pattern.range.bound_inverted"] * 2


def test_a_variant_or_an_operation_listed_twice_in_one_declaration():
    src = ("module app.m\ntype Color = | Red | Green | Red\nenum E = A | B(Int) | A\n"
           "effect Log : io {\n  operation info: Str -> ()\n  operation info: Str -> ()\n}\n"
           "type Other = | Red | Blue\n")
    result = analyze_text(src, file="t.reml", rel_path="t.reml")
    found = [(d.code, d.location.line, d.location.column) for d in result.diagnostics
             if d.code == "name.duplicate"]
    assert found == [("name.duplicate", 2, 30), ("name.duplicate", 3, 23),
                     ("name.duplicate", 6, 13)]
    assert all(d.notes and d.notes[0].location is not None for d in result.diagnostics
               if d.code == "name.duplicate")
