"""Hostile input at the syntax and analysis layers (issue 12): floods are one finding per run,
findings are bounded and capped with a summary, deep nesting is a located finding, long chains
parse flat, byte offsets stay right, and message arguments are short, whole and printable.
Speed is measured by benchmarks/hostile_bench.py, not here."""

from __future__ import annotations

import json

import pytest
from lark import Tree
from reml_lsp.analysis.analyze import analyze_bytes, analyze_text
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.serialize import to_json
from reml_lsp.diagnostics.text import graphemes, message_arg, printable, shorten
from reml_lsp.syntax.decoding import decoder_issues
from reml_lsp.syntax.issues import ITEM_ISSUE_LIMIT
from reml_lsp.syntax.parser import MAX_NESTING, MAX_TREE_DEPTH, parse_items


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


def _depth(tree: Tree) -> int:
    best, stack = 0, [(tree, 1)]
    while stack:
        node, d = stack.pop()
        best = max(best, d)
        stack.extend((c, d + 1) for c in node.children if isinstance(c, Tree))
    return best


@pytest.mark.parametrize("run", ["\x00" * 5000, "😀" * 3000, "§" * 4000, "'" * 5000,
                                 "\x07\x00\x01" * 1000])
def test_a_run_of_unlexable_characters_is_one_finding(run: str):
    result = analyze_text(f"fn f() -> Int = 1\n{run}\n", file="t", rel_path="t",
                          max_diagnostics=0)
    lexer = [d for d in result.diagnostics if d.code == "parser.lexer.unknown_token"]
    assert len(lexer) == 1
    assert lexer[0].location.line == 2 and lexer[0].location.column == 1
    assert lexer[0].location.end_column == len(run) + 1  # the finding covers the whole run


def test_separate_runs_are_separate_findings():
    result = analyze_text("fn f() -> Int = 1\n§§ x ¤¤\n", file="t", rel_path="t")
    lexer = [d for d in result.diagnostics if d.code == "parser.lexer.unknown_token"]
    assert [(d.location.column, d.location.end_column) for d in lexer] == [(1, 3), (6, 8)]


def test_the_cap_keeps_the_first_findings_and_adds_a_summary():
    text = "fn f() -> Int = 1\n" + "§ x\n" * 300
    full = analyze_text(text, file="t", rel_path="t", max_diagnostics=0).diagnostics
    capped = analyze_text(text, file="t", rel_path="t", max_diagnostics=10).diagnostics
    assert len(full) > 11
    assert [d.audit_id for d in capped[:10]] == [d.audit_id for d in full[:10]]
    summary = capped[10]
    assert len(capped) == 11 and summary.code == "diagnostics.truncated"
    assert summary.severity.value == "info"
    assert summary.locale_args == [str(len(full) - 10), "10"]
    assert f"{len(full) - 10} more diagnostics" in summary.message
    # placed at the first finding not shown
    assert (summary.location.line, summary.location.column) == (
        full[10].location.line, full[10].location.column)
    ja = analyze_text(text, file="t", rel_path="t", locale="ja-JP", max_diagnostics=10)
    assert "件の診断は表示されません" in ja.diagnostics[-1].message


def test_the_default_cap_is_200_and_0_means_none():
    text = "fn f() -> Int = 1\n" + "§ x\n" * 300
    assert len(analyze_text(text, file="t", rel_path="t").diagnostics) == 201
    assert "diagnostics.truncated" not in _codes(
        analyze_text(text, file="t", rel_path="t", max_diagnostics=0))


def test_the_editor_document_applies_the_same_cap():
    text = "fn f() -> Int = 1\n" + "§ x\n" * 300
    doc = AnalyzedDocument(text, file="t", rel_path="t")
    doc.set_max_diagnostics(25)
    cli = analyze_text(text, file="t", rel_path="t", max_diagnostics=25).diagnostics
    assert [(d.code, d.audit_id, d.message) for d in doc.diagnostics("en-US")] == [
        (d.code, d.audit_id, d.message) for d in cli]
    doc.apply_change(len(doc.text), len(doc.text), "§ y\n")
    assert len(doc.diagnostics("en-US")) == 26


