"""The analysis host's queries as plain data (code points, core types), without a server: what
every LSP handler and the CLI get from it. Each query is checked against the answer of the
analysis function it stands for, and after an edit, against the new text (nothing stale)."""

from __future__ import annotations

from pathlib import Path

from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.config_document import ConfigDocument
from reml_lsp.analysis.host import AnalysisHost, module_from_bytes
from reml_lsp.analysis.modules import make_module
from reml_lsp.analysis.semantic import TYPE
from reml_lsp.analysis.tree import entries_of
from reml_lsp.syntax.parser import parse_items

UTIL = "module demo.util\n\n/// Helps.\npub fn helper(n: Int) -> Int { n + 1 }\n"
APP = '''module demo.app

use demo.util.{helper}

/// Doubles.
fn double(x: Int) -> Int {
  let y = helper(x)
  y * 2
}

type Color = | Red | Green(Int)
'''
BROKEN = "fn f(x: Int) -> Int {\n  let y = add(x, 1\n  y\n}\n"

APP_KEY, UTIL_KEY = "file:///w/demo/app.reml", "file:///w/demo/util.reml"


def host_with(*docs: tuple[str, str, str]) -> AnalysisHost:
    host = AnalysisHost()
    for key, rel, text in docs:
        host.open_document(key, text, 1, file=rel, rel_path=rel)
    return host


def two_modules() -> AnalysisHost:
    return host_with((APP_KEY, "demo/app.reml", APP), (UTIL_KEY, "demo/util.reml", UTIL))


def test_diagnostics_are_the_cli_findings_and_follow_edits():
    host = host_with(("k", "src/b.reml", BROKEN))
    got = host.diagnostics("k", "en-US")
    cli = analyze_text(BROKEN, file="src/b.reml", rel_path="src/b.reml").diagnostics
    assert got and [(d.code, d.span, d.audit_id) for d in got] == \
        [(d.code, d.span, d.audit_id) for d in cli]
    assert host.diagnostics("k", "en-US") is got  # one computation per revision
    at = BROKEN.index("1\n") + 1
    host.apply_change("k", at, at, ")")
    fixed = host.diagnostics("k", "en-US")
    assert fixed is not got and "parser" not in {d.code.split(".")[0] for d in fixed}
    assert host.document("k").text == BROKEN[:at] + ")" + BROKEN[at:]
    assert host.diagnostics("nope", "en-US") == []


def test_localised_diagnostics_per_locale():
    host = host_with(("k", "b.reml", BROKEN))
    en, ja = host.diagnostics("k", "en-US"), host.diagnostics("k", "ja-JP")
    assert [d.code for d in en] == [d.code for d in ja]
    assert en[0].message != ja[0].message


def test_replace_with_the_same_text_keeps_the_revision_and_its_results():
    host = host_with(("k", "b.reml", BROKEN))
    doc = host.document("k")
    before, revision = host.diagnostics("k", "en-US"), doc.edits
    assert host.replace("k", BROKEN)
    assert doc.edits == revision and host.diagnostics("k", "en-US") is before
    host.replace("k", "fn g() -> Int = 1\n")
    assert doc.edits == revision + 1 and host.diagnostics("k", "en-US") == []
    host.set_version("k", 9)
    assert doc.version == 9
    assert not host.apply_change("missing", 0, 0, "x") and not host.replace("missing", "")


def test_the_diagnostics_cap_applies_to_open_documents():
    flood = "".join(f"fn f{i}() -> Int {{ ( }}\n" for i in range(20))
    host = host_with(("k", "f.reml", flood))
    full = host.diagnostics("k", "en-US")
    assert host.set_max_diagnostics("k", 3)
    capped = host.diagnostics("k", "en-US")
    assert len(capped) < len(full) and [d.code for d in capped[:3]] == \
        [d.code for d in full[:3]]
    assert not host.set_max_diagnostics("k", 3)  # unchanged: nothing to republish


def test_config_files_get_the_config_analysis(tmp_path: Path):
    manifest = tmp_path / "reml.toml"
    host = AnalysisHost()
    doc = host.open_document("m", "[project\n", 1, file=str(manifest), rel_path="reml.toml")
    assert isinstance(doc.source, ConfigDocument)
    assert host.diagnostics("m", "en-US")
    assert host.document_symbols("m") == [] and host.semantic_tokens("m") == []


def test_hover_local_and_across_modules():
    host = two_modules()
    local = host.hover(APP_KEY, APP.index("double(") + 1)
    assert local is not None and local.signature == "fn double(x: Int) -> Int"
    assert local.doc == "Doubles."
    at = APP.index("helper(x)") + 2
    assert host.hover_needs_index(APP_KEY, at)
    assert not host.hover_needs_index(APP_KEY, APP.index("fn double") + 3)
    other = host.hover(APP_KEY, at)
    assert other is not None and other.signature == "fn helper(n: Int) -> Int"
    assert other.doc == "Helps." and (other.start, other.end) == (at - 2, at + 4)
    assert host.hover(APP_KEY, APP.index("\n\nuse")) is None
    assert host.hover("nope", 0) is None


def test_hover_sees_the_other_documents_current_text():
    host = two_modules()
    start = UTIL.index("Helps.")
    host.apply_change(UTIL_KEY, start, start + len("Helps."), "Adds one.")
    info = host.hover(APP_KEY, APP.index("helper(x)") + 1)
    assert info is not None and info.doc == "Adds one."


