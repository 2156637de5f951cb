"""Language features end to end on the fixture workspace, in each client's position encoding
(UTF-16 for VS Code, UTF-8 for Neovim)."""

from __future__ import annotations

import pytest
from lsp_helpers import encoding, open_doc, pos_in
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")


def ident(doc_uri: str) -> lsp.TextDocumentIdentifier:
    return lsp.TextDocumentIdentifier(uri=doc_uri)


async def complete(client, doc_uri: str, pos: lsp.Position) -> list[lsp.CompletionItem]:
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=ident(doc_uri), position=pos))
    return list(result.items if isinstance(result, lsp.CompletionList) else result)


async def test_completion_keywords_at_top_level(client):
    path = client.root / "src" / "c1.reml"
    text = "fn f() -> Int { 1 }\n\n"
    path.write_text(text, encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    items = await complete(client, doc_uri, lsp.Position(line=2, character=0))
    keywords = {i.label for i in items if i.kind == lsp.CompletionItemKind.Keyword}
    assert {"fn", "type", "effect", "use", "let", "pub"} <= keywords
    assert "match" not in keywords  # not an item start
    labels = [i.label for i in items if i.kind == lsp.CompletionItemKind.Keyword]
    assert len(labels) == len(set(labels)), "one entry per keyword"
    fn = next(i for i in items if i.label == "fn")
    comp = client.capabilities.text_document.completion
    if comp.completion_item and comp.completion_item.snippet_support:  # the keyword's snippet
        assert fn.insert_text_format == lsp.InsertTextFormat.Snippet
        assert "${1" in fn.text_edit.new_text
    else:  # plain keywords only
        assert all(i.insert_text_format != lsp.InsertTextFormat.Snippet for i in items)


async def test_completion_names_in_scope_innermost_first(client):
    path = client.root / "src" / "c2.reml"
    text = ("fn helper(n: Int) -> Int { n }\n"
            "fn main(count: Int) -> Int {\n  let local = helper(count)\n  lo\n}\n")
    path.write_text(text, encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    items = await complete(client, doc_uri, pos_in(text, "  lo\n", enc, 4))
    labels = [i.label for i in items]
    assert labels[0] == "local" and "loop" in labels  # names before keywords
    local = items[0]
    assert local.kind == lsp.CompletionItemKind.Variable and local.detail == "let"
    assert local.text_edit.range.start == pos_in(text, "  lo\n", enc, 2)
    # an empty word inside the body offers params, functions, keywords, in that order
    items = await complete(client, doc_uri, pos_in(text, "  let", enc, 2))
    labels = [i.label for i in sorted(items, key=lambda i: i.sort_text)]
    assert labels.index("count") < labels.index("helper") < labels.index("let")
    assert "local" not in labels  # not in scope before its let
    # nor in its own initialiser
    text2 = text.replace("  lo\n", "  let again = \n")
    path2 = client.root / "src" / "c2b.reml"
    path2.write_text(text2, encoding="utf-8")
    doc2 = await open_doc(client, path2, text2)
    items = await complete(client, doc2, pos_in(text2, "again = ", enc, 8))
    labels = {i.label for i in items}
    assert "again" not in labels and "local" in labels


async def test_completion_in_match_and_after_operator(client):
    path = client.root / "src" / "c3.reml"
    text = "fn f(x: Int) -> Int {\n  match x with\n  | 1 -> x + \n}\n"
    path.write_text(text, encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    items = await complete(client, doc_uri, pos_in(text, "x + ", enc, 4))
    labels = {i.label for i in items}
    assert "x" in labels and "if" in labels and "match" in labels
    assert "fn" in labels  # fn lambda
    assert "type" not in labels


async def test_completion_module_paths_in_use(client):
    path = client.root / "src" / "c4.reml"
    text = "module c4\n\nuse \nuse geometry.\nuse super.\n"
    path.write_text(text, encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    first = {i.label for i in await complete(client, doc_uri, pos_in(text, "use \n", enc, 4))}
    assert {"self", "super", "::", "geometry", "app"} <= first
    members = {i.label for i in await complete(client, doc_uri,
                                               pos_in(text, "geometry.\n", enc, 9))}
    assert {"area", "perimeter", "Shape", "Circle"} <= members
    sup = {i.label for i in await complete(client, doc_uri, pos_in(text, "super.\n", enc, 6))}
    assert "super" in sup


async def test_member_completion_through_module_alias(client):
    path = client.root / "src" / "app.reml"
    text = path.read_text(encoding="utf-8").replace("geo.perimeter(shape)", "geo.(shape)")
    doc_uri = await open_doc(client, path, text)
    items = await complete(client, doc_uri, pos_in(text, "geo.(", encoding(client), 4))
    assert {"area", "perimeter", "heron"} <= {i.label for i in items}


async def test_hover_signature_and_doc_comment(client):
    path = client.root / "src" / "geometry.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    enc = encoding(client)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident(doc_uri), position=pos_in(text, "heron(s, a", enc, 2)))
    value = hover.contents.value
    assert "fn heron(s: Float, a: Float, b: Float, c: Float) -> Float" in value
    assert "Heron's formula." in value
    assert hover.range.start == pos_in(text, "heron(s, a", enc)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident(doc_uri), position=pos_in(text, "Shape) -> Float", enc, 1)))
    assert "A shape on the plane.\nEvery variant carries its own measures." in \
        hover.contents.value
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident(doc_uri), position=pos_in(text, "Log : io", enc, 1)))
    assert "effect Log : io" in hover.contents.value and "operation info" in hover.contents.value


async def test_hover_across_modules(client):
    path = client.root / "src" / "app.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text, version=7)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident(doc_uri), position=pos_in(text, "area(shape)", encoding(client), 1)))
    assert hover is not None and "fn area(shape: Shape) -> Float" in hover.contents.value
    assert "The area of a shape." in hover.contents.value


async def test_document_symbols_are_hierarchical(client):
    path = client.root / "src" / "geometry.reml"
    doc_uri = await open_doc(client, path)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=ident(doc_uri)))
    names = [(s.name, s.kind) for s in symbols]
    assert names == [("geometry", lsp.SymbolKind.Module), ("Shape", lsp.SymbolKind.Struct),
                     ("area", lsp.SymbolKind.Function), ("heron", lsp.SymbolKind.Function),
                     ("Log", lsp.SymbolKind.Interface), ("perimeter", lsp.SymbolKind.Function)]
    shape = symbols[1]
    assert [c.name for c in shape.children] == ["Circle", "Rect", "Triangle"]
    assert [c.name for c in symbols[4].children] == ["info", "warn"]
    assert symbols[2].detail == "(shape: Shape) -> Float"


