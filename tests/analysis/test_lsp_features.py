"""The editor-independent feature functions (reml_lsp.analysis.*) on small texts."""

from __future__ import annotations

from reml_lsp.analysis.actions import fixes_for
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.comments import comments, doc_comment
from reml_lsp.analysis.completion import complete, completion_context
from reml_lsp.analysis.folding import folding_ranges
from reml_lsp.analysis.hover import hover_at, needs_workspace
from reml_lsp.analysis.modules import WorkspaceIndex, make_module
from reml_lsp.analysis.semantic import TOKEN_MODIFIERS, TOKEN_TYPES, TYPE, semantic_tokens
from reml_lsp.analysis.symbols import document_symbols

SRC = '''module demo.app

use demo.util.{helper as h}

/// Doubles.
/// Twice.
fn double(x: Int) -> Int {
  let x2 = x * 2 // "not a string"
  let s = "// not a comment"
  match x2 with
  | 0 -> 0
  | n -> {
      let x = n
      x
    }
}

type Color = | Red | Green(Int)
'''


def doc(text: str = SRC, rel: str = "demo/app.reml"):
    d = AnalyzedDocument(text, file=rel, rel_path=rel)
    entries = [(item.tree, dpos) for item, dpos, _ in d.entries() if item.tree is not None]
    return d, make_module("file:///" + rel, rel, text, entries)


def test_shadowing_resolves_innermost_binding():
    _, mod = doc()
    inner_use = SRC.index("      x\n") + 6
    binding, name = mod.scopes.target_at(inner_use)
    assert name == "x" and binding.kind == "let"
    assert binding.start == SRC.index("let x = n") + 4
    param_use = SRC.index("x * 2")
    assert mod.scopes.target_at(param_use)[0].kind == "param"
    # `x2` is not visible before its let
    assert "x2" not in {b.name for b in mod.scopes.visible(SRC.index("let x2"))}


def test_symbols_hierarchy_and_module_name():
    _, mod = doc()
    syms = document_symbols(SRC, mod.entries)
    assert [(s.name, s.kind) for s in syms] == [("demo.app", "module"), ("double", "function"),
                                                ("Color", "type")]
    assert [c.name for c in syms[2].children] == ["Red", "Green"]
    assert mod.module == "demo.app"


def test_comments_are_found_between_tokens_only():
    _, mod = doc()
    found = [SRC[c.start:c.end] for c in comments(SRC, mod.entries)]
    assert found == ["/// Doubles.", "/// Twice.", '// "not a string"']
    d, _ = doc()
    line = SRC[:SRC.index("fn double")].count("\n")
    assert doc_comment(SRC, d.index.starts, line) == "Doubles.\nTwice."


def test_hover_has_signature_and_doc():
    d, mod = doc()
    info = hover_at(WorkspaceIndex(), mod, d.index, SRC.index("double(") + 1)
    assert info.signature == "fn double(x: Int) -> Int" and info.doc == "Doubles.\nTwice."


def test_folding_keeps_closing_lines_visible():
    d, mod = doc()
    folds = folding_ranges(SRC, mod.entries, d.index)
    fn_line = SRC[:SRC.index("fn double")].count("\n")
    assert any(f.start_line == fn_line and f.end_line == fn_line + 8 for f in folds)
    assert any(f.kind == "comment" for f in folds)


def test_semantic_tokens_legend_and_classes():
    assert TOKEN_TYPES[:3] == ("namespace", "type", "enumMember") and len(TOKEN_MODIFIERS) == 4
    _, mod = doc()
    toks = {SRC[s:e]: (t, m) for s, e, t, m in semantic_tokens(SRC, mod.entries, mod.scopes)}
    assert toks["fn"] == (TYPE["keyword"], 0)
    assert toks["double"][0] == TYPE["function"]
    assert toks['"// not a comment"'] == (TYPE["string"], 0)
    assert toks["Green"][0] == TYPE["enumMember"]
    assert toks["/// Doubles."] == (TYPE["comment"], 8)


def test_completion_use_paths_and_members():
    util_text = "module demo.util\n\npub fn helper() -> Int { 1 }\nfn other() -> Int { 2 }\n"
    _, util = doc(util_text, "demo/util.reml")
    text = "module demo.app\n\nuse demo.\nuse super.\nuse super.util.\n"
    _, mod = doc(text)
    ws = WorkspaceIndex()
    ws.put(util)
    ws.put(mod)
    got = complete(text, text.index("demo.\n") + 5, [], mod, ws)
    assert got.in_module_path and {"app", "util"} <= {c.label for c in got.items}
    at_super = text.index("super.") + 6
    labels = {c.label for c in complete(text, at_super, [], mod, ws).items}
    assert {"super", "util", "app"} <= labels
    members = complete(text, text.index("util.\n") + 5, [], mod, ws)
    assert {"helper", "other"} <= {c.label for c in members.items}
    empty = complete(text, text.index("demo.\n"), [], mod, ws)
    assert {"self", "super", "::", "demo"} <= {c.label for c in empty.items}


def test_hover_follows_an_import_into_the_other_module():
    """What the server ships: the imported name's declaration and doc come from its module."""
    util_text = "module demo.util\n\n/// Helps.\npub fn helper() -> Int { 1 }\n"
    _, util = doc(util_text, "demo/util.reml")
    text = "module demo.app\n\nuse demo.util.{helper}\n\nfn f() -> Int { helper() }\n"
    d, mod = doc(text)
    ws = WorkspaceIndex()
    ws.put(util)
    ws.put(mod)
    at = text.index("helper()") + 2
    assert needs_workspace(mod, at)
    info = hover_at(ws, mod, d.index, at)
    assert info is not None
    assert info.signature == "fn helper() -> Int"
    assert info.doc == "Helps."
    assert (info.start, info.end) == (text.index("helper()"), text.index("helper()") + 6)
    assert info.markdown() == f"```reml\n{info.signature}\n```\n\nHelps."
    local = text.index("fn f") + 3
    assert not needs_workspace(mod, local)


def test_completion_context_is_classified_once_in_analysis():
    text = "module demo.app\n\nuse demo.ut\nfn f() -> Int { Lib.x + y }\n"
    use = completion_context(text, text.index("ut\n") + 2)
    assert (use.kind, use.path, use.needs_workspace) == ("use", "demo.", True)
    member = completion_context(text, text.index(".x") + 2)
    assert member.kind == "member" and member.needs_workspace
    names = completion_context(text, text.index("y }") + 1)
    assert names.kind == "names" and not names.needs_workspace
    module = completion_context("module de", 10)
    assert module.kind == "module" and module.start == 7


def test_completion_terminals_add_item_starts_after_a_complete_item():
    terms = completion_terminals(["$END"])
    assert {"FN", "TYPE", "USE"} <= terms and "$END" not in terms


def test_fixes_from_fixits_carry_the_audit_id():
    text = "fn f(x: Int) -> Int {\n  let y = add(x, 1\n  y\n}\n"
    d, _ = doc(text)
    diags = d.diagnostics("en-US")
    fixes = fixes_for(diags, d.index, 0, len(text))
    assert fixes and fixes[0].title == "insert `)`" and fixes[0].audit_id == diags[0].audit_id
    edit = fixes[0].edits[0]
    assert text[:edit.start].endswith("add(x, 1") and edit.text == ")"
