"""The editor's document follows edits incrementally (line index spliced, findings of untouched
items reused) and always equals a document built from scratch on the resulting text: the same
line starts, byte offsets and LSP positions, and the same Diagnostic objects."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.positions import LineIndex

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))]
SNIPPETS = ["(", ")", "{", "}", "fn ", "let x = ", "|", "\n", "\n\n", "\r\n", " else ", "=",
            "ユーザー", "👩‍💻", "é\n", "e\u0301", "é", "\udc80", "type T = | A | B\n",
            "}\n\nfn g() = 2\n", "//", ";"]
SAMPLE_TEXTS = ["", "a", "\n", "é\n👩‍💻\n", "ab\ncd\n", "x\n\nユーザー\ny", "\n\n\n"]

edit = st.tuples(st.floats(0, 1), st.integers(0, 12),
                 st.one_of(st.sampled_from(SNIPPETS), st.just(""), st.text(max_size=4)))


def same_index(index: LineIndex, text: str) -> None:
    fresh = LineIndex(text)
    assert index.text == text
    assert index.starts == fresh.starts
    assert (index._wide, index._wide_cum) == (fresh._wide, fresh._wide_cum)
    probes = sorted({0, len(text), *range(0, len(text) + 1, max(1, len(text) // 40)),
                     *(s for s in fresh.starts), *(s - 1 for s in fresh.starts if s)})
    for offset in probes:
        byte = len(text[:offset].encode("utf-8", "surrogateescape"))
        assert index.byte_offset(offset) == byte
        assert index.offset_of_byte(byte) == offset
        for enc in ("utf-8", "utf-16", "utf-32"):
            assert index.to_lsp(offset, enc) == fresh.to_lsp(offset, enc)
    total = len(text.encode("utf-8", "surrogateescape"))
    assert index.offset_of_byte(total + 5) == fresh.offset_of_byte(total + 5)


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.sampled_from(SAMPLE_TEXTS), st.text(max_size=30)),
       st.lists(edit, min_size=1, max_size=8))
def test_line_index_edits_equal_a_fresh_index(text: str, edits):
    index = LineIndex(text)
    for where, length, new in edits:
        start = int(where * len(text))
        end = min(len(text), start + length)
        text = text[:start] + new + text[end:]
        if len(edits) % 2:
            index.edit(start, end, new)
        else:
            index.edit(start, end, new, text)
        same_index(index, text)


def test_line_index_clamps_like_the_parser():
    index = LineIndex("ab\ncd")
    index.edit(4, 99, "X\n")
    same_index(index, "ab\ncX\n")
    index.edit(-3, 1, "é")
    same_index(index, "éb\ncX\n")


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(SOURCES), st.lists(edit, min_size=1, max_size=6))
def test_document_edits_give_the_diagnostics_of_a_fresh_analysis(source: str, edits):
    doc = AnalyzedDocument(source, file="/w/a.reml", rel_path="a.reml")
    doc.diagnostics("en-US")
    _ = doc.index
    for where, length, new in edits:
        start = int(where * len(doc.text))
        doc.apply_change(start, min(len(doc.text), start + length), new)
        assert doc.diagnostics("en-US") == fresh(doc, "en-US")
        same_index(doc.index, doc.text)
    assert doc.diagnostics("ja-JP") == fresh(doc, "ja-JP")


def fresh(doc: AnalyzedDocument, locale: str):
    want = analyze_text(doc.text, file=doc.file, rel_path=doc.rel_path, locale=locale).diagnostics
    for d in want:
        d.stream_meta = doc.stream_meta  # the CLI has no stream; the editor adds its counters
    return want