def test_findings_past_the_item_limit_are_counted_not_kept():
    # one item holding more findings than the syntax layer keeps: `'` then a word, repeated
    text = "fn f() -> Int = [" + "' a, " * (ITEM_ISSUE_LIMIT + 500) + "]\n"
    items = parse_items(text)
    assert max(len(it.issues) for it in items) <= ITEM_ISSUE_LIMIT
    assert sum(getattr(it.issues, "dropped", 0) for it in items) > 0
    result = analyze_text(text, file="t", rel_path="t", max_diagnostics=50)
    summary = result.diagnostics[-1]
    assert summary.code == "diagnostics.truncated"
    assert int(summary.locale_args[0]) > ITEM_ISSUE_LIMIT - 50


def test_invalid_bytes_are_capped_and_located_by_byte_offset():
    data = b"\xffa" * 3000
    result = analyze_bytes(data, file="t", rel_path="t", max_diagnostics=100)
    decoder = [d for d in result.diagnostics if d.code == "parser.stream.decoder_failed"]
    assert decoder and decoder[0].locale_args == ["FF", "0"]
    assert [d.span.start for d in decoder[:3]] == [0, 2, 4]
    assert result.diagnostics[-1].code == "diagnostics.truncated"


def test_decoder_byte_offsets_match_a_reencoding():
    text = ("é\udcffa😀\udc80\udc81b" * 50)
    found = decoder_issues(text)
    for issue in found:
        assert issue.args[1] == str(len(text[:issue.start].encode("utf-8", "surrogateescape")))
    assert len(found) == 100  # one per run of invalid bytes


def test_brackets_nested_too_deep_are_one_located_finding():
    text = "fn f() -> Int = " + "(" * 5000 + "1" + ")" * 5000 + "\nfn g() -> Int = 2\n"
    items = parse_items(text)
    issues = [i for it in items for i in it.issues]
    deep = [i for i in issues if i.code == "parser.nesting_too_deep"]
    assert len(deep) == 1
    assert deep[0].start == len("fn f() -> Int = ") + MAX_NESTING  # the first bracket too deep
    assert all(_depth(it.tree) < 4 * MAX_NESTING for it in items if it.tree is not None)
    # the next item is parsed as usual
    assert any(it.tree is not None and it.first == text.index("fn g") for it in items)
    result = analyze_text(text, file="t", rel_path="t")
    assert "brackets nested more than 256 deep" in result.diagnostics[0].message


@pytest.mark.parametrize("opener", ["[", "{ ", "f("])
def test_unclosed_deep_nesting_is_bounded(opener: str):
    text = "fn f() -> Int = " + opener * 20000
    result = analyze_text(text, file="t", rel_path="t")
    assert "parser.nesting_too_deep" in _codes(result)
    assert len(result.diagnostics) < 10


@pytest.mark.parametrize("body", ["- " * 3000 + "1", "!" * 3000 + "x", "x" + ".f" * 3000,
                                  "x" + "()" * 3000, "x" + " |> g" * 3000,
                                  "if a then 1 else " * 600 + "2", "|x| " * 1000 + "1",
                                  "{ " + "return " * 1000 + "1 }"])
def test_a_tree_too_deep_to_walk_is_one_located_finding(body: str):
    text = f"fn f() = {body}\nfn g() -> Int = 2\n"
    items = parse_items(text)
    deep = [i for it in items for i in it.issues if i.code == "parser.nesting_too_deep"]
    assert len(deep) == 1 and 0 < deep[0].start < text.index("fn g")
    assert all(_depth(it.tree) <= MAX_TREE_DEPTH for it in items if it.tree is not None)
    result = analyze_text(text, file="t", rel_path="t")  # every later walk copes
    assert "nests more than 256 levels" in result.diagnostics[0].message
    assert any(it.tree is not None and it.first == text.index("fn g") for it in items)


