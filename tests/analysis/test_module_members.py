"""The cross-module member check (``module_members``): a member a ``use`` imports, or one named
through an imported module, that the workspace's index shows the target module does not
declare; and nothing where the workspace cannot know (unknown or library modules, re-exports,
``@cfg`` declarations, visibility)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.file_index import build_file_index, index_bytes
from reml_lsp.analysis.module_exports import ExportTable, absolute_path, asked_paths
from reml_lsp.analysis.module_members import closest, file_quals, might_report
from reml_lsp.analysis.modules import IndexModules, WorkspaceIndex

UTIL = """module ws.util
pub fn helper(x: Int) -> Int { x }
fn private_one() -> Int { 1 }
@cfg(target_os == "linux")
pub fn linux_only() -> Int { 1 }
pub type Shape = Circle(Int) | Square
pub use ws.base.{thing}
module inner { fn deep() -> Int { 1 } }
"""
BASE = "module ws.base\npub fn thing() -> Int { 1 }\n"
APP_UTIL = "module app.util\npub fn near() -> Int { 1 }\n"
CORE_LIKE = "module Core.Fake\npub fn real() -> Int { 1 }\n"


def entries(files: dict[str, str]):
    return [index_bytes(text.encode(), rel) for rel, text in files.items()]


WORKSPACE = {"ws/util.reml": UTIL, "ws/base.reml": BASE, "app/util.reml": APP_UTIL,
             "core/fake.reml": CORE_LIKE, "Odd/Case.reml": "pub fn x() -> Int { 1 }\n"}
TABLE = ExportTable.of(entries(WORKSPACE))


def members(text: str, modules=TABLE, rel: str = "app/main.reml") -> list[tuple]:
    result = analyze_text(text, file=rel, rel_path=rel, modules=modules)
    return [(d.location.line, text.splitlines()[d.location.line - 1][
                d.location.column - 1:d.location.end_column - 1], d.message,
             [n.message for n in d.notes], [f.text for f in d.fixits])
            for d in result.diagnostics if d.message_key == "name.unresolved.member"]


def test_an_import_of_a_member_the_module_does_not_declare() -> None:
    src = "module app.main\nuse ws.util.{helper, helpr as h, zzz}\n" \
          "fn main() -> Int { helper(1) + h(2) + zzz }\n"
    assert members(src) == [
        (2, "helpr", "module `ws.util` has no member `helpr`",
         ["a member with a similar name exists: `helper`"], ["helper"]),
        (2, "zzz", "module `ws.util` has no member `zzz`", [], []),
    ]
    assert members("module app.main\nuse ws.util.helpr\nfn f() -> Int { helpr(1) }\n") == [
        (2, "helpr", "module `ws.util` has no member `helpr`",
         ["a member with a similar name exists: `helper`"], ["helper"])]
    result = analyze_text(src, file="a.reml", rel_path="app/main.reml", modules=TABLE)
    found = [d for d in result.diagnostics if d.message_key == "name.unresolved.member"]
    assert {d.code for d in found} == {"name.unresolved"}
    assert {d.severity.value for d in found} == {"error"}
    assert found[0].extensions["names"] == {"name": "helpr", "role": "import",
                                            "module": "ws.util"}


def test_members_named_through_an_imported_module_in_values_types_and_patterns() -> None:
    src = ("module app.main\nuse ws.util\nuse ws.util as u\n"
           "fn f(s: util.Shap) -> Int { util.helpr(1) + u.helper(2) + u.linux_onl() }\n"
           "fn g(s: util.Shape) -> Int { match s with | util.Circle(n) -> n | util.Squar -> 0 }\n"
           "fn h(util: Int) -> Int { util.anything }\n")
    got = [(line, name) for line, name, *_ in members(src)]
    assert got == [(4, "Shap"), (4, "helpr"), (4, "linux_onl"), (5, "Squar")]


def test_nothing_is_reported_where_the_workspace_cannot_know() -> None:
    quiet = [
        # declared, re-exported by a `use`, under @cfg, not `pub` (visibility is not judged),
        # a module block, a variant
        "use ws.util.{helper, thing, linux_only, private_one, inner, Circle}\n",
        "use ws.{util, base}\n",  # submodules
        "use ws\nfn f() -> Int { ws.util.helper(1) + ws.nothing }\n",  # `ws` has no file
        "use other.pkg.{anything}\n",  # a package that is not present
        "use Core.Fake.{unreal}\nuse Core.Parse.{Nope}\n",  # the library: never judged
        "use odd.case.{y}\nuse Odd.Case.{x}\n",  # known only by case; and declared
        "use ws.util.{helper}\nuse ws.util.{helper}\n",
        "use ws.util\nfn util() -> Int { util.helpr }\n",  # two `util`: not an alias
        "use ws.util.inner.{whatever}\n",  # not a module of the index
    ]
    for src in quiet:
        assert members("module app.main\n" + src) == [], src
    assert members("module app.main\nuse ws.util.{helpr}\n", modules=None) == []


def test_relative_imports_resolve_against_the_file_module() -> None:
    assert [n for _, n, *_ in members("module app.main\nuse super.util.{nea}\n")] == ["nea"]
    assert members("module app.main\nuse super.util.{near}\n") == []
    assert [n for _, n, *_ in members("use self.x\nuse super.util.{nearly}\n",
                                      rel="app/main.reml")] == ["nearly"]
    assert absolute_path("super.util.x", "app.main") == "app.util.x"
    assert absolute_path("::ws.util", "app.main") == "ws.util"
    assert asked_paths(["ws.util.x", "self.y"], "app.main") == {
        "ws.util.x", "ws.util", "app.main.y", "app.main"}


def test_closest_name_is_bounded_and_deterministic() -> None:
    names = frozenset({"helper", "helps", "other", "impl T for Shape"})
    assert closest("helpr", names) == "helper"
    assert closest("hlp", names) is None
    assert closest("xyzzy", names) is None
    assert closest("other", names) is None  # the name itself is no suggestion


def test_the_live_index_answers_as_the_plain_table() -> None:
    ws = WorkspaceIndex()
    for i, e in enumerate(entries(WORKSPACE)):
        ws.put_file(f"file:///{i}", e)
    live = IndexModules(ws)
    for path in ["ws.util", "ws.base", "ws", "app.util", "app", "Core.Fake", "odd.case",
                 "Odd.Case", "nope", "ws.util.inner"]:
        assert live.exports(path) == TABLE.exports(path), path
        assert live.is_module(path) == TABLE.is_module(path), path
    before = live.exports("app.util")
    ws.put_file("file:///2", index_bytes(b"module app.util\npub fn other() -> Int { 1 }\n",
                                         "app/util.reml"))
    assert before == frozenset({"app.util", "near"})
    assert live.exports("app.util") == frozenset({"app.util", "other"})


IMPORTER = ("module app.main\nuse ws.util.{helper, helpr}\nuse ws.util as u\n\n"
            "fn a() -> Int { u.helper(1) + u.helpr(2) }\n\nfn b() -> Int { helper(3) }\n")
SNIPPETS = ["use ws.util\n", "use ws.util as u\n", "use ws.util.{helpr}\n", "u.helpr(1)",
            "util.nope", "u.", "fn c() -> Int { util.helper(1) }\n", "fn u() -> Int { 1 }\n",
            "(", "}", "\n", " ", "use ws.base.{thing, thin}\n", "helpr", "module app.x\n"]
edit = st.tuples(st.floats(0, 1), st.booleans(), st.integers(0, 12),
                 st.one_of(st.sampled_from(SNIPPETS), st.just(""), st.text(max_size=2)))
OTHER = ExportTable.of(entries({**WORKSPACE, "ws/util.reml": UTIL.replace("helper", "helpr")}))


def semantic(diagnostics) -> list[tuple]:
    return [(d.code, d.message_key, d.span.start, d.span.end, d.message, d.audit_id,
             [(n.message, n.span) for n in d.notes], [(f.span, f.text) for f in d.fixits])
            for d in diagnostics if d.domain == "names"]


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(edit, st.booleans()), min_size=1, max_size=8))
def test_incremental_member_findings_equal_a_fresh_analysis(steps) -> None:
    """Edits of the importer, and the imported module changing between them, give what a
    fresh analysis and `lint`'s analyze_text give."""
    doc = AnalyzedDocument(IMPORTER, file="/w/a.reml", rel_path="app/main.reml")
    doc.modules = TABLE
    doc.diagnostics("en-US")
    for (where, snap, length, new), swap in steps:
        if swap:
            doc.modules = OTHER if doc.modules is TABLE else TABLE
            doc.check_modules()
        start = int(where * len(doc.text))
        if snap:
            start = doc.text.rfind("\n", 0, start) + 1
            length = 0 if length % 3 else doc.text.find("\n", start) + 1 - start
        doc.apply_change(start, min(len(doc.text), start + length), new)
        got = semantic(doc.diagnostics("en-US"))
        fresh = AnalyzedDocument(doc.text, file="/w/a.reml", rel_path="app/main.reml")
        fresh.modules = doc.modules
        assert got == semantic(fresh.diagnostics("en-US"))
    cli = analyze_text(doc.text, file="/w/a.reml", rel_path="app/main.reml",
                       modules=doc.modules)
    assert semantic(doc.diagnostics("en-US")) == semantic(cli.diagnostics)
    assert_lint_shortcut_is_sound(doc.text, doc.modules)


