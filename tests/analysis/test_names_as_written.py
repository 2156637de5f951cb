"""Names in code as people write it (found by writing new programs from the spec): the core
operations the spec uses without declaring them, inline generic bounds, and the places a name is
used that the unused-import check must count."""

from __future__ import annotations

from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.file_index import index_bytes
from reml_lsp.analysis.module_exports import ExportTable


def names(text: str, modules=None) -> list[tuple[str, str]]:
    """(code, the text it marks) of each names finding (``modules``: the workspace's answers)."""
    result = analyze_text(text, file="t.reml", rel_path="app/main.reml", modules=modules)
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


def test_a_local_let_function_binds_its_name_and_its_body_is_checked():
    src = ("module app.main\nfn a(k: Int) -> Int {\n  let twice(n: Int) -> Int = n * k\n"
           "  twice(5) + twice(nope)\n}\n")
    assert names(src) == [("name.unresolved", "nope")]
    top = "module app.main\nlet twice(n: Int) -> Int = n * m\n"
    assert names(top) == [("name.unresolved", "m")]


def test_shorthand_record_fields_are_uses_the_first_one_too():
    src = "module app.main\nfn p(name: Str, age: Int) -> P = { name, age }\n"
    assert names(src) == []


def test_effects_named_by_handle_and_attribute_arguments_are_uses():
    src = ("module app.main\nuse app.effects.{Log, Console}\n@handles(Console)\n"
           "fn quiet() -> () = handle work() with handler Log { operation info(m, k) { k(()) } }\n"
           "fn work() -> () = ()\n")
    assert names(src) == [("name.unused.param", "m")]


def test_conductor_pipeline_tails_are_uses():
    src = ("module app.main\nuse app.dsl.{config_dsl, validate, emit, unused_one}\n"
           "conductor orchestrator {\n  config: config_dsl\n    |> validate\n    |> emit\n}\n")
    assert names(src) == [("name.unused.import", "unused_one")]


def test_inline_asm_parts_are_syntax_and_its_operands_are_names():
    src = ("module app.main\nfn cycles(lo: u32, hi: u32) -> u64 {\n"
           "  inline_asm(\"rdtsc\", outputs(\"=a\": lo, \"=d\": hi), clobbers(\"rcx\"),"
           " options(\"volatile\"), inputs(missing))\n}\n")
    assert names(src) == [("name.unresolved", "missing")]


def test_an_import_of_a_trait_is_never_reported_unused():
    """Its methods may be all that uses it (spec 1-2 §E): telling needs types."""
    lib = "module app.t\nuse Core.IO.{Reader}\nfn first(r: File) -> Int = r.read_exact(1).len()\n"
    assert names(lib) == []
    table = ExportTable.of([index_bytes(
        b"module app.price\npub trait Priced { fn price(self) -> Int }\npub type Item = Int\n",
        "app/price.reml")])
    src = "module app.main\nuse app.price.{Priced, Item}\nfn f(x: Box) -> Int = x.price()\n"
    assert names(src, table) == [("name.unused.import", "Item")]
    assert names(src) == [("name.unused.import", "Priced"), ("name.unused.import", "Item")]


def test_a_misspelt_import_is_reported_missing_not_also_unused():
    table = ExportTable.of([index_bytes(b"module app.util\npub fn helper() -> Int { 1 }\n",
                                        "app/util.reml")])
    src = "module app.main\nuse app.util.{helpr}\nuse app.util.{helper}\nfn f() -> Int = 1\n"
    assert names(src, table) == [("name.unresolved", "helpr"), ("name.unused.import", "helper")]


def test_a_path_from_a_workspace_module_root_needs_no_use():
    """Spec 1-1 §B.1: `app.lib.width()` names a module from its root; only the workspace can
    tell that `app` is one, so without it the name is still reported."""
    table = ExportTable.of([index_bytes(
        b"module app.lib\npub fn width() -> Int = 80\npub type Point = { x: Int }\n",
        "app/lib.reml")])
    src = ("module app.user\nfn a() -> Int = app.lib.width()\nfn b(p: app.lib.Point) -> Int = p.x\n"
           "fn c() -> Int = ap.lib.width()\n")
    result = analyze_text(src, file="t.reml", rel_path="app/user.reml",
                          modules=table.subset(["app.lib"], mentioned={"app", "ap", "p"}))
    assert [(d.code, d.location.line) for d in result.diagnostics if d.domain == "names"] == [
        ("name.unresolved", 4)]
    assert [line for code, line in [(d.code, d.location.line) for d in analyze_text(
        src, file="t.reml", rel_path="app/user.reml").diagnostics if d.domain == "names"]] == [
        2, 3, 4]


def test_the_parameters_of_a_todo_stub_are_not_reported_unused():
    src = "module app.m\nfn stub(row: Int, o: Str) -> Int = todo\nfn real(x: Int) -> Int = 1\n"
    assert names(src) == [("name.unused.param", "x")]


def test_use_super_in_a_root_module_is_the_spec_s_invalid_super():
    root = "module app\nuse super.util.{x}\nfn f() -> Int = x\n"
    result = analyze_text(root, file="t.reml", rel_path="app.reml", locale="ja-JP")
    [d] = [d for d in result.diagnostics if d.domain == "names"]
    assert (d.code, d.severity.value, d.location.line, d.location.column) == (
        "language.use.invalid_super", "error", 2, 5)
    assert "super" in d.message and "`app`" in d.message
    assert names("module app.sub\nuse super.util.{x}\nfn f() -> Int = x\n") == []


def test_a_file_s_module_table_holds_only_the_roots_it_names():
    """So a new top-level package elsewhere changes no other file's answers (its lint cache
    key, its workspace-diagnostic result id)."""
    files = [index_bytes(b"module app.lib\npub fn width() -> Int = 80\n", "app/lib.reml")]
    before = ExportTable.of(files).subset([], mentioned={"app", "width"})
    files.append(index_bytes(b"module tools.gen\npub fn run() -> Int = 1\n", "tools/gen.reml"))
    after = ExportTable.of(files).subset([], mentioned={"app", "width"})
    assert after.is_module("app") and not after.is_module("tools")
    assert before.digest() == after.digest()
