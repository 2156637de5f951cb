"""A failed ``reml.instrument.apply`` puts a located diagnostic on the failing register: the
line of its table in the register map (not the first mention of its name, e.g. in a comment)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lsp_helpers import answer_prompts, uri
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[2]
INSTRUMENTS = REPO / "fixtures" / "instruments"


async def test_failed_apply_is_a_diagnostic_on_the_failing_register(client):
    runtime = client.root / "runtime-apply"
    runtime.mkdir(exist_ok=True)
    shutil.copy(INSTRUMENTS / "sim-devices.yaml", runtime / "sim-devices.yaml")
    regmap = runtime / "bad-mode.regmap.toml"
    shutil.copy(INSTRUMENTS / "bad-mode.regmap.toml", regmap)
    lines = regmap.read_text("utf-8").splitlines()
    header = lines.index("[registers.MODE]")
    assert "MODE" in lines[0] and lines[0].startswith("#")  # a mention before the table
    answer_prompts(client, lambda params: "Apply")
    before = len(client.published)
    result = await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command="reml.instrument.apply", arguments=[{
            "regmap": str(regmap), "backend": "@sim",
            "simFile": "runtime-apply/sim-devices.yaml"}]))
    assert result["exit_code"] == 1 and result["error"]["code"] == "instrument.validation_error"
    location = result["error"]["location"]
    assert (location["line"], location["column"]) == (header + 1, len("[registers.") + 1)
    published = [p for p in client.published[before:] if p.uri == uri(regmap)]
    assert published, "no diagnostics published for the register map"
    [diag] = published[-1].diagnostics
    assert diag.code == "instrument.validation_error"
    assert diag.range.start.line == header
    assert lines[header][diag.range.start.character:diag.range.end.character] == "MODE"
    assert diag.data["audit_id"] == result["audit_id"]
