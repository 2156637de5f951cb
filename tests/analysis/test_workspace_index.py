"""The compact workspace index gives the same answers as a from-scratch analysis of every
module (property test over random workspaces and edits), and its entries survive the cache's
JSON round trip."""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.file_index import FileIndex, build_file_index, index_bytes
from reml_lsp.analysis.host import AnalysisHost
from reml_lsp.analysis.module_exports import prefixes
from reml_lsp.analysis.modules import WorkspaceIndex, make_module
from reml_lsp.analysis.navigation import definition, references
from reml_lsp.analysis.symbols import document_symbols
from reml_lsp.analysis.tree import entries_of
from reml_lsp.analysis.workspace_symbols import fuzzy_score, search
from reml_lsp.syntax.parser import parse_items

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
NAME = re.compile(r"\b(?:f|g|a|h)\d\b")


def module_text(i: int, n: int, choice: dict) -> str:
    lines = [f"module app.m{i}", ""]
    for j in range(n):
        if j == i:
            continue
        if choice.get(("use", i, j)):
            lines.append(f"use app.m{j}.{{f{j}}}")
        if choice.get(("alias", i, j)):
            lines.append(f"use {'super.' if choice.get(('super', i, j)) else 'app.'}m{j} "
                         f"as a{j}")
    lines += ["", f"pub fn f{i}(x: Int) -> Int {{ x + {i} }}",
              f"fn h{i}() -> Int {{ 0 }}"]
    calls = [f"f{i}(1)"]
    for j in range(n):
        if j != i and choice.get(("use", i, j)):
            calls.append(f"f{j}({j})")
        if j != i and choice.get(("alias", i, j)):
            calls.append(f"a{j}.f{j}(2)")
    body = " + ".join(calls)
    if choice.get(("shadow", i)):
        lines.append(f"fn g{i}(f{i}: Int) -> Int {{ {body} }}")
    else:
        lines.append(f"fn g{i}() -> Int {{ {body} }}")
    return "\n".join(lines) + "\n"


def workspace(texts: dict[str, str], pinned: set[str]) -> tuple[WorkspaceIndex, WorkspaceIndex]:
    """(index-backed: compact entries, only ``pinned`` kept; from scratch: everything pinned)."""
    def load(key: str):
        text = texts[key]
        return make_module(key, key.split("///")[1], text, entries_of(parse_items(text)))

    indexed = WorkspaceIndex(loader=load)
    full = WorkspaceIndex()
    for key, text in texts.items():
        rel = key.split("///")[1]
        full.put(load(key))
        if key in pinned:
            indexed.put(load(key))
        else:
            indexed.put_file(key, index_bytes(text.encode(), rel))
    return indexed, full


choices = st.dictionaries(
    st.one_of(st.tuples(st.sampled_from(["use", "alias", "super"]), st.integers(0, 3),
                        st.integers(0, 3)),
              st.tuples(st.just("shadow"), st.integers(0, 3))),
    st.booleans(), max_size=24)


def make_texts(n: int, choice: dict) -> dict[str, str]:
    return {f"file:///app/m{i}.reml": module_text(i, n, choice) for i in range(n)}


def assert_same_answers(texts: dict[str, str], pinned: set[str]) -> None:
    indexed, full = workspace(texts, pinned)
    for key, text in texts.items():
        cur_i = indexed.module(key)
        cur_f = full.module(key)
        assert cur_i is not None and cur_f is not None
        for m in NAME.finditer(text):
            offset = m.start() + 1
            assert references(indexed, cur_i, offset) == references(
                full, cur_f, offset, scan_all=True), (key, m.group(), text)
            assert definition(indexed, cur_i, offset) == definition(full, cur_f, offset)
    for path in full.module_paths():
        module = full.by_module(path)
        assert module is not None
        tops = {(s.name, s.kind) for s in document_symbols(module.text, module.entries)
                if s.kind != "module"}
        assert {(s.name, s.kind) for s in indexed.exports_of(path) if s.kind != "module"} == tops


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 4), choice=choices, edit=choices, pin=st.integers(0, 3))
def test_index_answers_equal_a_from_scratch_analysis(n, choice, edit, pin):
    texts = make_texts(n, choice)
    pinned = {f"file:///app/m{pin % n}.reml"}
    assert_same_answers(texts, pinned)
    # an edit: one module rewritten with other imports and calls
    edited = make_texts(n, {**choice, **edit})
    changed = f"file:///app/m{(pin + 1) % n}.reml"
    texts[changed] = edited[changed]
    assert_same_answers(texts, pinned)


