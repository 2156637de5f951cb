"""Names in code as people write it (found by writing new programs from the spec): the core
operations the spec uses without declaring them, inline generic bounds, and the places a name is
used that the unused-import check must count."""

from __future__ import annotations

from reml_lsp.analysis.analyze import analyze_text


def names(text: str) -> list[tuple[str, str]]:
    result = analyze_text(text, file="t.reml", rel_path="app/main.reml")
    lines = text.splitlines()
    return [(d.code, lines[d.location.line - 1][d.location.column - 1:d.location.end_column - 1])
            for d in result.diagnostics if d.domain == "names"]


def test_the_core_operations_the_spec_uses_resolve():
    src = ("module app.main\nfn stub() -> Int = todo\nfn boom() -> Int = panic(\"no\")\n"
           "fn check(x: Int) -> () = assert(x > 0)\n"
           "fn hi() -> () { println(\"hi\"); print(\"x\") }\n")
    assert names(src) == []


def test_an_import_used_only_as_an_inline_bound_is_used():
    src = "module app.main\nuse Core.Cmp.Ord\nfn top<T: Ord>(xs: List<T>) -> Option<T> = xs.max()\n"
    assert names(src) == []
    unknown = "module app.main\nfn top<T: Nope>(x: T) -> T = x\n"
    assert names(unknown) == [("name.unresolved", "Nope")]
