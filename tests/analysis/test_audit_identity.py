"""Finding identity (audit_id): context-anchored, so unrelated edits keep it, and the editor's
incremental document and a fresh CLI analysis of the same text agree."""

from __future__ import annotations

from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.analyzed_document import AnalyzedDocument

ITEM_A = "fn a() -> Int {\n  let x = (1\n  x\n}\n"
ITEM_B = "fn b() -> Int {\n  let y = 2\n  y\n}\n"
ITEM_C = "fn c() -> Int {\n  let z = [1, 2\n  z\n}\n"
TEXT = f"{ITEM_A}\n{ITEM_B}\n{ITEM_C}"


def ids(text: str, rel_path: str = "src/a.reml") -> dict[tuple[str, str], str]:
    """(code, message) -> audit_id, through the CLI's path."""
    out = {}
    for d in analyze_text(text, file=rel_path, rel_path=rel_path).diagnostics:
        if d.domain == "parser":  # the syntax findings this file is written around
            out[(d.code, d.message)] = d.audit_id
    return out


def test_edit_in_another_item_keeps_ids() -> None:
    before = ids(TEXT)
    assert len(before) == 2
    # change the body of b and add lines above it: a's and c's findings keep their ids
    edited = TEXT.replace("let y = 2\n", "let y = 2 * 40 + 2\n  // more\n  let w = y\n")
    assert ids(edited) == before
    # a new item in front moves everything
    assert ids("fn zero() -> Int = 0\n\n" + TEXT) == before


def test_edit_inside_the_item_changes_its_id_only() -> None:
    before = ids(TEXT)
    edited = TEXT.replace("let z = [1, 2", "let zz = [1, 2")
    after = ids(edited)
    a_key = next(k for k in before if "`)`" in k[1])
    c_key = next(k for k in before if "`]`" in k[1])
    assert after[a_key] == before[a_key]
    assert after.get(c_key) != before[c_key]


def test_same_finding_in_two_files_differs() -> None:
    one, two = ids(TEXT, "src/a.reml"), ids(TEXT, "src/b.reml")
    assert one.keys() == two.keys()
    assert not set(one.values()) & set(two.values())


def test_same_text_twice_same_ids_and_line_endings_do_not_matter() -> None:
    assert ids(TEXT) == ids(TEXT)
    assert ids(TEXT.replace("\n", "\r\n")) == ids(TEXT)


def test_identical_items_get_distinct_ids() -> None:
    text = f"{ITEM_A}\n{ITEM_A}"
    found = [d for d in analyze_text(text, file="a.reml", rel_path="a.reml").diagnostics
             if d.domain == "parser"]
    assert len(found) == 2
    assert found[0].audit_id != found[1].audit_id


def test_editor_document_keeps_ids_across_edits_and_matches_cli() -> None:
    doc = AnalyzedDocument(TEXT, file="src/a.reml", rel_path="src/a.reml")
    first = {d.code + d.message: d.audit_id for d in doc.diagnostics("en-US")
             if d.domain == "parser"}
    at = doc.text.index("let y = 2") + len("let y = 2")
    for ch in " + 40 * 2":  # keystrokes inside b, away from the findings in a and c
        doc.apply_change(at, at, ch)
        at += 1
        now = {d.code + d.message: d.audit_id for d in doc.diagnostics("en-US")
               if d.domain == "parser"}
        assert now == first
    cli = analyze_text(doc.text, file="src/a.reml", rel_path="src/a.reml").diagnostics
    assert [d.audit_id for d in doc.diagnostics("en-US")] == [d.audit_id for d in cli]


def test_finding_outside_any_item_has_a_stable_window_id() -> None:
    tail = "\n/* never closed"
    before = ids(ITEM_A + tail)
    assert len(before) == 2
    after = ids(ITEM_B + "\n" + ITEM_A + tail)
    assert after == before
