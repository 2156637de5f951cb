"""Issue 13 against the real server: what a compromised client or an untrusted repository tries
through the runtime commands and settings is refused with a clear message — no code is loaded
(a module that would write a marker file is planted where it would be imported), nothing is
written outside the workspace without the user's yes, nothing is applied without confirmation."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import SERVER, SERVER_ENV, answer_prompts, start
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[2]
SIM = REPO / "fixtures" / "instruments" / "sim-devices.yaml"
RESOURCE = "TCPIP0::sim-board::INSTR"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "ws"
    (root / ".git").mkdir(parents=True)
    (root.parent / "outside").mkdir()
    shutil.copy(SIM, root / SIM.name)
    shutil.copy(REPO / "fixtures" / "instruments" / "board.regmap.toml", root / "board.toml")
    # modules an attacker plants so that an import from the workspace folder runs their code
    for module in ("pyvisa_evil", "numpy", "pyvisa"):
        (root / f"{module}.py").write_text(
            f"open({str(root / 'PWNED')!r}, 'a').write({module!r} + '\\n')\n")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV),
                    scope="module")
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.root = workspace
    await start(lsp_client, "visual-studio-code", workspace)
    yield
    await lsp_client.shutdown_session()


async def run(client, command: str, argument: dict) -> dict:
    return await client.workspace_execute_command_async(lsp.ExecuteCommandParams(
        command=command, arguments=[argument]))


def pwned(client) -> bool:
    return (client.root / "PWNED").exists()


def state_in(folder: Path, name: str) -> Path:
    """A runtime state at version 2 with one RollbackInfo (so a rollback would change it)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old.json").write_text('{"svc": {"replicas": 1}}')
    (folder / "new.json").write_text('{"svc": {"replicas": 2}}')
    cli = [sys.executable, "-m", "reml_lsp.cli.main"]
    env = {**SERVER_ENV, "REML_METRICS_FILE": "off"}
    subprocess.run([*cli, "state", "init", name, "--config", "old.json"], cwd=folder,
                   check=True, capture_output=True, env=env)
    diff = subprocess.run([*cli, "diff", "old.json", "new.json", "--format", "json"],
                          cwd=folder, capture_output=True, env=env).stdout
    (folder / "d.json").write_bytes(diff)
    subprocess.run([*cli, "reload", name, "d.json"], cwd=folder, check=True,
                   capture_output=True, env=env)
    return folder / name


async def test_option_injection_through_a_resource_is_refused(client):
    answer_prompts(client, lambda params: None)
    for command, argument in (
            ("reml.instrument.telemetry", {"resource": "--backend=@evil"}),
            ("reml.instrument.telemetry", {"resource": "--backend=/tmp/evil.so"}),
            ("reml.instrument.query", {"resource": "--backend=@evil", "command": "*IDN?"}),
            ("reml.instrument.apply", {"regmap": "board.toml", "resource": "-x"}),
            ("reml.gpu.launch", {"kernel": "--backend=cupy"}),
            ("reml.gpu.launch", {"kernel": "saxpy", "params": {"--device": 1}})):
        result = await run(client, command, argument)
        assert result["exit_code"] == 3, (command, result)
        assert result["error"]["code"] == "lsp.runtime.bad_argument"
        assert "option" in result["error"]["message"] \
            or "VISA resource name" in result["error"]["message"]
    assert not pwned(client)


async def test_a_request_cannot_choose_a_visa_library(client):
    for backend in ("@evil", "/tmp/evil.so", "evil.yaml@sim"):
        result = await run(client, "reml.instrument.query", {
            "resource": RESOURCE, "command": "*IDN?", "backend": backend})
        assert result["exit_code"] == 5 and result["error"]["code"] == \
            "lsp.runtime.backend_refused"
        assert "reml.instrument.backend" in result["error"]["message"]
    assert not pwned(client)
    ok = await run(client, "reml.instrument.query", {
        "resource": RESOURCE, "command": "*IDN?", "backend": "@sim", "simFile": SIM.name})
    assert ok["status"] == "ok", ok
    assert not pwned(client)  # neither pyvisa.py nor pyvisa_evil.py of the workspace ran


async def test_children_do_not_import_modules_planted_in_the_workspace(client):
    result = await run(client, "reml.gpu.launch", {"kernel": "saxpy", "backend": "numpy",
                                                    "params": {"n": 64}})
    assert result["status"] == "ok", result
    assert not pwned(client)  # the workspace's numpy.py was not imported


async def test_rollback_outside_the_workspace_asks_and_is_refused(client):
    outside_state = state_in(client.root.parent / "outside", "o.state")
    before = outside_state.read_bytes()
    asked: list[str] = []
    answer_prompts(client, lambda params: asked.append(params.message) or "Cancel")
    result = await run(client, "reml.rollback", {"state": "../outside/o.state"})
    assert result["exit_code"] == 5 and result["error"]["code"] == "lsp.runtime.outside_workspace"
    assert len(asked) == 1 and str(outside_state) in asked[0] and "outside" in asked[0]
    assert outside_state.read_bytes() == before


async def test_a_link_in_the_workspace_to_an_outside_state_is_asked_about(client):
    outside_state = state_in(client.root.parent / "outside" / "linked", "real.state")
    before = outside_state.read_bytes()
    (client.root / "live.state").symlink_to(outside_state)
    asked: list[str] = []
    answer_prompts(client, lambda params: asked.append(params.message) or "Cancel")
    result = await run(client, "reml.rollback", {"state": "live.state"})
    assert result["error"]["code"] == "lsp.runtime.outside_workspace"
    assert "through a symbolic link" in asked[0]
    assert outside_state.read_bytes() == before


async def test_rollback_and_apply_need_a_yes(client):
    state = state_in(client.root / "runtime", "mine.state")
    before = state.read_bytes()
    asked: list[str] = []
    answer_prompts(client, lambda params: asked.append(params.message) or "Cancel")
    back = await run(client, "reml.rollback", {"state": "runtime/mine.state"})
    assert back["status"] == "cancelled" and state.read_bytes() == before
    assert "runtime/mine.state" in asked[-1] and "version 2 to 1" in asked[-1]
    applied = await run(client, "reml.instrument.apply", {
        "regmap": "board.toml", "backend": "@sim", "simFile": SIM.name})
    assert applied["status"] == "cancelled", applied
    assert "board.toml" in asked[-1] and "TCPIP0::sim-board" in asked[-1]
    with sqlite3.connect(client.root / ".reml" / "audit.db") as db:
        writes = db.execute("SELECT COUNT(*) FROM events WHERE event LIKE 'register.%'"
                            " OR event LIKE 'interrupt.%'").fetchone()[0]
    assert writes == 0
    assert json.loads(state.read_text())["version"] == 2


async def test_audit_database_outside_the_workspace_is_not_created(client):
    target = client.root.parent / "outside" / "a" / "b" / "evil.db"
    asked: list[str] = []
    answer_prompts(client, lambda params: asked.append(params.message) or "Cancel")
    client.set_configuration({"audit": {"database": str(target)}}, section="reml")
    client.workspace_did_change_configuration(lsp.DidChangeConfigurationParams(settings=None))
    for _ in range(400):
        if asked:
            break
        await asyncio.sleep(0.05)
    assert asked and str(target) in asked[0] and "reml.audit.database" in asked[0]
    for _ in range(400):  # the refusal is shown once the answer is handled
        if any("was not allowed" in m.message for m in client.messages):
            break
        await asyncio.sleep(0.05)
    assert any("was not allowed" in m.message for m in client.messages)
    assert not (client.root.parent / "outside" / "a").exists()
