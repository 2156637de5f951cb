"""Editor commands driving the real ``reml-run`` in subprocesses: diff, reload (dry run →
showMessageRequest → apply), rollback, gpu launch (numpy), instrument query/telemetry/apply
(pyvisa-sim); timeouts, cancellation, a missing runtime, bad arguments."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_helpers import answer_prompts, reconfigure
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[2]
SIM = REPO / "fixtures" / "instruments" / "sim-devices.yaml"
OLD = {"service": {"name": "a", "replicas": 2}, "limits": {"cpu": "1"}}
NEW = {"service": {"name": "a", "replicas": 3}, "limits": {"cpu": "1"}}
SCHEMA = {"name": "svc", "version": "1.0.0", "fields": {
    "service.name": {"data_type": "String", "required": True},
    "service.replicas": {"data_type": "Int"}}}


async def run(client, command: str, argument) -> dict:
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=command, arguments=[argument] if argument is not None else None))


def write(root: Path, name: str, value) -> Path:
    path = root / "runtime" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


def audit_events(root: Path, audit_id: str) -> list[str]:
    with sqlite3.connect(root / ".reml" / "audit.db") as conn:
        return [r[0] for r in conn.execute(
            "SELECT event FROM events WHERE audit_id = ? ORDER BY id", (audit_id,))]


async def configure(client, **runtime) -> None:
    await reconfigure(client, {"runtime": runtime})


async def test_diff_shows_status_and_audit_id(client):
    old = write(client.root, "old.json", OLD)
    new = write(client.root, "new.json", NEW)
    schema = write(client.root, "schema.json", SCHEMA)
    client.messages.clear()
    result = await run(client, "reml.diff", {"old": str(old), "new": str(new),
                                              "schema": str(schema)})
    assert result["status"] == "changed" and result["exit_code"] == 0
    assert result["audit_id"] and result["result"]["summary"]["updated"] == 1
    assert any(result["audit_id"] in m.message for m in client.messages)
    assert "config.diff" in audit_events(client.root, result["audit_id"])


async def test_diff_validation_errors_become_diagnostics_with_the_audit_id(client):
    old = write(client.root, "old2.json", OLD)
    new = write(client.root, "new2.json", {"service": {"replicas": "three"}, "limits": {}})
    schema = write(client.root, "schema.json", SCHEMA)
    result = await run(client, "reml.diff", {"old": str(old), "new": str(new),
                                              "schema": str(schema)})
    assert result["result"]["validation"]["target"]  # the target breaks the schema
    new_uri = new.resolve().as_uri()
    for _ in range(100):
        if client.diagnostics.get(new_uri):
            break
        await asyncio.sleep(0.02)
    diags = client.diagnostics[new_uri]
    assert {d.code for d in diags} == {"config.schema.required_missing",
                                       "config.schema.type_mismatch"}
    assert all(d.data["audit_id"] == result["audit_id"] for d in diags)
    assert all(d.data["domain"] == "config" for d in diags)
    mismatch = next(d for d in diags if d.code == "config.schema.type_mismatch")
    line = new.read_text().splitlines()[mismatch.range.start.line]
    assert "replicas" in line


def init_state(root: Path) -> Path:
    old = write(root, "live.json", OLD)
    schema = write(root, "schema.json", SCHEMA)
    state = root / "runtime" / "live.state"
    state.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "state", "init",
                           str(state), "--config", str(old), "--schema", str(schema),
                           "--format", "json"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return state


async def test_reload_dry_run_then_confirm_then_rollback(client):
    state = init_state(client.root)
    new = write(client.root, "live.next.json", NEW)
    old = client.root / "runtime" / "live.json"
    asked: list[lsp.ShowMessageRequestParams] = []
    answers = ["Cancel", "Apply", "Apply"]

    answer_prompts(client, lambda params: asked.append(params) or answers.pop(0))

    cancelled = await run(client, "reml.reload", {"state": str(state), "old": str(old),
                                                  "new": str(new)})
    assert cancelled["status"] == "cancelled"
    assert json.loads(state.read_text())["version"] == 1
    applied = await run(client, "reml.reload", {"state": str(state), "old": str(old),
                                                "new": str(new)})
    assert applied["status"] == "applied", applied
    assert len(asked) == 2 and applied["audit_id"] in asked[1].message
    assert [a.title for a in asked[1].actions] == ["Apply", "Cancel"]
    assert json.loads(state.read_text())["version"] == 2
    assert "reml.reload" in audit_events(client.root, applied["audit_id"])
    back = await run(client, "reml.rollback", {"state": str(state)})
    assert back["status"] == "rolled-back" and back["audit_id"] == applied["audit_id"]
    # the rollback asked first, naming the state file and the operation it undoes
    assert len(asked) == 3 and "runtime/live.state" in asked[2].message
    assert applied["audit_id"] in asked[2].message
    assert json.loads(state.read_text())["version"] == 1
    empty = await run(client, "reml.rollback", {"state": str(state)})
    assert empty["exit_code"] == 5 and empty["error"]["code"] == "reload.rollback.empty"


async def test_gpu_launch_numpy_and_failures(client):
    ok = await run(client, "reml.gpu.launch", {"kernel": "saxpy", "backend": "numpy",
                                                "params": {"n": 4096}, "repeat": 2})
    assert ok["status"] == "ok" and ok["audit_id"] and ok["result"]["backend"] == "numpy"
    bad = await run(client, "reml.gpu.launch", {"kernel": "no-such-kernel",
                                                 "backend": "numpy"})
    assert bad["exit_code"] == 3 and bad["error"]["code"] == "gpu.unknown_kernel"
    missing = await run(client, "reml.gpu.launch", {"params": {}})
    assert missing["exit_code"] == 3 and missing["error"]["code"] == "lsp.runtime.bad_argument"


async def test_gpu_kernels_lists_kernels_for_a_picker_without_a_message(client):
    client.messages.clear()
    listed = await run(client, "reml.gpu.kernels", None)
    kernels = listed["result"]["kernels"]
    assert listed["status"] == "ok" and {"saxpy", "matmul"} <= {k["name"] for k in kernels}
    assert all(isinstance(k["params"], list) for k in kernels)
    assert not any("reml.gpu.kernels" in m.message for m in client.messages)


async def test_instrument_query_telemetry_apply_on_pyvisa_sim(client):
    regmap = client.root / "runtime" / "bad-mode.regmap.toml"
    regmap.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(SIM, client.root / "runtime" / SIM.name)  # inputs live in the workspace
    common = {"backend": "@sim", "simFile": f"runtime/{SIM.name}"}
    asked: list[str] = []

    answer_prompts(client, lambda params: asked.append(params.message) or "Apply")

    shutil.copy(REPO / "fixtures" / "instruments" / "bad-mode.regmap.toml", regmap)
    # the server runs commands concurrently: one subprocess each
    idn, tel, mute, applied = await asyncio.gather(
        run(client, "reml.instrument.query", {
            "resource": "TCPIP0::sim-board::INSTR", "command": "*IDN?", **common}),
        run(client, "reml.instrument.telemetry", {
            "resource": "TCPIP0::sim-board::INSTR", "samples": 2, "intervalMs": 1, **common}),
        run(client, "reml.instrument.query", {
            "resource": "TCPIP0::sim-mute::INSTR", "command": "MEAS:VOLT?", "timeoutMs": 100,
            **common}),
        run(client, "reml.instrument.apply", {"regmap": str(regmap), **common}))
    assert idn["status"] == "ok" and idn["result"]["reply"] and idn["audit_id"]
    assert tel["status"] in ("ok", "warning") and len(tel["result"]["samples"]) == 2
    assert mute["exit_code"] == 7 and mute["error"]["code"] == "instrument.timeout"
    assert applied["exit_code"] != 0 and applied["error"]["code"]
    # the write to hardware was asked first, naming the map and the instrument
    assert len(asked) == 1 and "runtime/bad-mode.regmap.toml" in asked[0]
    assert "TCPIP0::sim-board" in asked[0]


async def test_timeout_ends_the_child_and_missing_runtime(client):
    await configure(client, timeoutSeconds=0.5)
    slow = await run(client, "reml.gpu.launch", {"kernel": "matmul", "backend": "numpy",
                                                  "params": {"n": 2048}, "repeat": 50})
    assert slow["exit_code"] == 7 and slow["error"]["code"] == "lsp.runtime.timeout"
    assert not Path(f"/proc/{slow['result']['pid']}").exists()  # reaped before the answer
    await configure(client, timeoutSeconds=120)
    await configure(client, command=["/nonexistent/reml-run"])
    gone = await run(client, "reml.rollback", {"state": "x.state"})
    assert gone["exit_code"] == 6 and gone["error"]["code"] == "lsp.runtime.unavailable"
    await configure(client, command=[sys.executable, "-m", "reml_lsp.cli.main"])
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=(client.root / "nothing.reml").as_uri())))
    assert symbols is None
