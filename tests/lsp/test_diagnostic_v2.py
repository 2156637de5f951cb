"""The server's ``Diagnostic.data`` is the Reml Diagnostic V2 object `lint --format json`
prints (same audit_id, primary, codes), trimmed to what a client reads (``convert.DATA_KEYS``)
and validated with a real JSON-schema validator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from lsp_helpers import diagnostics, mark, open_doc
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "schemas"
                     / "diagnostic-v2.schema.json").read_text("utf-8"))


async def test_data_is_a_valid_v2_object_equal_to_the_cli_one(client):
    path = client.root / "src" / "broken.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path)
    diags = await diagnostics(client, doc_uri, m)
    assert diags
    validator = jsonschema.Draft7Validator(SCHEMA)
    for d in diags:
        errors = [e.message for e in validator.iter_errors(d.data)]
        assert errors == [], errors
        assert d.data["audit"]["metadata"]["audit.channel"] == "lsp"
        assert d.data["stream_meta"] is not None  # the editor's parse has stream counters
        assert "reml.stream_meta" in d.data["extensions"]
    cli = subprocess.run(
        [sys.executable, "-m", "reml_lsp.cli.main", "lint", "--format", "json", "src/broken.reml"],
        cwd=client.root, capture_output=True, text=True, timeout=60)
    by_id = {d["audit_id"]: d for d in json.loads(cli.stdout)["diagnostics"]}
    assert set(by_id) == {d.data["audit_id"] for d in diags}
    for d in diags:
        twin = by_id[d.data["audit_id"]]
        for key in ("code", "codes", "message", "message_key", "locale_args", "domain",
                    "severity", "severity_level", "primary"):
            assert without_file(d.data[key]) == without_file(twin[key]), key
        # what the publish leaves out travels otherwise: fix-its as code actions, notes with a
        # place as relatedInformation, the expected tokens past the first 8 in the CLI's JSON
        assert not {"hints", "structured_hints", "fixits", "notes", "secondary"} & set(d.data)
        want = twin["expected"]
        if want is None:
            assert d.data.get("expected") is None
        else:
            assert d.data["expected"]["locale_args"] == want["locale_args"][:8]
            assert d.data["expected"]["total"] == len(want["locale_args"])
        assert len(json.dumps(d.data)) < 2048  # it was ~5.5 KB with the whole V2 object


async def test_the_quick_fix_of_a_published_diagnostic_still_applies(client):
    """``data`` carries no fix-its: the code action is found by the audit_id in it."""
    path = client.root / "src" / "broken.reml"
    m = mark(client)
    doc_uri = await open_doc(client, path)
    diags = await diagnostics(client, doc_uri, m)
    with_fix = [d for d in diags if "needed to close" in d.message]
    assert with_fix
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=doc_uri), range=with_fix[0].range,
        context=lsp.CodeActionContext(diagnostics=with_fix)))
    assert actions and any(a.data and a.data.get("audit_id") == with_fix[0].data["audit_id"]
                           for a in actions)


def without_file(value):
    """The server names files by path on disk, the CLI as given on the command line."""
    if isinstance(value, dict):
        return {k: without_file(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [without_file(v) for v in value]
    return value
