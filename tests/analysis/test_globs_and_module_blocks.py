"""Glob imports (``use a.b.*``, ``use a.{x, *}``) and module blocks in name resolution: a glob of
a workspace module may bring any name, so the file reports no unresolved name (a ``Core`` glob
changes nothing); the module's own names become unknown to its importers when one of its files
holds a glob (it may re-export any); ``module m { … }`` binds ``m`` in its file."""

from __future__ import annotations

from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.decl_names import use_globs
from reml_lsp.analysis.file_index import index_bytes
from reml_lsp.analysis.module_exports import ExportTable, document_names, entry_names
from reml_lsp.analysis.modules import IndexModules, WorkspaceIndex
from reml_lsp.syntax.parser import parse_items


def codes(text: str, modules=None, rel: str = "app/main.reml") -> list[tuple[str, str]]:
    result = analyze_text(text, file=rel, rel_path=rel, modules=modules)
    lines = text.splitlines()
    return [(d.code, lines[d.location.line - 1][d.location.column - 1:d.location.end_column - 1])
            for d in result.diagnostics if d.domain == "names"]


def test_use_globs_lists_each_glob_with_its_module() -> None:
    [item] = [it for it in parse_items("use a.b.{x, c.*, *}\n") if it.tree is not None]
    decl = item.tree.children[0]
    assert [(path, str(tok)) for path, tok in use_globs(decl)] == [("a.b.c", "*"), ("a.b", "*")]


def test_a_workspace_glob_silences_unresolved_names_and_a_core_glob_does_not() -> None:
    body = "fn f() -> Int = helper(1)\n"
    assert codes("module app.main\n" + body) == [("name.unresolved", "helper")]
    assert codes("module app.main\nuse Core.Text.*\n" + body) == [("name.unresolved", "helper")]
    assert codes("module app.main\nuse app.util.*\n" + body) == []
    assert codes("module app.main\nuse app.{other, *}\n" + body) == [
        ("name.unused.import", "other")]


def test_adding_and_removing_a_glob_re_resolves_unchanged_items() -> None:
    """The incremental merge keeps an item's resolution while the file's names do not change
    for its free names; a glob coming or going (an edit that leaves the item as it was) must
    still re-resolve it."""
    from reml_lsp.analysis.analyzed_document import AnalyzedDocument

    def names(doc: AnalyzedDocument) -> list[str]:
        return [d.code for d in doc.diagnostics("en-US") if d.domain == "names"]

    doc = AnalyzedDocument("module app.main\nfn f() -> Int = helper(1)\nfn g() -> Int { 1 }\n",
                           file="/w/a.reml", rel_path="app/main.reml")
    assert names(doc) == ["name.unresolved"]
    at = len(doc.text)  # two items further: `f` is kept as it is, not parsed again
    glob = "use app.util.*\n"
    doc.apply_change(at, at, glob)
    assert names(doc) == []
    doc.apply_change(at, at + len(glob), "")
    assert names(doc) == ["name.unresolved"]


def test_a_module_with_a_glob_import_answers_unknown_names() -> None:
    files = {"ws/util.reml": "module ws.util\npub use ws.base.*\npub fn helper() -> Int { 1 }\n",
             "ws/base.reml": "module ws.base\npub fn thing() -> Int { 1 }\n"}
    entries = [index_bytes(text.encode(), rel) for rel, text in files.items()]
    table = ExportTable.of(entries)
    assert table.exports("ws.util") is None and "thing" in table.exports("ws.base")
    index = WorkspaceIndex()
    for rel, entry in zip(files, entries, strict=True):
        index.put_file(f"file:///{rel}", entry)
    live = IndexModules(index)
    assert live.exports("ws.util") is None and "thing" in live.exports("ws.base")
    # `thing` re-exported through the glob, and anything else: nothing is reported
    src = "module app.main\nuse ws.util.{thing, whatever}\nfn f() -> Int = thing() + whatever()\n"
    assert codes(src, table) == []
    for text in files.values():
        items = [(it.tree, 0) for it in parse_items(text) if it.tree is not None]
        assert document_names(text, items) == entry_names([index_bytes(text.encode(), "x")])


def test_a_module_block_binds_its_name_in_the_file() -> None:
    src = ("module app.main\nmodule util {\n  pub fn strip(s: Str) -> Str = s\n}\n"
           "pub module shared { pub fn one() -> Int = 1 }\n"
           "fn f() -> Str = util.strip(\"x\")\nfn g() -> Int = shared.one() + utill.x\n")
    assert codes(src) == [("name.unresolved", "utill")]