def test_references_across_files_need_only_the_importers():
    texts = make_texts(4, {("use", 1, 0): True, ("alias", 2, 0): True, ("use", 3, 2): True})
    loaded: list[str] = []
    indexed, _ = workspace(texts, {"file:///app/m0.reml"})
    inner = indexed.loader

    def counting(key: str):
        loaded.append(key)
        return inner(key)

    indexed.loader = counting
    cur = indexed.module("file:///app/m0.reml")
    text = texts["file:///app/m0.reml"]
    refs = references(indexed, cur, text.index("fn f0") + 4)
    files = {t.key for t in refs}
    assert files == {"file:///app/m0.reml", "file:///app/m1.reml", "file:///app/m2.reml"}
    assert "file:///app/m3.reml" not in loaded  # m3 does not import m0: never parsed


def test_file_index_round_trips_and_rejects_damage():
    text = "module demo.x\n\nuse demo.y.{z}\n/// doc\npub fn ä(x: Int) -> Int { x }\n" \
           "type T = | A | B\n"
    entry = build_file_index(text, entries_of(parse_items(text)), "demo/x.reml")
    assert FileIndex.from_json(entry.to_json()) == entry
    sent = pickle.loads(pickle.dumps(entry))  # as an index worker sends it: plain tuples
    assert sent == entry and type(sent.symbols[0]) is type(entry.symbols[0])
    assert all(n is sys.intern(n) for n in sent.names)  # shared across files
    assert [i.path for i in entry.imports] == ["demo.y.z"]
    fn = next(s for s in entry.symbols if s.kind == "function")
    assert fn.name == "ä" and fn.pub and fn.columns("utf-8") == (7, 9)
    assert {s.name for s in entry.symbols if s.container == "T"} == {"A", "B"}
    assert FileIndex.from_json({"v": 999}) is None
    assert FileIndex.from_json({**entry.to_json(), "symbols": [["x"]]}) is None
    assert FileIndex.from_json("garbage") is None


def test_index_symbols_are_the_outline_one_level_deep():
    """The entry's symbols come from the outline's records without its Symbol objects: the
    same names, kinds, ranges and details, top level and direct children, on every fixture."""
    files = sorted(FIXTURES.rglob("*.reml"))
    assert len(files) > 50
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        entries = entries_of(parse_items(text))
        expected = []
        for sym in document_symbols(text, entries):
            expected.append((sym.name, sym.kind, "", sym.start, sym.end, sym.sel_start,
                             sym.sel_end, sym.detail))
            expected += [(c.name, c.kind, sym.name, c.start, c.end, c.sel_start, c.sel_end,
                          c.detail) for c in sym.children]
        got = [(s.name, s.kind, s.container, s.start, s.end, s.sel_start, s.sel_end, s.detail)
               for s in build_file_index(text, entries, "x.reml").symbols]
        assert got == expected, path


MODULES = ["a", "a.b", "A.b", "a.b.c", "b", "b.a"]


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(st.tuples(st.booleans(), st.integers(0, 4), st.sampled_from(MODULES)),
                    max_size=30))
def test_module_tables_follow_every_change(ops):
    """The module-path and prefix tables, built once and then updated file by file, always
    answer as tables built from scratch over the same entries."""
    index = WorkspaceIndex()
    assert index.keys_of("a") == [] and not index.is_module_prefix("a")
    for put, k, module in ops:
        key = f"file:///k{k}.reml"
        if put:
            index.put_file(key, FileIndex(f"k{k}.reml", module, (), (), frozenset()))
        else:
            index.drop(key)
    fresh = WorkspaceIndex(files=dict(index.files))
    assert index._path_table() == fresh._path_table()
    every = prefixes(e.module for e in index.files.values())
    for path in [*MODULES, "a.B", "c", "a.b.c.d"]:
        assert index.keys_of(path) == fresh.keys_of(path)
        assert index.is_module_prefix(path) == fresh.is_module_prefix(path) == (path in every)


def test_workspace_symbol_search_is_fuzzy_and_ranked():
    host = AnalysisHost()
    text = ("module demo.s\n\nfn parse_header() -> Int { 0 }\nfn parser() -> Int { 0 }\n"
            "fn print_all_headers() -> Int { 0 }\ntype HeaderMap = | Empty\n")
    host.set_file("file:///s.reml", index_bytes(text.encode(), "s.reml"))
    names = [s.name for _, s in host.workspace_symbols("parse")]
    assert names[:2] == ["parser", "parse_header"]
    assert "print_all_headers" not in names
    assert [s.name for _, s in host.workspace_symbols("pah")][:1] == ["print_all_headers"]
    assert [s.name for _, s in search(host.index.entries(), "HM")] == ["HeaderMap"]
    assert fuzzy_score("xyz", "parser") is None
