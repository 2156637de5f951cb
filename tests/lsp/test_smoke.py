from __future__ import annotations

import pytest
from lsp_helpers import diagnostics, mark, open_doc
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_open_broken_file_reports_diagnostics(client):
    path = client.root / "src" / "broken.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path)
    diags = await diagnostics(client, doc_uri, m)
    codes = [d.code for d in diags]
    assert "effects.handler.missing_with" in codes
    assert all(d.source == "reml" for d in diags)
    assert all(isinstance(d.data, dict) and d.data["audit_id"] for d in diags)
    assert any(d.severity == lsp.DiagnosticSeverity.Error for d in diags)
