"""Per-construct fixtures: valid ones give no diagnostic, invalid ones the expected finding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from reml_lsp.analysis.analyze import analyze_text

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "syntax"
VALID = sorted((ROOT / "valid").glob("*.reml"))
INVALID = sorted((ROOT / "invalid").glob("*.reml"))
EXPECT = re.compile(r"^// expect: (\S+) (\d+):(\d+)$", re.M)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_has_no_diagnostic(path: Path):
    result = analyze_text(path.read_text("utf-8"), file=path.name, rel_path=path.name)
    assert [(d.code, d.location.line, d.message) for d in result.diagnostics
            if d.domain == "parser"] == []  # name/bridges findings: tests/analysis/test_names
    assert result.items, "the fixture parses into items"


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_reports_expected_findings(path: Path):
    text = path.read_text("utf-8")
    expected = [(code, int(line), int(col)) for code, line, col in EXPECT.findall(text)]
    assert expected, "fixture declares its expectations"
    result = analyze_text(text, file=path.name, rel_path=path.name)
    got = [(d.code, d.location.line, d.location.column) for d in result.diagnostics
           if d.domain == "parser"]
    for finding in expected:
        assert finding in got
    # One broken construct, one diagnostic: nothing else is reported (lexer findings may come
    # with the parse error at the same token, as in the reference compiler).
    others = [g for g in got if g not in expected and not g[0].startswith("parser.lexer")]
    assert others == [] or path.name == "unknown_token.reml", others


def test_recovery_reports_later_errors_in_other_items():
    text = (ROOT / "invalid" / "two_errors.reml").read_text("utf-8")
    result = analyze_text(text, file="t.reml", rel_path="t.reml")
    assert [d.location.line for d in result.diagnostics] == [3, 7]
    assert len(result.items) == 3


def test_missing_paren_fixit_and_note():
    text = (ROOT / "invalid" / "missing_paren.reml").read_text("utf-8")
    diag = analyze_text(text, file="t.reml", rel_path="t.reml").diagnostics[0]
    assert [(f.kind, f.text) for f in diag.fixits] == [("insert", ")")]
    assert diag.fixits[0].location.line == 4  # right after `2`, not before the `}`
    unclosed = [n for n in diag.notes if n.label == "unclosed"]
    assert unclosed and unclosed[0].location.line == 4 and unclosed[0].location.column == 3
    assert diag.expected.context_note == "`)` is needed to close `(`"


def test_messages_in_japanese_follow_the_reference_form():
    text = (ROOT / "invalid" / "missing_else.reml").read_text("utf-8")
    diag = analyze_text(text, file="t.reml", rel_path="t.reml", locale="ja-JP").diagnostics[0]
    assert diag.expected.humanized == "ここで`else`が必要です"
    assert diag.locale == "ja-JP"
    assert diag.message.startswith("構文エラー")
    assert [a.label for a in diag.expected.alternatives] == ["else"]


def test_reference_expression_start_set_after_operator():
    diag = analyze_text("fn f() = (1 + )", file="t", rel_path="t").diagnostics[0]
    labels = {a.label for a in diag.expected.alternatives}
    reference = {"continue", "defer", "do", "false", "fn", "for", "handle", "if", "loop",
                 "match", "perform", "return", "self", "true", "unsafe", "while", "!", "(",
                 "-", "[", "{", "|", "char-literal", "float-literal", "identifier",
                 "integer-literal", "string-literal", "upper-identifier"}
    assert reference <= labels
    kinds = [a.kind for a in diag.expected.alternatives]
    assert kinds == sorted(kinds, key=["keyword", "token", "class", "rule"].index)
    assert diag.expected.context_note == "an expression is needed after the operator"


def test_two_statements_on_one_line_fixit_inserts_a_semicolon():
    """1-1 §B.3: `let a = 1 2` and `g() h()` need `;` or a newline; applying the fix-it gives
    text without the finding."""
    for name in ("missing_separator_let", "missing_separator_call", "missing_separator_items"):
        text = (ROOT / "invalid" / f"{name}.reml").read_text("utf-8")
        diag = analyze_text(text, file="t", rel_path="t").diagnostics[0]
        assert diag.code == "parser.syntax.missing_separator"
        [fix] = diag.fixits
        assert fix.kind == "insert" and fix.text == ";"
        fixed = text[:fix.span.start] + ";" + text[fix.span.end:]
        assert _syntax(analyze_text(fixed, file="t", rel_path="t")) == []
    # The same holds for top-level expression statements (`--allow-top-level-expr`).
    script = analyze_text("let a = 1 2\n", file="t", rel_path="t", allow_top_level_expr=True)
    assert _syntax(script) == ["parser.syntax.missing_separator"]
    spaced = analyze_text("let a = 1\n2\n", file="t", rel_path="t", allow_top_level_expr=True)
    assert _syntax(spaced) == []


def test_assignment_with_eq_warns_and_the_fix_writes_colon_eq():
    text = (ROOT / "invalid" / "assign_eq.reml").read_text("utf-8")
    diag = analyze_text(text, file="t", rel_path="t").diagnostics[0]
    assert diag.severity == "warning"
    [fix] = diag.fixits
    fixed = text[:fix.span.start] + fix.text + text[fix.span.end:]
    assert "n := n + 1" in fixed
    assert _syntax(analyze_text(fixed, file="t", rel_path="t")) == []


def _syntax(result) -> list[str]:
    return [d.code for d in result.diagnostics if d.domain == "parser"]


def test_assignment_first_in_a_statement_block_but_record_in_an_expression():
    """Where only a block can stand, `x = e` may be its first statement; where an expression
    may start, `{ x = e }` is a record (the reference tries records first)."""
    body = analyze_text("fn inc() {\n  count = count + 1\n}\n", file="t", rel_path="t")
    assert _syntax(body) == ["parser.syntax.assign_eq"]
    loop = analyze_text("fn f() { while i < 3 { i = i + 1 } }\n", file="t", rel_path="t")
    assert _syntax(loop) == ["parser.syntax.assign_eq"]
    record = analyze_text("fn f() = g({ a = 1 })\n", file="t", rel_path="t")
    assert _syntax(record) == []
    assert next(record.items[0].tree.find_data("record"), None) is not None


def test_colon_eq_is_an_expression_whose_target_is_a_postfix_expression():
    """1-1 §C.6: `:=` yields `()`, so it may be an arm's body; in the last arm it belongs to
    the arm (the old statement rule read `(match …) := v`)."""
    text = ("fn f(o: Option<Int>) -> () {\n  var n = 0\n  match o with\n  | None -> ()\n"
            "  | Some(v) -> n := v\n}\n")
    result = analyze_text(text, file="t", rel_path="t")
    assert [d.code for d in result.diagnostics] == []
    [match] = list(result.items[0].tree.find_data("match_expr"))
    arms = list(match.find_data("arm"))
    assert [a.children[-1].data for a in arms if hasattr(a.children[-1], "data")] == [
        "unit", "assign"]
    assert not any(a.data == "assign" and a.children[0].data == "match_expr"
                   for a in result.items[0].tree.find_data("assign"))


def test_break_and_return_before_else_take_no_value_but_a_name_starting_with_else_is_one():
    bare = analyze_text("fn f(x: Int) -> () {\n  loop { if x > 0 then break else () }\n"
                        "  if x < 0 then return else ()\n}\n", file="t", rel_path="t")
    assert _syntax(bare) == []
    valued = analyze_text("fn f(elsewhere: Int) -> Int {\n  return elsewhere\n}\n",
                          file="t", rel_path="t")
    assert _syntax(valued) == []
    [ret] = list(valued.items[0].tree.find_data("return_expr"))
    assert [str(t) for t in ret.scan_values(lambda v: getattr(v, "type", "") == "IDENT")] == [
        "elsewhere"]


def test_stray_text_where_an_item_starts_names_the_declarations():
    """Not only `fn` (the one reached through the empty `async`/`unsafe` qualifiers)."""
    result = analyze_text("fn f() -> Int = 1\nfoo bar\n", file="t", rel_path="t")
    [diag] = [d for d in result.diagnostics if d.domain == "parser"]
    labels = [a.token for a in diag.expected.alternatives]
    assert {"fn", "let", "type", "use", "module", "pub"} <= set(labels)


def test_eq_assignment_as_an_arm_lambda_or_branch_body_is_warned_not_rejected():
    """The reference's `x = e` (its `assignment_expr` is an expression) as the whole body of an
    arm, a lambda or an `if` branch; `=` in arguments, records and defaults keeps its meaning."""
    text = ("fn tally(xs: List<Option<Int>>) -> Int {\n  var total = 0\n"
            "  for v in xs { match v with | Some(n) -> total = total + n | None -> () }\n"
            "  xs.for_each(|v| total = total + 1)\n"
            "  if total > 9 then total = 9 else total = total\n  total\n}\n")
    result = analyze_text(text, file="t", rel_path="t")
    assert _syntax(result) == ["parser.syntax.assign_eq"] * 4
    fixed = text
    for d in sorted(result.diagnostics, key=lambda d: -d.fixits[0].span.start):
        fix = d.fixits[0]
        fixed = fixed[:fix.span.start] + fix.text + fixed[fix.span.end:]
    assert _syntax(analyze_text(fixed, file="t", rel_path="t")) == []
    named = analyze_text("fn f() = g(x = 1, y = { a = 2 })\n", file="t", rel_path="t")
    assert _syntax(named) == [] and next(named.items[0].tree.find_data("named_arg"), None)


def test_a_brace_body_whose_first_statement_is_x_eq_e_is_a_block_when_more_follow():
    """`{ x = e` then another statement (not `,` or `}`) can only be a block; `{ x = e }` alone
    stays a record (spec 1-1 §E.1: `key = expr` is a field)."""
    text = ("fn total(xs: List<Int>) -> Int {\n  var sum = 0\n  xs.each(|x| {\n"
            "    sum = sum + x\n    log(x)\n  })\n  xs.each(|x| { sum = sum + x; log(x) })\n"
            "  sum\n}\n")
    result = analyze_text(text, file="t", rel_path="t")
    assert _syntax(result) == ["parser.syntax.assign_eq"] * 2
    assert not list(result.items[0].tree.find_data("record"))
    single = analyze_text("fn f() -> R = g({ sum = 1 })\n", file="t", rel_path="t")
    assert _syntax(single) == [] and list(single.items[0].tree.find_data("record"))


def test_a_line_starting_with_a_bar_is_a_lambda_where_no_arm_can_follow():
    closure = analyze_text("fn make(k: Int) -> (Int) -> Int {\n  let base = k * 2\n"
                           "  |x| x + base\n}\n", file="t", rel_path="t")
    assert _syntax(closure) == [] and list(closure.items[0].tree.find_data("lambda_expr"))
    arms = analyze_text("fn f(x: Option<Int>) -> Int =\n  match x with\n  | Some(v) -> v * 2\n"
                        "  | None -> 0\n", file="t", rel_path="t")
    assert _syntax(arms) == [] and len(list(arms.items[0].tree.find_data("arm"))) == 2


def test_after_pub_or_an_attribute_every_declaration_is_expected():
    result = analyze_text("pub 42\n", file="t", rel_path="t")
    [diag] = [d for d in result.diagnostics if d.domain == "parser"]
    assert {"fn", "let", "type", "trait", "effect"} <= {a.token for a in diag.expected.alternatives}


def test_an_effect_body_needs_its_tag_and_an_operation():
    """1-5 EffectDecl and the reference: `effect E` or `effect E : tag { operation … }`."""
    for bad in ("effect Log {\n  operation info: Str -> ()\n}\n", "effect E : io {}\n"):
        assert _syntax(analyze_text(bad, file="t", rel_path="t")), bad
    for good in ("effect Io\n", "effect Log : io {\n  operation info: Str -> ()\n}\n"):
        assert _syntax(analyze_text(good, file="t", rel_path="t")) == [], good


def test_an_extern_signature_ends_with_a_semicolon():
    """1-5 and the reference (`extern_fn_decl` … `;`); the one-token repair inserts it."""
    result = analyze_text('extern "C" fn puts(s: Str) -> Int\nfn f() -> Int = 1\n', file="t",
                          rel_path="t")
    [d] = [d for d in result.diagnostics if d.domain == "parser"]
    assert [a.token for a in d.expected.alternatives] == [";"]
    assert _syntax(analyze_text('extern "C" {\n  fn a() -> Int;\n  fn b() -> Int;\n}\n',
                                file="t", rel_path="t")) == []