@pytest.mark.parametrize(("head", "anchor"), [("fn f() { x )", ")"), ("fn f() = g", "g"),
                                              ("fn f() = x |> h", "x")])
def test_a_too_deep_chain_stops_being_built_at_the_limit(head: str, anchor: str):
    """A left-recursive chain (calls after a recovered `)`, `g(x)(x)…`, `|> g |> g…`) keeps the
    parse stack flat, so only its depth shows it: past MAX_TREE_DEPTH the rest of the item is
    skipped, not built, so the parse's memory does not grow with the chain (it built hundreds
    of megabytes for a 1 MB line, then dropped them for one ERROR)."""
    import tracemalloc

    unit = " |> g" if "|>" in head else " (x)"

    def peak(groups: int) -> tuple[int, list]:
        text = head + unit * groups + "\n}\nfn g() -> Int = 2\n"
        tracemalloc.start()
        try:
            items = parse_items(text)
            return tracemalloc.get_traced_memory()[1], [text, items]
        finally:
            tracemalloc.stop()

    small, _ = peak(500)
    large, (text, items) = peak(4_000)
    deep = [i for it in items for i in it.issues if i.code == "parser.nesting_too_deep"]
    assert len(deep) == 1 and deep[0].start == head.rindex(anchor)  # where the chain begins
    assert all(_depth(it.tree) <= MAX_TREE_DEPTH for it in items if it.tree is not None)
    assert any(it.tree is not None and it.first == text.index("fn g") for it in items)
    # 8x the chain, about the same peak (the text itself is 4-5 bytes per group)
    assert large - small < 8 * 5 * 4_000, (small, large)


def test_a_long_operator_chain_is_one_flat_binary_node():
    terms = 20000
    text = "fn f() -> Int = 1" + " + 1" * terms + " * (2 - x" + " - x" * 3000 + ")\n"
    items = parse_items(text)
    assert not [i for it in items for i in it.issues]
    chains = [n for n in items[0].tree.iter_subtrees() if n.data == "binary"]
    assert sorted(len(n.children) for n in chains) == [3 + 2 * 3000, 3 + 2 * terms]
    assert _depth(items[0].tree) < 20


def test_byte_offsets_on_one_long_non_ascii_line():
    line = "é😀\udcffa" * 5000
    index = LineIndex("x\n" + line + "\n")
    for offset in (2, 3, 517, 1024 + 2, 19999, len(line) + 2):
        expected = len(("x\n" + line + "\n")[:offset].encode("utf-8", "surrogateescape"))
        assert index.byte_offset(offset) == expected
    # 300 groups and "é😀": 1202 code points, and one more UTF-16 unit per emoji
    assert index.to_lsp(2 + 4 * 300 + 2, "utf-16") == (1, 1202 + 301)


def test_graphemes_are_never_split_when_shortening():
    family = "👨\u200d👩\u200d👧"
    assert list(graphemes(family + "e\u0301🇯🇵a")) == [family, "e\u0301", "🇯🇵", "a"]
    short = shorten((family + "e\u0301") * 40, 6)
    assert short == (family + "e\u0301") * 2 + family + "…"


def test_message_arguments_are_printable_utf8():
    assert printable("a\x00\udcff\u202eb\ud800") == "a\\u{0}\\xFF\\u{202E}b\ufffd"
    arg = message_arg("\udcfe" * 100)
    arg.encode("utf-8")  # no lone surrogate left
    assert arg.endswith("…")


def test_every_diagnostic_of_odd_text_serialises_to_strict_utf8():
    text = 'fn f() -> Str = "ab\udcff\udcfe' + "😀" * 30 + '\x00\u202e" + ' + "e\u0301" * 30 + "\n"
    for d in analyze_text(text, file="t", rel_path="t").diagnostics:
        json.dumps(to_json(d), ensure_ascii=False).encode("utf-8")
