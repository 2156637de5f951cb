"""Editor features see the constructs added for issue 11 (struct, enum, const, `let f(x) = …`,
methods `fn T<A>.m`, abstract types, typed records, trailing case blocks)."""

from __future__ import annotations

from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.folding import folding_ranges
from reml_lsp.analysis.hover import hover_at
from reml_lsp.analysis.modules import WorkspaceIndex, make_module
from reml_lsp.analysis.semantic import TYPE, semantic_tokens
from reml_lsp.analysis.symbols import document_symbols
from reml_lsp.syntax.lexer import LexState
from reml_lsp.syntax.parser import expected_at

SRC = '''module demo.shapes

pub enum Color = Red | Green | Rgb(r: Int, g: Int) | Named { name: Str }

struct Point {
  x: Int = 0,
  y: Int,
}

const ORIGIN_X: Int = 0

pub type Handle

let add(x: Int, y: Int) -> Int = x + y

fn Vec<T>.first(&self) -> Option<T>

pub module geometry {
  fn area(w: Int, h: Int) -> Int = w * h
}

fn make() -> Point {
  let p = Point { x: 1, y: add(2, 3) }
  draw(Point { x: 1, y: 2 })
  p
}
'''


def doc():
    d = AnalyzedDocument(SRC, file="demo/shapes.reml", rel_path="demo/shapes.reml")
    entries = [(item.tree, dpos) for item, dpos, _ in d.entries() if item.tree is not None]
    return d, make_module("file:///demo/shapes.reml", "demo/shapes.reml", SRC, entries)


def test_the_example_parses_clean():
    d, _ = doc()
    assert [x.code for x in d.diagnostics("en-US") if x.domain == "parser"] == []


def test_symbols_of_new_declarations():
    _, mod = doc()
    syms = {s.name: s for s in document_symbols(SRC, mod.entries)}
    assert syms["Color"].kind == "type"
    assert [c.name for c in syms["Color"].children] == ["Red", "Green", "Rgb", "Named"]
    assert syms["Point"].kind == "type"
    assert syms["ORIGIN_X"].kind == "let"
    assert syms["Handle"].kind == "type"
    assert syms["add"].kind == "function"
    assert syms["first"].kind == "function"
    assert syms["geometry"].kind == "module"
    assert [c.name for c in syms["geometry"].children] == ["area"]


def test_semantic_tokens_classify_new_keywords_and_names():
    _, mod = doc()
    toks = {SRC[s:e]: t for s, e, t, _ in semantic_tokens(SRC, mod.entries, mod.scopes)}
    for word in ("enum", "struct", "const"):
        assert toks[word] == TYPE["keyword"], word
    assert toks["Green"] == TYPE["enumMember"]


def test_folding_covers_struct_and_function_bodies():
    d, mod = doc()
    folds = folding_ranges(SRC, mod.entries, d.index)
    struct_line = SRC[:SRC.index("struct Point")].count("\n")
    fn_line = SRC[:SRC.index("fn make")].count("\n")
    starts = {f.start_line for f in folds}
    assert struct_line in starts and fn_line in starts


def test_hover_on_a_let_function():
    d, mod = doc()
    info = hover_at(WorkspaceIndex(), mod, d.index, SRC.index("add(2") + 1)
    assert info is not None and "add" in (info.signature or "")


def test_completion_offers_new_declaration_keywords_at_item_start():
    text = "fn f() = 1\n\n"
    terms = completion_terminals(expected_at(text, LexState(), len(text)))
    assert {"STRUCT", "ENUM", "CONST", "TYPE", "FN"} <= set(terms)
