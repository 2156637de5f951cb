"""A request that waits for the workspace index answers ContentModified only when the document's
TEXT changed meanwhile: its imports answering anew (a module it imports was indexed, its
diagnostics are re-checked) is no change of the positions the request refers to. The server
used to answer ContentModified then, and references requested while indexing failed (a CI run
of tests/lsp/test_workspace_scale.py)."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcContentModified
from reml_lsp.lsp.indexing import unchanged_after
from reml_lsp.lsp.server import RemlServer

pytestmark = pytest.mark.asyncio


def server_with_doc(tmp_path):
    server = RemlServer()
    server.roots = [tmp_path]
    uri = (tmp_path / "a.reml").as_uri()
    doc = server.open_doc(uri, "fn f() -> Int = 1\n", 1)
    return server, doc


async def test_imports_answering_anew_is_not_a_change_of_the_text(tmp_path):
    server, doc = server_with_doc(tmp_path)

    async def index_builds() -> str:
        doc.src.changed()  # what AnalysisHost._check_modules does for an importer
        return "answer"

    assert await unchanged_after(server, doc, index_builds()) == "answer"


async def test_a_text_edit_while_waiting_is_content_modified(tmp_path):
    server, doc = server_with_doc(tmp_path)

    async def user_types() -> str:
        doc.src.apply_change(0, 0, "// note\n")
        return "stale"

    with pytest.raises(JsonRpcContentModified):
        await unchanged_after(server, doc, user_types())
