"""The semantic checks kept per item across edits (``item_facts``, the merged name table) report
exactly what a from-scratch analysis of the resulting text reports: codes, spans, messages,
notes, fix-its and audit_ids, in the editor's incremental document and in ``reml-run lint``'s
``analyze_text``."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.item_facts import item_facts

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from gen import generate  # noqa: E402

SEMANTIC = ("names", "bridges")
SOURCES = [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "semantic").glob("*/*.reml"))]
SOURCES += [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))
            [:12]]
# Free names (y, g, x, Map, Str) that the snippets below declare, import or remove: the name
# table changes under items the edit does not touch.
NAMES = ("module m\n\nuse Data.Map\n\nfn a(v: Int) -> Int = v + y\n\nfn b() -> Map = g()\n\n"
         "fn c(s: Str) -> Int = x\n\nfn g() = 1\n")
SOURCES += [NAMES] * len(SOURCES)
SOURCES += [generate(60, seed=3),
            "module m\n\nuse Core.Text.Str\nuse Data.Map\n\nfn f(x: Int) -> Int\n"
            "fn f(x: Int) -> Int = x + y\n\ntype T\ntype T = | A | B(Int)\n\n"
            "module inner {\n  fn g() = 1\n  fn g() = 2\n  use Data.Map\n  type Map = Int\n}\n\n"
            "impl Show for T {}\nimpl Show for T {}\n\nfn h(a: Int, a: Int) -> Int {\n"
            "  let unused = 1\n  unsafe { let p = alloc(8)\n  p }\n}\n"]
# What typing does to names: declare, rename, duplicate, break and mend items.
SNIPPETS = ["fn f(x: Int) -> Int\n", "fn f(x: Int) -> Int = x\n", "type T\n", "type T = Int\n",
            "use Data.Map\n", "module m\n", "module b {\n fn q() = 1\n fn q() = 2\n}\n",
            "x", "y", "Map", "(", ")", "{", "}", "\n", "=", "let z = 1\n", "fn ", "@cfg(a)\n",
            "impl Show for T {}\n", "|", "//", "\"", " ", "ユ", "👩‍💻", "fn y() = 1\n",
            "let x = 2\n", "type Map = Int\n", "fn g() = 3\n", "use Core.Text.Str\n"]

# (where, snap to the start of its line, characters replaced, new text)
edit = st.tuples(st.floats(0, 1), st.booleans(), st.integers(0, 12),
                 st.one_of(st.sampled_from(SNIPPETS), st.just(""), st.text(max_size=3)))


def semantic(diagnostics) -> list[tuple]:
    return [(d.code, d.severity, d.span.start, d.span.end, d.message, d.audit_id,
             [(n.message, n.span) for n in d.notes],
             [(f.span.start, f.span.end, f.text, f.title) for f in d.fixits])
            for d in diagnostics if d.domain in SEMANTIC]


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(SOURCES), st.lists(edit, min_size=1, max_size=8))
def test_findings_after_edits_equal_a_fresh_analysis(source: str, edits) -> None:
    doc = AnalyzedDocument(source, file="/w/a.reml", rel_path="a.reml")
    doc.diagnostics("en-US")
    for where, snap, length, new in edits:
        start = int(where * len(doc.text))
        if snap:  # whole items come and go there: the name table changes
            start = doc.text.rfind("\n", 0, start) + 1
            length = 0 if length % 3 else doc.text.find("\n", start) + 1 - start
        doc.apply_change(start, min(len(doc.text), start + length), new)
        got = semantic(doc.diagnostics("en-US"))
        fresh = AnalyzedDocument(doc.text, file="/w/a.reml", rel_path="a.reml")
        assert got == semantic(fresh.diagnostics("en-US"))
    cli = analyze_text(doc.text, file="/w/a.reml", rel_path="a.reml")
    assert semantic(doc.diagnostics("en-US")) == semantic(cli.diagnostics)


def test_an_edit_in_one_body_recomputes_only_that_item() -> None:
    text = "module m\n\n" + "".join(f"fn f{i}(x: Int) -> Int = x + {i}\n" for i in range(50))
    doc = AnalyzedDocument(text, file="/w/a.reml", rel_path="a.reml")
    doc.diagnostics("en-US")
    before = {id(item.tree): item_facts(doc.text, item.tree, dpos)
              for item, dpos, _ in doc.entries()}
    at = doc.text.index("x + 25") + 1
    doc.apply_change(at, at, " ")
    doc.diagnostics("en-US")
    kept = [before.get(id(item.tree)) is item_facts(doc.text, item.tree, dpos)
            for item, dpos, _ in doc.entries()]
    stats = doc.last_edit
    assert stats is not None and stats.reparsed <= 2  # the function edited (and its lookahead)
    assert kept.count(False) == stats.reparsed  # only the items the parser replaced
    assert kept.index(False) == 26  # after the header and f0 … f24


def test_items_resolved_through_the_sink_report_what_kept_items_report(monkeypatch) -> None:
    """An item with more free references than ``MAX_KEPT_REFS`` is resolved afresh on each call
    (its findings are not kept): it reports the same findings, with or without a cap."""
    from reml_lsp.analysis import semantic_checks

    for source in [NAMES, *SOURCES[:6]]:
        for cap in (0, 3):
            kept = semantic(analyze_text(source, file="a.reml", rel_path="a.reml",
                                         max_diagnostics=cap).diagnostics)
            monkeypatch.setattr(semantic_checks, "MAX_KEPT_REFS", -1)
            loose = semantic(analyze_text(source, file="a.reml", rel_path="a.reml",
                                          max_diagnostics=cap).diagnostics)
            monkeypatch.undo()
            assert loose == kept


def test_item_facts_go_with_their_trees() -> None:
    """The facts ride on the tree: once a document lets its trees go, nothing keeps them."""
    import gc
    import weakref

    doc = AnalyzedDocument(NAMES, file="/w/a.reml", rel_path="a.reml")
    doc.diagnostics("en-US")
    refs = [weakref.ref(item.tree) for item, _, _ in doc.entries() if item.tree is not None]
    assert all(getattr(r(), "_reml_item_facts", None) is not None for r in refs)
    doc.replace("module m\n")
    doc.diagnostics("en-US")
    del doc
    gc.collect()
    assert [r for r in refs if r() is not None] == []


def every(diagnostics) -> list[tuple]:
    return [(d.code, d.domain, d.severity, d.span.start, d.span.end, d.message, d.audit_id)
            for d in diagnostics]


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(SOURCES), st.lists(st.tuples(edit, st.booleans()), min_size=1,
                                          max_size=10))
def test_several_edits_between_two_calls_report_what_a_fresh_analysis_reports(source: str,
                                                                              edits) -> None:
    """The document splices only the run of items the edits since the last call replaced: edits
    that pile up before a call (typing faster than the analysis) must add up to the right run,
    for the syntax findings as for the semantic ones."""
    doc = AnalyzedDocument(source, file="/w/a.reml", rel_path="a.reml")
    doc.diagnostics("en-US")
    for (where, snap, length, new), call in edits:
        start = int(where * len(doc.text))
        if snap:
            start = doc.text.rfind("\n", 0, start) + 1
        doc.apply_change(start, min(len(doc.text), start + length), new)
        if call:
            fresh = AnalyzedDocument(doc.text, file="/w/a.reml", rel_path="a.reml")
            assert every(doc.diagnostics("en-US")) == every(fresh.diagnostics("en-US"))
    fresh = AnalyzedDocument(doc.text, file="/w/a.reml", rel_path="a.reml")
    assert every(doc.diagnostics("en-US")) == every(fresh.diagnostics("en-US"))