def test_completion_classifies_once_and_answers_names_and_paths():
    host = two_modules()
    caret = APP.index("y * 2")  # nothing typed yet: every name in scope
    ctx = host.completion_context(APP_KEY, caret)
    assert ctx is not None and ctx.kind == "names" and not ctx.needs_workspace
    labels = {c.label for c in host.completion(APP_KEY, caret, context=ctx).items}
    assert {"y", "x", "double", "helper"} <= labels
    host.apply_change(APP_KEY, len(APP), len(APP), "use demo.")
    end = len(APP) + len("use demo.")
    ctx = host.completion_context(APP_KEY, end)
    assert ctx.kind == "use" and ctx.needs_workspace
    result = host.completion(APP_KEY, end, context=ctx)
    assert result.in_module_path and {"util", "app"} <= {c.label for c in result.items}
    assert host.completion_context("nope", 0) is None and host.completion("nope", 0) is None


def test_snippets_only_when_asked():
    host = host_with(("k", "s.reml", "\n"))
    plain = host.completion("k", 0)
    rich = host.completion("k", 0, snippets=True)
    assert not any(c.snippet for c in plain.items)
    assert any(c.label == "fn" and c.snippet for c in rich.items)


def test_document_symbols_and_folding():
    host = two_modules()
    syms = host.document_symbols(APP_KEY)
    assert [(s.name, s.kind) for s in syms] == [("demo.app", "module"), ("double", "function"),
                                                ("Color", "type")]
    assert [c.name for c in syms[2].children] == ["Red", "Green"]
    assert APP[syms[1].sel_start:syms[1].sel_end] == "double"
    fn_line = APP[:APP.index("fn double")].count("\n")
    assert any(f.start_line == fn_line and f.end_line == fn_line + 2
               for f in host.folding(APP_KEY))
    host.apply_change(APP_KEY, 0, len(APP), "fn only() -> Int = 1\n")
    assert [s.name for s in host.document_symbols(APP_KEY)] == ["only"]
    assert host.folding(APP_KEY) == []


def test_semantic_tokens_whole_and_range():
    host = two_modules()
    whole = host.semantic_tokens(APP_KEY)
    by_text = {APP[s:e]: t for s, e, t, _ in whole}
    assert by_text["double"] == TYPE["function"] and by_text["Green"] == TYPE["enumMember"]
    lo, hi = APP.index("fn double"), APP.index("type Color")
    part = host.semantic_tokens(APP_KEY, lo, hi)
    assert part and part == [t for t in whole if t[1] > lo and t[0] < hi]


def test_definition_references_and_highlights_across_files():
    host = two_modules()
    call = APP.index("helper(x)") + 1
    decl = UTIL.index("helper")
    [target] = host.definition(APP_KEY, call)
    assert (target.key, target.start, target.end) == (UTIL_KEY, decl, decl + 6)
    refs = {(t.key, t.start) for t in host.references(UTIL_KEY, decl + 1)}
    assert {(UTIL_KEY, decl), (APP_KEY, APP.index("helper(x)")),
            (APP_KEY, APP.index("helper}"))} <= refs
    without = {(t.key, t.start) for t in host.references(UTIL_KEY, decl + 1, False)}
    assert (UTIL_KEY, decl) not in without
    y_decl, y_use = APP.index("let y") + 4, APP.index("y * 2")
    assert host.highlights(APP_KEY, y_use) == [(y_decl, y_decl + 1, True),
                                               (y_use, y_use + 1, False)]
    assert host.definition("nope", 0) == [] and host.references("nope", 0) == []


def test_workspace_symbols_include_open_documents_and_closed_files():
    host = two_modules()
    closed = "module demo.disk\n\npub fn helper_on_disk() -> Int { 0 }\n"
    info = make_module("file:///w/demo/disk.reml", "demo/disk.reml", closed,
                       entries_of(parse_items(closed)))
    host.set_file(info.key, info.file_index())
    found = [(key, s.name) for key, s in host.workspace_symbols("helper")]
    assert (UTIL_KEY, "helper") in found and (info.key, "helper_on_disk") in found
    assert host.module_of(UTIL_KEY) == "demo.util" and host.module_of("nope") == ""


def test_line_index_of_open_and_closed_files():
    closed = "module demo.disk\n\nfn a() -> Int { 0 }\n"
    info = module_from_bytes("file:///d.reml", "d.reml", closed.encode())
    assert info.module == "demo.disk" and info.top_level("a") is not None
    host = AnalysisHost(loader=lambda key: info if key == info.key else None)
    host.set_file(info.key, info.file_index())
    host.open_document("k", "a\nb\n", 1, file="k.reml", rel_path="k.reml")
    assert host.line_index("k").line_of(2) == 1
    assert host.line_index(info.key).line_of(closed.index("fn")) == 2
    assert host.line_index("nope") is None


def test_fixes_come_from_the_current_findings():
    host = host_with(("k", "b.reml", BROKEN))
    [fix] = [f for f in host.fixes("k", "en-US", 0, len(BROKEN)) if f.title == "insert `)`"]
    assert fix.audit_id == host.diagnostics("k", "en-US")[0].audit_id


def test_closing_forgets_the_document_and_its_index_entry():
    host = two_modules()
    host.workspace_symbols("")  # pins both open documents in the index
    assert UTIL_KEY in host.index.files
    host.close_document(UTIL_KEY)
    assert host.document(UTIL_KEY) is None and UTIL_KEY not in host.index.files
    assert host.document_symbols(UTIL_KEY) == [] and host.diagnostics(UTIL_KEY, "en-US") == []
    # the other module is gone: the name resolves no further than its import
    assert {t.key for t in host.definition(APP_KEY, APP.index("helper(x)") + 1)} == {APP_KEY}
