"""Completion scoping and keyword entries (analysis.completion on real parses)."""

from __future__ import annotations

import pytest
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.caret import completion_terminals
from reml_lsp.analysis.completion import complete, word_start
from reml_lsp.analysis.modules import WorkspaceIndex, make_module


def names_at(text: str, mark: str, *, snippets: bool = False):
    """Completion at the end of the first ``mark`` in ``text``."""
    offset = text.index(mark) + len(mark)
    doc = AnalyzedDocument(text, file="a.reml", rel_path="a.reml")
    entries = [(item.tree, dpos) for item, dpos, _ in doc.entries() if item.tree is not None]
    mod = make_module("file:///a.reml", "a.reml", text, entries)
    expected = completion_terminals(doc.expected_terminals(word_start(text, offset)))
    return complete(text, offset, expected, mod, WorkspaceIndex(), snippets=snippets).items


BODY = "fn main(arg: Int) -> Int {{\n{}\n}}\n"


@pytest.mark.parametrize(("source", "mark", "hidden"), [
    (BODY.format("  let y = "), "= ", "y"),  # initialiser missing
    (BODY.format("  let y =\n    "), "=\n    ", "y"),  # on the next line
    (BODY.format("  let y = arg +"), "+", "y"),  # after an operator
    (BODY.format("  let y = y\n  0"), "= y", "y"),  # typing a word of the initialiser
    (BODY.format("  var y = y + 1\n  0"), "= y", "y"),
    (BODY.format("  let (a, b) = "), "= ", "a"),  # every name of the pattern
    (BODY.format("  let (a, b) = "), "= ", "b"),
    ("let top = \n", "= ", "top"),  # top level
    ("let top = 1\nlet other = \n", "other = ", "other"),
])
def test_a_let_is_not_in_scope_in_its_own_initialiser(source, mark, hidden):
    labels = {c.label for c in names_at(source, mark) if c.kind not in ("keyword", "token")}
    assert hidden not in labels


@pytest.mark.parametrize(("source", "mark", "shown"), [
    (BODY.format("  let y = 1\n  "), "1\n  ", "y"),  # the next statement sees it
    (BODY.format("  let y = 1\n  y"), "1\n  y", "y"),
    (BODY.format("  let y = "), "= ", "arg"),  # other names stay
    (BODY.format("  let y = "), "= ", "main"),  # a function may recurse
    ("let top = 1\nlet other = \n", "other = ", "top"),
])
def test_names_declared_before_stay_in_scope(source, mark, shown):
    assert shown in {c.label for c in names_at(source, mark)}


@pytest.mark.parametrize("snippets", [True, False])
def test_one_entry_per_keyword(snippets):
    items = names_at(BODY.format("  "), "{\n  ", snippets=snippets)
    keywords = [c for c in items if c.kind == "keyword"]
    labels = [c.label for c in keywords]
    assert {"fn", "for", "if", "match", "while", "let"} <= set(labels)
    assert len(labels) == len(set(labels)), "each keyword once"
    fn = next(c for c in keywords if c.label == "fn")
    if snippets:
        assert fn.snippet and "${1" in fn.snippet
    else:
        assert all(c.snippet is None for c in items)
