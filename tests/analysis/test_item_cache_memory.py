"""The per-item node memo must not keep item trees alive: every re-parse of a document makes new
item trees, and an entry that holds its own key would keep each of them for good."""

import gc
from pathlib import Path

from reml_lsp.analysis import item_cache
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.syntax.parser import parse_items

FIXTURE = Path(__file__).parents[2] / "fixtures" / "syntax" / "valid" / "declarations_ext.reml"


def test_node_memo_entries_go_with_their_trees() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    for i in range(20):
        analyze_text(f"{text}\nfn extra{i}() -> Int = {i}\n", file="a.reml", rel_path="a.reml")
    gc.collect()
    assert len(item_cache._NODES._hits) == 0


def test_node_index_includes_the_root_first() -> None:
    items = [i.tree for i in parse_items("fn f(x: Int) -> Int = x\n") if i.tree is not None]
    index = item_cache.nodes(items[0])
    found = index.get(items[0].data)
    assert found and found[0] is items[0]
    assert index.get("no_such_node", ()) == ()
