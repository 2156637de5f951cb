"""Semantic tokens and scopes kept per item across edits (``SemanticCache``, ``item_scopes``)
equal a computation from scratch on a fresh document of the resulting text: full and range
requests, bindings, references and what each reference resolves to."""

from __future__ import annotations

import sys
from pathlib import Path

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.scopes import build_scopes
from reml_lsp.analysis.semantic import SemanticCache, _from_scratch, semantic_tokens
from reml_lsp.analysis.tree import first_token

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from gen import generate  # noqa: E402

SOURCES = [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))]
SOURCES += [generate(60, seed=3), generate(120, seed=7)]
SNIPPETS = ["(", ")", "{", "}", "fn ", "let x = ", "let acc = 1\n", "|", "\n", "\n\n", " else ",
            "=", "x", "acc", "Circle", "type acc = | A | B\n", "fn x() = 1\n", "}\n\nfn g() = 2\n",
            "//", "/// doc\n", "/*", "*/", "\"", "use Core.Prelude\n", ";", "ユーザー", "👩‍💻"]

edit = st.tuples(st.floats(0, 1), st.integers(0, 12),
                 st.one_of(st.sampled_from(SNIPPETS), st.just(""), st.text(max_size=3)))


def entries(doc: AnalyzedDocument):
    return [(item.tree, dpos) for item, dpos, _ in doc.entries() if item.tree is not None]


def placed(b):
    """A binding with its declaration's current position (``decl_dpos`` differs for a reused
    tree: its tokens keep their parse-time offsets)."""
    first = first_token(b.decl) if b.decl is not None else None
    where = None if first is None else first.start_pos + b.decl_dpos
    return attrs.evolve(b, decl=None, decl_dpos=0), where


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(SOURCES), st.lists(edit, min_size=1, max_size=6),
       st.tuples(st.floats(0, 1), st.floats(0, 0.5)))
def test_cached_semantic_tokens_and_scopes_equal_a_fresh_document(source, edits, window):
    doc = AnalyzedDocument(source, file="/w/a.reml", rel_path="a.reml")
    cache = SemanticCache()
    semantic_tokens(doc.text, entries(doc), cache=cache)
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.apply_change(start, min(len(doc.text), start + length), new)
        text, ents = doc.text, entries(doc)
        scopes = build_scopes(ents)
        lo = int(window[0] * len(text))
        hi = min(len(text), lo + int(window[1] * len(text)))
        ranged = semantic_tokens(text, ents, scopes, lo, hi, cache=cache)
        full = semantic_tokens(text, ents, scopes, cache=cache)
        assert len(cache) <= len(ents)  # trees that left the document are dropped

        fresh = AnalyzedDocument(text, file="/w/a.reml", rel_path="a.reml")
        f_ents = entries(fresh)
        f_scopes = build_scopes(f_ents)
        assert full == _from_scratch(text, f_ents, f_scopes, 0, len(text))
        assert full == semantic_tokens(text, f_ents)
        assert ranged == _from_scratch(text, f_ents, f_scopes, lo, hi)

        assert [placed(b) for b in scopes.bindings] == [placed(b) for b in f_scopes.bindings]
        assert scopes.references == f_scopes.references
        for ref in f_scopes.references:
            got, want = scopes.resolve(ref.name, ref.start), f_scopes.resolve(ref.name, ref.start)
            assert (got is None) == (want is None)
            assert got is None or placed(got) == placed(want)
        for b in f_scopes.bindings:
            mine, theirs = scopes.binding_at(b.start), f_scopes.binding_at(b.start)
            assert mine is not None and theirs is not None
            assert scopes.occurrences(mine) == f_scopes.occurrences(theirs)


def test_a_new_top_level_name_reclassifies_its_uses_in_other_items():
    text = "fn f() = helper(1)\n\nfn g() = 2\n"
    doc = AnalyzedDocument(text, file="/w/a.reml", rel_path="a.reml")
    cache = SemanticCache()
    before = semantic_tokens(doc.text, entries(doc), cache=cache)
    at = doc.text.index("fn g")
    doc.apply_change(at, at, "let helper = 3\n\n")
    after = semantic_tokens(doc.text, entries(doc), cache=cache)
    fresh = AnalyzedDocument(doc.text, file="/w/a.reml", rel_path="a.reml")
    assert after == semantic_tokens(fresh.text, entries(fresh))
    call = text.index("helper")
    assert [t for t in before if t[0] == call] != [t for t in after if t[0] == call]