def assert_lint_shortcut_is_sound(text: str, modules: ExportTable) -> None:
    """`lint` keeps a result made without the workspace when ``might_report`` says False: it
    must then find nothing; and the entry it builds from that parse is ``index_bytes``'s."""
    bare = analyze_text(text, file="/w/a.reml", rel_path="app/main.reml")
    found = [d for d in analyze_text(text, file="/w/a.reml", rel_path="app/main.reml",
                                     modules=modules).diagnostics
             if d.message_key == "name.unresolved.member"]
    entries = [(it.tree, 0) for it in bare.items if it.tree is not None]
    entry = build_file_index(text, entries, "app/main.reml", index=bare.index)
    assert entry == index_bytes(text.encode(), "app/main.reml")
    imports = [(i.name, i.path) for i in entry.imports]
    if found:
        assert might_report(imports, file_quals(text, entries), entry.module, modules)


@pytest.mark.parametrize(("src", "could"), [
    ("module app.main\nuse ws.util.{helpr}\n", True),
    ("module app.main\nuse ws.util\nfn f() -> Int { util.nope(1) }\n", True),
    ("module app.main\nuse ws.util as u\nfn f(x: u.Shap) -> Int { 1 }\n", True),
    ("module app.main\nuse ws.util.{helper}\nuse ws.util\nfn f() -> Int { util.helper(1) }\n",
     False),
    ("module app.main\nuse far.away.{x}\nuse far\nfn f() -> Int { far.y }\n", False)])
def test_lint_keeps_a_result_made_without_the_workspace_only_when_it_cannot_change(
        src: str, could: bool) -> None:
    assert_lint_shortcut_is_sound(src, TABLE)
    entry = index_bytes(src.encode(), "app/main.reml")
    bare = analyze_text(src, file="a", rel_path="app/main.reml")
    quals = file_quals(src, [(it.tree, 0) for it in bare.items if it.tree is not None])
    assert might_report([(i.name, i.path) for i in entry.imports], quals, entry.module,
                        TABLE) is could


def test_document_names_are_the_entry_names() -> None:
    from reml_lsp.analysis.module_exports import document_names, entry_names
    from reml_lsp.syntax.parser import parse_items

    for text in (UTIL, BASE, IMPORTER, CORE_LIKE):
        entries = [(it.tree, 0) for it in parse_items(text) if it.tree is not None]
        assert document_names(text, entries) == entry_names([index_bytes(text.encode(), "x")])
