"""A runtime command cancelled while its ``reml-run`` child is being started (forked, pipes not
yet connected): the child is ended as a group like any other cancelled child, and the reported
result names its pid — the cancellation tests look the child up by that pid. Asyncio used to kill
the half-started process itself and the result carried no pid (a CI failure of
``test_cancel_before_commit_leaves_the_state_unchanged`` on a loaded machine)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from lsp_helpers import alive, proc_state
from reml_lsp.lsp.runtime_run import CliArgs, Progress, run_cli
from reml_lsp.lsp.server import RemlServer

pytestmark = pytest.mark.asyncio


def own_children() -> set[int]:
    """Pids whose parent is this process, zombies left out."""
    me, pids = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        state = proc_state(entry.name) if entry.name.isdigit() else None
        if state is not None and state[1] == me and state[0] != "Z":
            pids.add(int(entry.name))
    return pids


async def test_a_cancel_while_the_child_starts_ends_it_and_reports_its_pid(tmp_path: Path):
    server = RemlServer()
    server.roots = [tmp_path]
    server.settings.runtime.command = [sys.executable, "-c", "import time; time.sleep(60)"]
    sent: list[tuple[str, object]] = []
    server.protocol.notify = lambda method, params=None: sent.append((method, params))
    before = own_children()
    task = asyncio.ensure_future(run_cli(server, "reml.test", CliArgs(["wait"]),
                                         Progress(server, "test")))
    for _ in range(2_000):  # one loop turn at a time, until the fork is done
        await asyncio.sleep(0)
        started = own_children() - before
        if started:
            break
    else:
        pytest.fail("the child was never forked")
    assert not task.done()  # still starting: the pipes connect on later loop turns
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (pid,) = started
    results = [params for method, params in sent if method == "reml/runtimeResult"]
    assert len(results) == 1
    assert results[0]["status"] == "cancelled" and results[0]["result"]["pid"] == pid
    assert not alive(pid)
