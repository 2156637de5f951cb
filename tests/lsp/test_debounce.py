"""``lsp.debounce.Debounce``: a burst of changes is one action run and one task (indexing pokes
it thousands of times); a change while the action runs cancels that run and runs it again."""

from __future__ import annotations

import asyncio

import pytest
from reml_lsp.lsp.debounce import Debounce

pytestmark = pytest.mark.asyncio


async def test_a_burst_of_changes_is_one_task_and_one_run():
    runs: list[int] = []

    async def action() -> None:
        runs.append(len(runs))

    debounce = Debounce(0.01, action)
    before = len(asyncio.all_tasks())
    for _ in range(1_000):
        debounce.poke()
    assert len(asyncio.all_tasks()) == before + 1
    while debounce.pending:
        await asyncio.sleep(0.01)
    assert runs == [0]


async def test_a_change_while_waiting_moves_the_deadline():
    runs: list[float] = []
    loop = asyncio.get_running_loop()

    async def action() -> None:
        runs.append(loop.time())

    debounce = Debounce(0.2, action)
    debounce.poke()
    await asyncio.sleep(0.1)
    last = loop.time()
    debounce.poke()
    while debounce.pending:
        await asyncio.sleep(0.01)
    assert len(runs) == 1 and runs[0] >= last + 0.2


async def test_a_change_while_the_action_runs_cancels_it_and_runs_again():
    started: list[int] = []
    finished: list[int] = []
    cancelled: list[int] = []
    release = asyncio.Event()

    async def action() -> None:
        run = len(started)
        started.append(run)
        try:
            await release.wait()
        except asyncio.CancelledError:
            cancelled.append(run)
            raise
        finished.append(run)

    debounce = Debounce(0.0, action)
    debounce.poke()
    while not started:
        await asyncio.sleep(0)
    debounce.poke()  # the index changed under the first run
    release.set()
    while debounce.pending:
        await asyncio.sleep(0.01)
    assert (started, cancelled, finished) == ([0, 1], [0], [1])


async def test_cancel_stops_a_waiting_action_and_a_change_after_it_runs_it():
    runs: list[int] = []

    async def action() -> None:
        runs.append(1)

    debounce = Debounce(0.05, action)
    debounce.poke()
    debounce.cancel()
    await asyncio.sleep(0.1)
    assert runs == [] and not debounce.pending
    debounce.poke()
    debounce.cancel()
    debounce.poke()  # right after a cancel, before the cancelled task has ended
    while debounce.pending:
        await asyncio.sleep(0.01)
    assert runs == [1]
