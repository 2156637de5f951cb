"""The server's ``Diagnostic.data`` is the Reml Diagnostic V2 object `lint --format json`
prints (same audit_id, primary, codes), validated with a real JSON-schema validator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from lsp_helpers import diagnostics, mark, open_doc

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
        for key in ("code", "codes", "message_key", "domain", "severity", "severity_level",
                    "expected", "primary", "hints"):
            assert without_file(d.data[key]) == without_file(twin[key]), key


def without_file(value):
    """The server names files by path on disk, the CLI as given on the command line."""
    if isinstance(value, dict):
        return {k: without_file(v) for k, v in value.items() if k != "file"}
    if isinstance(value, list):
        return [without_file(v) for v in value]
    return value