async def test_folding_ranges(client):
    path = client.root / "src" / "geometry.reml"
    doc_uri = await open_doc(client, path)
    folds = await client.text_document_folding_range_async(lsp.FoldingRangeParams(
        text_document=ident(doc_uri)))
    spans = {(f.start_line, f.end_line, f.kind) for f in folds}
    assert (4, 5, lsp.FoldingRangeKind.Comment) in spans  # the doc comment of Shape
    assert (12, 19, None) in spans  # fn area, its closing brace left visible
    assert any(s == 16 for s, _, _ in spans)  # the Triangle arm's block


async def test_semantic_tokens_full_and_range(client):
    path = client.root / "src" / "geometry.reml"
    text = path.read_text(encoding="utf-8")
    doc_uri = await open_doc(client, path, text)
    init = client.capabilities  # noqa: F841
    tokens = await client.text_document_semantic_tokens_full_async(lsp.SemanticTokensParams(
        text_document=ident(doc_uri)))
    from reml_lsp.lsp.names import TOKEN_TYPES

    decoded = _decode(tokens.data)
    lines = text.split("\n")
    by_text = {}
    for line, char, length, ttype, mods in decoded:
        by_text.setdefault(lines[line].encode("utf-8")[char:char + length].decode()
                           if encoding(client) == "utf-8" else lines[line][char:char + length],
                           []).append((TOKEN_TYPES[ttype], mods))
    assert ("keyword", 0) in by_text["fn"]
    assert ("function", 1) in by_text["area"]  # declaration
    assert ("enumMember", 1) in by_text["Circle"]
    assert ("parameter", 1) in by_text["shape"]
    assert ("comment", 8) in by_text["/// The area of a shape."]
    assert ("number", 0) in by_text["3.14159"]
    assert ("interface", 1) in by_text["Log"]
    if client.profile == "visual-studio-code":  # Neovim does not ask for ranges
        ranged = await client.text_document_semantic_tokens_range_async(
            lsp.SemanticTokensRangeParams(text_document=ident(doc_uri), range=lsp.Range(
                start=lsp.Position(line=22, character=0), end=lsp.Position(line=25, character=0))))
        lines_hit = {t[0] for t in _decode(ranged.data)}
        assert lines_hit and min(lines_hit) >= 22 and max(lines_hit) <= 25


def _decode(data: list[int]) -> list[tuple[int, int, int, int, int]]:
    out = []
    line = char = 0
    for i in range(0, len(data), 5):
        dl, dc, length, ttype, mods = data[i:i + 5]
        line += dl
        char = dc if dl else char + dc
        out.append((line, char, length, ttype, mods))
    return out


async def test_definition_references_highlight(client):
    geo_path = client.root / "src" / "geometry.reml"
    app_path = client.root / "src" / "app.reml"
    geo_text = geo_path.read_text(encoding="utf-8")
    app_text = app_path.read_text(encoding="utf-8")
    geo_uri = await open_doc(client, geo_path, geo_text, version=3)
    app_uri = await open_doc(client, app_path, app_text, version=9)
    enc = encoding(client)
    # local: a parameter
    defs = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=ident(geo_uri), position=pos_in(geo_text, "s * (s", enc, 0)))
    assert defs[0].uri == geo_uri and defs[0].range.start == pos_in(geo_text, "s: Float", enc)
    # across modules: `area` imported with use geometry.{area, Shape}
    defs = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=ident(app_uri), position=pos_in(app_text, "area(shape)", enc, 1)))
    assert defs[0].uri == geo_uri
    assert defs[0].range.start == pos_in(geo_text, "area(shape: Shape)", enc)
    # `geo.perimeter` through the module alias
    defs = await client.text_document_definition_async(lsp.DefinitionParams(
        text_document=ident(app_uri), position=pos_in(app_text, "perimeter(shape)", enc, 2)))
    assert defs[0].uri == geo_uri
    assert defs[0].range.start == pos_in(geo_text, "perimeter(shape: Shape)", enc)
    # references of area from its declaration: the import and the call in app.reml
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=ident(geo_uri), position=pos_in(geo_text, "area(shape: Shape)", enc, 1),
        context=lsp.ReferenceContext(include_declaration=True)))
    where = sorted((r.uri == app_uri, r.range.start.line) for r in refs)
    assert where == [(False, 12), (True, 2), (True, 9)]
    # highlights of the `var total`: one write, two reads
    hl = await client.text_document_document_highlight_async(lsp.DocumentHighlightParams(
        text_document=ident(app_uri), position=pos_in(app_text, "total = 0.0", enc, 1)))
    kinds = sorted(h.kind for h in hl)
    assert kinds.count(lsp.DocumentHighlightKind.Write) == 1 and len(kinds) == 4
