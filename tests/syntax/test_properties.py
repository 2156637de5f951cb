"""Property tests: analysis never raises and always serialises, on random text and on random
token-level mutations of the fixtures; the audit_id is a pure function of the finding."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.analyze import analyze_bytes, analyze_text
from reml_lsp.diagnostics.serialize import to_json

ROOT = Path(__file__).resolve().parents[2] / "fixtures" / "syntax"
SOURCES = [p.read_text("utf-8") for p in sorted(ROOT.glob("*/*.reml"))]
PIECES = ["fn", "let", "=", "(", ")", "{", "}", "[", "]", "|", "->", "match", "with", "if",
          "then", "else", ",", ";", "\n", " ", "\"", "'", "/*", "*/", "//", "x", "1", "@",
          "ユーザー", "👩‍💻", "e\u0301", "\\", "..=", "::", "r#\""]


def _check(text: str) -> None:
    result = analyze_text(text, file="t.reml", rel_path="t.reml")
    doc = json.loads(json.dumps([to_json(d) for d in result.diagnostics], ensure_ascii=False))
    for d in doc:
        loc = d["location"]
        assert 1 <= loc["line"] <= loc["endLine"] <= text.count("\n") + 1
        assert 0 <= d["span"]["start"] <= d["span"]["end"] <= len(text.encode("utf-8",
                                                                                "surrogateescape"))
        assert d["audit_id"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_never_raises(text: str):
    _check(text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_random_token_soup_never_raises(pieces: list[str]):
    _check(" ".join(pieces))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SOURCES), st.data())
def test_mutated_fixtures_never_raise(source: str, data):
    tokens = source.split(" ")
    for _ in range(data.draw(st.integers(1, 4))):
        if not tokens:
            break
        i = data.draw(st.integers(0, len(tokens) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
        if op == "delete":
            del tokens[i]
        elif op == "duplicate":
            tokens.insert(i, tokens[i])
        elif i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
    _check(" ".join(tokens))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_raise(data: bytes):
    result = analyze_bytes(data, file="b.reml", rel_path="b.reml")
    json.dumps([to_json(d) for d in result.diagnostics])


def test_same_input_gives_same_audit_ids_twice():
    text = (ROOT / "invalid" / "two_errors.reml").read_text("utf-8")
    first = [d.audit_id for d in analyze_text(text, file="a", rel_path="x/t.reml").diagnostics]
    second = [d.audit_id for d in analyze_text(text, file="b", rel_path="x/t.reml").diagnostics]
    assert first == second and len(set(first)) == len(first) == 2
    other_path = analyze_text(text, file="a", rel_path="y/t.reml").diagnostics
    assert {d.audit_id for d in other_path}.isdisjoint(first)
    # Ids are anchored on the enclosing item (diagnostics/audit_id.py): a blank line appended
    # keeps both, an edit inside the first item changes its id only.
    appended = analyze_text(text + "\n", file="a", rel_path="x/t.reml").diagnostics
    assert [d.audit_id for d in appended] == first
    edited = analyze_text(text.replace("1 +* 2", "10 +* 2"), file="a",
                          rel_path="x/t.reml").diagnostics
    assert [d.audit_id for d in edited][1:] == first[1:]
    assert edited[0].audit_id not in first


def test_invalid_utf8_is_a_located_finding_and_the_rest_is_parsed():
    data = b"fn ok() = 1\nlet bad = \"\xff\xfe\"\nfn also( = 2\n"
    result = analyze_bytes(data, file="b.reml", rel_path="b.reml")
    codes = [(d.code, d.location.line) for d in result.diagnostics]
    assert ("parser.stream.decoder_failed", 2) in codes
    assert any(code.startswith("parser.syntax") and line == 3 for code, line in codes)
    decoder = next(d for d in result.diagnostics if d.code == "parser.stream.decoder_failed")
    assert decoder.span.start == data.index(b"\xff")
