"""Duplicate declarations (``name.duplicate``, ``namespace.conflict``): a body-less declaration
and its definition are one entity (spec API listings write ``fn f(…) -> T`` signatures; the
reference's ``TypeDecl.body`` is optional, so ``type X`` is an abstract type), and a
``module m { … }`` block is a scope of its own (the reference's ``ModuleDecl``)."""

from __future__ import annotations

from reml_lsp.analysis.analyze import analyze_text


def clashes(text: str) -> list[tuple[str, int, str, int | None]]:
    """(code, line, severity, line of the first declaration) of each clash."""
    out = []
    for d in analyze_text(text, file="t.reml", rel_path="t.reml").diagnostics:
        if d.code in ("name.duplicate", "namespace.conflict"):
            first = d.notes[0].location.line if d.notes and d.notes[0].location else None
            out.append((d.code, d.location.line, d.severity.value, first))
    return out


def test_a_signature_and_its_definition_are_one_function() -> None:
    assert clashes("module m\nfn f(x: Int) -> Int\nfn f(x: Int) -> Int = x\n") == []
    assert clashes("module m\nfn f(x: Int) -> Int = x\nfn f(x: Int) -> Int\n") == []


def test_a_second_definition_or_a_second_signature_is_a_duplicate() -> None:
    assert clashes("module m\nfn f(x: Int) -> Int\nfn f(x: Int) -> Int = x\n"
                   "fn f(y: Int) -> Int = y\n") == [("name.duplicate", 4, "error", 3)]
    assert clashes("module m\nfn f() -> Int\nfn f() -> Int\n") == [
        ("name.duplicate", 3, "error", 2)]


def test_an_abstract_type_and_its_definition_are_one_type() -> None:
    assert clashes("module m\ntype T\ntype T = | A | B\n") == []
    assert clashes("module m\ntype T = Int\ntype T = Str\n") == [
        ("name.duplicate", 3, "error", 2)]
    assert clashes("module m\ntype T\ntype T\n") == [("name.duplicate", 3, "error", 2)]


def test_a_signature_does_not_excuse_a_clash_with_another_kind() -> None:
    assert clashes("module m\nfn T() -> Int\ntype T\nuse Data.T\n") == [
        ("namespace.conflict", 4, "error", 2)]


def test_declarations_inside_a_module_block_are_checked_in_their_own_scope() -> None:
    text = ("module m\n\nfn g() = 0\n\nmodule inner {\n  fn g() = 1\n  fn g() = 2\n"
            "  use Data.Map\n  type Map = Int\n}\n\nmodule other {\n  fn g() = 3\n}\n")
    assert clashes(text) == [("name.duplicate", 7, "error", 6),
                             ("namespace.conflict", 9, "error", 8)]


def test_nested_blocks_and_signatures_inside_blocks() -> None:
    text = ("module m\nmodule a {\n  fn f() -> Int\n  fn f() -> Int = 1\n"
            "  module b {\n    fn f() = 2\n    fn f() = 3\n  }\n}\n")
    assert clashes(text) == [("name.duplicate", 7, "error", 6)]


def test_clashes_in_a_fragment_are_warnings() -> None:
    assert clashes("fn f() = 1\nfn f() = 2\nmodule b {\n  fn q() = 1\n  fn q() = 2\n}\n") == [
        ("name.duplicate", 2, "warning", 1), ("name.duplicate", 5, "warning", 4)]
