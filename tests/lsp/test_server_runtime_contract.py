"""The server reads ``reml-run``'s output through the typed contract: a child that prints no JSON,
the wrong shape or another command's document is a located ``lsp.runtime.bad_output`` result (no
traceback, the server keeps serving), and what the server answers validates against the schema's
``RuntimeCommandSummary``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jsonschema
import pytest
from lsp_helpers import reconfigure
from lsprotocol import types as lsp
from reml_lsp.contract.results import RuntimeCommandSummary
from reml_lsp.contract.schema import for_class

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "runtime-results.schema.json").read_text("utf-8"))
SUMMARY = for_class(SCHEMA, RuntimeCommandSummary)
# A stand-in for reml-run: prints the file named by its first argument, whatever it is asked.
FAKE = "import sys; sys.stdout.write(open(sys.argv[1], encoding='utf-8').read())"


async def run(client, command: str, argument) -> dict:
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=command, arguments=[argument]))


async def use_runtime(client, command: list[str]) -> None:
    await reconfigure(client, {"runtime": {"command": command}})


async def printing(client, tmp_path: Path, name: str, text: str) -> dict:
    out = tmp_path / f"{name}.out"
    out.write_text(text, encoding="utf-8")
    await use_runtime(client, [sys.executable, "-c", FAKE, str(out)])
    result = await run(client, "reml.gpu.launch", {"kernel": "saxpy", "backend": "numpy"})
    jsonschema.validate(result, SUMMARY)
    return result


async def test_output_that_breaks_the_contract_is_a_located_error(client, tmp_path):
    try:
        client.messages.clear()
        garbage = await printing(client, tmp_path, "garbage", "Segmentation fault\n")
        assert garbage["error"]["code"] == "lsp.runtime.bad_output"
        assert "printed no JSON" in garbage["error"]["message"]

        array = await printing(client, tmp_path, "array", "[1, 2]")
        assert array["error"]["code"] == "lsp.runtime.bad_output"
        assert "$: expected an object, got list" in array["error"]["message"]

        shape = await printing(client, tmp_path, "shape", json.dumps({
            "command": "gpu launch", "status": "ok", "audit_id": "x", "latency_ms": "fast",
            "exit_code": {"label": "success", "value": 0}}))
        message = shape["error"]["message"]
        assert shape["error"]["code"] == "lsp.runtime.bad_output"
        assert "expected a number, got str 'fast' @ $.latency_ms" in message
        assert "required field missing @ $.kernel" in message
        assert "$.latency_ms" in " ".join(shape["error"]["contract_problems"])

        other = await printing(client, tmp_path, "other", json.dumps({
            "command": "diff", "status": "changed", "audit_id": "x"}))
        assert other["error"]["code"] == "lsp.runtime.bad_output"
        assert "'gpu launch' @ $.command" in other["error"]["message"]
        assert all("Traceback" not in m.message for m in client.messages)
        assert any("lsp.runtime.bad_output" in m.message for m in client.messages)
    finally:
        await use_runtime(client, [sys.executable, "-m", "reml_lsp.cli.main"])


async def test_answers_validate_against_the_summary_schema(client):
    kernels = await run(client, "reml.gpu.kernels", {})
    jsonschema.validate(kernels, SUMMARY)
    assert kernels["status"] == "ok" and kernels["result"]["command"] == "gpu kernels"
    assert kernels["result"]["pid"] > 0 and kernels["audit_id"] is None
    bad = await run(client, "reml.gpu.launch", {"kernel": "--help"})
    jsonschema.validate(bad, SUMMARY)
    assert bad["exit_code"] == 3 and bad["error"]["code"] == "lsp.runtime.bad_argument"
