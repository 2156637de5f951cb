"""FlowController and StreamDriver per runtime-bridges §9: modes by name (unknown ones refused),
``adjust(dt)`` on each game tick, ``throttle`` and ``max_lag`` enforced by the driver itself, and
``run_stream_async`` cancellable while its feeder is pending."""

from __future__ import annotations

import asyncio
import time

import pytest
from reml_lsp.syntax.incremental import ItemStreamParser
from reml_lsp.syntax.streaming import (
    Auto,
    BackpressureSpec,
    CancellationToken,
    Completed,
    FlowController,
    FlowMode,
    Manual,
    PendingEvent,
    PendingReason,
    StreamDriver,
    StreamErrorKind,
    StreamFailure,
    run_stream_async,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def game_flow(**spec) -> FlowController:
    return FlowController("push", 64 * 1024, 16 * 1024,
                          Auto(BackpressureSpec(**{"max_lag": 0.016, **spec})))


def test_modes_by_name_and_unknown_modes_refused():
    assert FlowController(mode="pull").mode is FlowMode.PULL
    assert FlowController().with_mode("Push").mode is FlowMode.PUSH
    for bad in ("pul", "", "pull-ish", 3):
        with pytest.raises(StreamFailure) as info:
            FlowController(mode=bad)
        assert info.value.error.kind is StreamErrorKind.FEEDER_BUG
        assert "unknown FlowMode" in info.value.error.message
        assert "auto, push, pull, hybrid" in info.value.error.message
    with pytest.raises(StreamFailure):
        FlowController().with_mode("pul")
    with pytest.raises(StreamFailure, match="duration"):
        BackpressureSpec(throttle=-1)


def test_adjust_shrinks_on_slow_frames_and_recovers_on_fast_ones():
    flow = game_flow()
    slow = flow.adjust(0.033)  # a 33 ms frame against a 16 ms budget
    assert slow.high_watermark == 32 * 1024 and slow.ceiling == 64 * 1024
    floor = slow
    for _ in range(10):
        floor = floor.adjust(0.050)
    assert floor.high_watermark == floor.low_watermark == 16 * 1024
    steady = floor.adjust(0.012)  # within budget but not under half: unchanged
    assert steady.high_watermark == floor.high_watermark
    fast = steady
    for _ in range(10):
        fast = fast.adjust(0.004)
    assert fast.high_watermark == 64 * 1024  # back to the configured ceiling, not beyond
    manual = FlowController(policy=Manual())
    assert manual.adjust(1.0) is manual
    with pytest.raises(StreamFailure):
        flow.adjust(-0.001)


def test_driver_follows_an_adjusted_flow_between_pumps():
    events: list = []
    clock = Clock()
    driver = StreamDriver(ItemStreamParser(), None, lambda o: None, game_flow(max_lag=None),
                          events.append, clock=clock)
    driver.flow = FlowController("push", 8, 4, Auto(BackpressureSpec()))
    driver.push("fn a() = 1\n")  # 11 bytes > the new high watermark of 8
    driver.pump()
    assert any(isinstance(e, PendingEvent) and e.reason is PendingReason.BACKPRESSURE
               for e in events)


def test_throttle_allows_one_parser_step_per_window():
    clock = Clock()
    outcomes: list = []
    flow = FlowController("push", 1 << 20, 0, Auto(BackpressureSpec(throttle=0.050)))
    driver = StreamDriver(ItemStreamParser(), None, outcomes.append, flow,
                          lambda e: None, clock=clock)
    driver.push("fn a() = 1\n")
    assert driver.pump() is not None
    driver.push("fn b() = 2\n")
    assert driver.pump() is None and driver.queue  # inside the window: not even drained
    clock.now += 0.049
    assert driver.pump() is None
    clock.now += 0.002
    assert driver.pump() is not None and not driver.queue
    driver.close()
    clock.now += 1
    driver.pump()
    assert isinstance(outcomes[-1], Completed) and len(outcomes[-1].result) == 2


def test_the_driver_enforces_max_lag_itself():
    """A stream older than max_lag is reported once (Backpressure, "max_lag exceeded") and is
    no longer delayed by debounce, throttle or watermark draining."""
    clock = Clock()
    events: list = []
    flow = FlowController("push", 4, 2, Auto(BackpressureSpec(
        max_lag=0.016, debounce=10.0, throttle=10.0)))
    driver = StreamDriver(ItemStreamParser(), None, lambda o: None, flow, events.append,
                          clock=clock)
    driver.state.started_ns = time.perf_counter_ns() - 1_000_000_000  # a second late
    driver.push("fn a() = 1\nfn b() = 2\n")  # over the high watermark of 4
    driver.pump()
    assert driver.lagging
    late = [e for e in events if isinstance(e, PendingEvent)]
    assert [e.resume_hint for e in late] == ["max_lag exceeded"]
    assert late[0].reason is PendingReason.BACKPRESSURE
    assert late[0].meta.lag_nanos >= 1_000_000_000
    assert not driver.queue  # drained at once, no low-watermark steps
    driver.close()
    driver.pump()  # no throttle window although the clock did not move
    assert driver.done
    assert len([e for e in events if isinstance(e, PendingEvent)]) == 1  # reported once


def test_run_stream_async_cancels_while_the_feeder_is_pending():
    async def scenario():
        never: asyncio.Future = asyncio.get_running_loop().create_future()

        async def stuck_feeder(demand):
            return await never  # an SSE fetch that never answers

        token = CancellationToken()
        task = asyncio.ensure_future(run_stream_async(ItemStreamParser(), stuck_feeder,
                                                      max_inflight=1, cancellation=token))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert not task.done()
        token.cancel()
        # bounded so that a regression fails instead of hanging; TimeoutError is not
        # StreamFailure, so the assertion below cannot be satisfied by the bound
        return await asyncio.wait_for(task, 30)

    with pytest.raises(StreamFailure) as info:
        asyncio.run(scenario())
    assert info.value.error.kind is StreamErrorKind.USER_CANCELLED
