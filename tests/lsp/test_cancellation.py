"""Cancelling runtime commands really ends the ``reml-run`` child (issue 14): after
``$/cancelRequest`` or the progress's Cancel button the child's pid is gone for gpu launch, reload
and instrument apply; a reload cancelled before its commit point leaves the state file as it was;
killing the server with SIGKILL leaves no child behind.

The server runs with ``REML_CANCEL_TEST_DELAY_MS`` so that reload and apply children wait at their
commit point long enough for the cancel to land before it. The child is found in ``/proc`` by its
command line, independently of the server."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import SERVER, SERVER_ENV, alive, answer_prompts, start
from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcRequestCancelled
from pytest_lsp import ClientServerConfig, LanguageClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

REPO = Path(__file__).resolve().parents[2]
SIM = REPO / "fixtures" / "instruments" / "sim-devices.yaml"
ENV = {**SERVER_ENV, "REML_CANCEL_TEST_DELAY_MS": "20000"}
# A --repeat value no other test run uses, inside the launcher's [1, 10000]: a value outside it
# was refused before the kernel ran, and the test only passed while the child started slowly.
UNIQUE = 1_000 + os.getpid() % 8_000


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cancel") / "ws"
    (root / ".git").mkdir(parents=True)
    shutil.copy(SIM, root / SIM.name)
    shutil.copy(REPO / "fixtures" / "instruments" / "board.regmap.toml", root / "board.toml")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV),
                    scope="module")
async def client(lsp_client: LanguageClient, workspace: Path):
    lsp_client.root = workspace
    lsp_client.results = []

    @lsp_client.feature("reml/runtimeResult")
    def runtime_result(params):
        lsp_client.results.append(plain(params))
    await start(lsp_client, "visual-studio-code", workspace)
    yield
    await lsp_client.shutdown_session()


def plain(value):
    """pygls hands custom notifications over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def reml_children(*words: str, exclude: str | None = None) -> list[int]:
    """Pids of ``reml_lsp.cli.main`` processes whose command line holds every word."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "reml_lsp.cli.main" in argv and all(w in argv for w in words) \
                and (exclude is None or exclude not in argv):
            found.append(int(entry.name))
    return found


async def child_of(*words: str, exclude: str | None = None) -> int:
    for _ in range(600):  # the child appears once the server has checked the request
        pids = reml_children(*words, exclude=exclude)
        if pids:
            return pids[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no reml-run child with {words}")


def execute(client: LanguageClient, command: str, argument: dict) -> asyncio.Future:
    return asyncio.ensure_future(client.workspace_execute_command_async(
        lsp.ExecuteCommandParams(command=command, arguments=[argument])))


def cancel_request(client: LanguageClient) -> None:
    msg_id = list(client.protocol._request_futures)[-1]
    client.protocol.notify(lsp.CANCEL_REQUEST, lsp.CancelParams(id=msg_id))


async def reported(client: LanguageClient, command: str) -> dict:
    for _ in range(600):
        for result in client.results:
            if result["command"] == command:
                client.results.remove(result)
                return result
        await asyncio.sleep(0.05)
    raise AssertionError(f"no reml/runtimeResult for {command}")


async def test_cancel_request_ends_gpu_launch(client):
    client.results.clear()
    request = execute(client, "reml.gpu.launch", {
        "kernel": "matmul", "backend": "numpy", "params": {"n": 1536}, "repeat": UNIQUE})
    pid = await child_of("gpu", f"--repeat={UNIQUE}")
    await asyncio.sleep(0.3)  # let it get into the kernel
    cancel_request(client)
    with pytest.raises(JsonRpcRequestCancelled):
        await request
    result = await reported(client, "reml.gpu.launch")  # sent once the child was reaped
    assert result["status"] == "cancelled" and result["result"]["pid"] == pid
    assert not alive(pid)


async def test_cancel_before_commit_leaves_the_state_unchanged(client):
    root = client.root
    (root / "old.json").write_text('{"svc": {"replicas": 1}}')
    (root / "new.json").write_text('{"svc": {"replicas": 2}}')
    subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "state", "init", "live.state",
                    "--config", "old.json"], cwd=root, check=True, capture_output=True,
                   env=SERVER_ENV)
    state = root / "live.state"
    before = state.read_bytes()
    answer_prompts(client, lambda params: "Apply")
    client.results.clear()
    request = execute(client, "reml.reload", {"state": "live.state", "old": "old.json",
                                              "new": "new.json"})
    pid = await child_of("reload", str(state), exclude="--dry-run")
    cancel_request(client)
    with pytest.raises(JsonRpcRequestCancelled):
        await request
    result = await reported(client, "reml.reload")
    assert result["status"] == "cancelled" and result["result"]["pid"] == pid
    assert not alive(pid)
    assert state.read_bytes() == before
    assert json.loads(before)["version"] == 1
    assert not Path(f"{state}.rollback.json").exists()


async def test_progress_cancel_ends_instrument_apply_before_any_write(client):
    regmap = client.root / "board.toml"
    answer_prompts(client, lambda params: "Apply")
    client.results.clear()
    request = execute(client, "reml.instrument.apply", {
        "regmap": str(regmap), "backend": "@sim", "simFile": SIM.name})
    pid = await child_of("apply", str(regmap), exclude="--dry-run")
    tokens = [t for t in client.progress_reports if str(t).startswith("reml-run-")]
    client.protocol.notify(lsp.WINDOW_WORK_DONE_PROGRESS_CANCEL,
                           lsp.WorkDoneProgressCancelParams(token=tokens[-1]))
    result = await asyncio.wait_for(request, 60)
    assert result["status"] == "cancelled" and result["exit_code"] == 130
    assert result["result"]["pid"] == pid and not alive(pid)
    with sqlite3.connect(client.root / ".reml" / "audit.db") as db:
        writes = db.execute("SELECT COUNT(*) FROM events WHERE event LIKE 'register.%'"
                            " OR event LIKE 'interrupt.%'").fetchone()[0]
    assert writes == 0


def _frame(body: dict) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


async def test_killing_the_server_leaves_no_child(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    server = subprocess.Popen(SERVER, cwd=tmp_path, env=SERVER_ENV, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert server.stdin is not None
    for message in (
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}},
            {"jsonrpc": "2.0", "method": "initialized", "params": {}},
            {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
             "params": {"command": "reml.gpu.launch", "arguments": [{
                 "kernel": "matmul", "backend": "numpy", "params": {"n": 1024},
                 "repeat": UNIQUE + 1}]}}):
        server.stdin.write(_frame(message))
    server.stdin.flush()
    try:
        pid = await child_of("gpu", f"--repeat={UNIQUE + 1}")
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
        server.stdin.close()
    deadline = time.monotonic() + 30  # generous on a loaded machine; benchmarks time it
    while alive(pid) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert not alive(pid)
    assert os.path.exists("/proc")  # the check above really looked
