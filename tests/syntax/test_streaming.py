"""The streaming runner (spec 2-7): chunking invariance, resume, flow control, errors."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reml_lsp.audit.store import AuditStore
from reml_lsp.syntax.incremental import ItemStreamParser, canonical
from reml_lsp.syntax.parser import ItemParser
from reml_lsp.syntax.streaming import (
    Auto,
    Await,
    BackpressureSpec,
    CancellationToken,
    Chunk,
    Closed,
    Completed,
    DemandHint,
    FeederError,
    FlowController,
    FlowMode,
    Pending,
    PendingEvent,
    PendingReason,
    Progress,
    StreamConfig,
    StreamDriver,
    StreamError,
    StreamErrorKind,
    StreamFailure,
    audit_hook,
    resume,
    run_stream,
    run_stream_async,
)

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p.read_text("utf-8") for p in sorted((ROOT / "fixtures" / "syntax").glob("*/*.reml"))]


class ListFeeder:
    def __init__(self, chunks, then=None):
        self.chunks = list(chunks)
        self.then = then or Closed()
        self.demands: list[DemandHint] = []

    def pull(self, demand):
        self.demands.append(demand)
        return Chunk(self.chunks.pop(0)) if self.chunks else self.then


def batch(text: str):
    return [(canonical(i.tree), [(x.code, x.start, x.end) for x in i.issues])
            for i in ItemParser(text).items()]


def streamed(items):
    return [(canonical(i.tree), [(x.code, x.start, x.end) for x in i.issues]) for i in items]


def test_one_chunk_equals_run():
    for text in SOURCES:
        outcome = run_stream(ItemStreamParser(), ListFeeder([text.encode()]))
        assert isinstance(outcome, Completed)
        assert streamed(outcome.result) == batch(text)
        assert outcome.meta.consumed_bytes == len(text.encode())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SOURCES), st.lists(st.integers(1, 64), min_size=1, max_size=40))
def test_any_chunking_equals_run(text, sizes):
    data = text.encode("utf-8")
    chunks, pos = [], 0
    for size in sizes * (len(data) // max(1, sum(sizes)) + 1):
        if pos >= len(data):
            break
        chunks.append(data[pos:pos + size])  # may split a UTF-8 sequence: the decoder copes
        pos += size
    if pos < len(data):
        chunks.append(data[pos:])
    outcome = run_stream(ItemStreamParser(), ListFeeder(chunks))
    assert isinstance(outcome, Completed)
    assert streamed(outcome.result) == batch(text)


def test_await_gives_pending_and_resume_completes():
    text = SOURCES[0]
    half = len(text) // 2
    feeder = ListFeeder([text[:half]], then=Await())
    outcome = run_stream(ItemStreamParser(), feeder)
    assert isinstance(outcome, Pending)
    cont = outcome.continuation
    assert cont.cmeta.commit_watermark <= half
    assert cont.cmeta.expected_tokens  # what the parser wants next at the buffer end
    feeder.then = Closed()
    done = resume(cont, text[half:])
    assert isinstance(done, Completed)
    assert done.meta.resume_count == 1
    assert cont.cmeta.resume_lineage
    assert streamed(done.result) == batch(text)


def test_truly_invalid_utf8_is_a_located_decoder_failure():
    parser = ItemStreamParser()
    run_stream(parser, ListFeeder([b"fn a() = 1\n", b"\xff", b"\n"]))
    assert [(i.code, i.start) for i in parser.extra] == [("parser.stream.decoder_failed", 11)]


def test_split_utf8_sequence_is_not_an_error():
    data = "let ユーザー = 1\n".encode()
    cut = data.index("ユ".encode()) + 1
    parser = ItemStreamParser()
    outcome = run_stream(parser, ListFeeder([data[:cut], data[cut:]]))
    assert isinstance(outcome, Completed)
    assert parser.extra == []
    assert [i for item in outcome.result for i in item.issues] == []


def test_feeder_error_raises_with_continuation():
    err = StreamError(StreamErrorKind.IO_FAILED, "disk gone")
    with pytest.raises(StreamFailure) as info:
        run_stream(ItemStreamParser(), ListFeeder(["fn a() = "], then=FeederError(err)))
    assert info.value.error.kind is StreamErrorKind.IO_FAILED
    assert info.value.continuation is not None


def test_invalid_watermarks_are_a_feeder_bug():
    flow = FlowController(high_watermark=10, low_watermark=20)
    with pytest.raises(StreamFailure) as info:
        run_stream(ItemStreamParser(), ListFeeder([]), StreamConfig(flow=flow))
    assert info.value.error.kind is StreamErrorKind.FEEDER_BUG
    with pytest.raises(StreamFailure):
        StreamDriver(ItemStreamParser(), None, lambda o: None, flow)


def test_pull_mode_driver_steps_and_reports():
    events, outcomes = [], []
    feeder = ListFeeder(["fn a() = 1\n", "fn b() = 2\n"])
    driver = StreamDriver(ItemStreamParser(), feeder, outcomes.append,
                          FlowController(mode=FlowMode.PULL), events.append)
    while not driver.done:
        driver.pump()
    assert isinstance(outcomes[-1], Completed)
    assert len(outcomes[-1].result) == 2
    assert any(isinstance(e, Progress) for e in events)
    assert driver.meta.resume_count >= 1


def test_push_mode_backpressure_above_high_watermark():
    events, outcomes = [], []
    flow = FlowController(mode=FlowMode.PUSH, high_watermark=16, low_watermark=4,
                          policy=Auto(BackpressureSpec(max_lag=0.016, debounce=None)))
    driver = StreamDriver(ItemStreamParser(), None, outcomes.append, flow, events.append)
    driver.push("fn a() = 1\n" * 5)  # 55 bytes > high watermark
    driver.pump()
    assert any(isinstance(e, PendingEvent) and e.reason is PendingReason.BACKPRESSURE
               for e in events)
    while driver.queue:
        driver.pump()
    driver.close()
    driver.pump()
    assert isinstance(outcomes[-1], Completed)
    assert len(outcomes[-1].result) == 5


def test_push_mode_without_data_is_input_exhausted():
    events = []
    driver = StreamDriver(ItemStreamParser(), None, lambda o: None,
                          FlowController(mode=FlowMode.PUSH), events.append)
    assert driver.pump() is None
    assert events and events[-1].reason is PendingReason.INPUT_EXHAUSTED


def test_hybrid_mode_prefers_pushed_data_then_pulls():
    outcomes = []
    feeder = ListFeeder(["fn b() = 2\n"])
    driver = StreamDriver(ItemStreamParser(), feeder, outcomes.append,
                          FlowController(mode=FlowMode.HYBRID))
    driver.push("fn a() = 1\n")
    driver.pump()
    assert feeder.demands == []
    while not driver.done:
        driver.pump()
    names = [next(i.tree.find_data("fn_name")).children[0] for i in outcomes[-1].result]
    assert names == ["a", "b"]


def test_default_hook_writes_parser_stream_audit_events(tmp_path):
    store = AuditStore(tmp_path / "audit.db")
    hook = audit_hook(store, "stream-1")
    driver = StreamDriver(ItemStreamParser(), ListFeeder(["fn a() = 1\n"], then=Await()),
                          lambda o: None, FlowController(mode=FlowMode.PULL), hook)
    driver.pump()
    driver.pump()
    events = [e.event for e in store.show("stream-1")]
    assert "parser.stream.progress" in events
    assert "parser.stream.pending" in events


def test_async_variant_with_max_inflight_and_cancellation():
    chunks = ["fn a() = 1\n", "fn b() = 2\n", "fn c() = 3\n"]

    async def feeder(demand):
        await asyncio.sleep(0)
        return Chunk(chunks.pop(0)) if chunks else Closed()

    done = asyncio.run(run_stream_async(ItemStreamParser(), feeder, max_inflight=2))
    assert len(done.result) == 3

    async def slow(demand):
        await asyncio.sleep(0.01)
        return Chunk("fn x() = ")

    async def cancel_soon():
        token = CancellationToken()
        task = asyncio.ensure_future(run_stream_async(ItemStreamParser(), slow,
                                                      cancellation=token))
        await asyncio.sleep(0.03)
        token.cancel()
        return await task

    with pytest.raises(StreamFailure) as info:
        asyncio.run(cancel_soon())
    assert info.value.error.kind is StreamErrorKind.USER_CANCELLED


def test_the_audit_sink_gets_the_stream_events(tmp_path):
    """The runner opens no store itself: the caller's sink (here the store's ``record``) gets
    the events under the driver's audit_id."""
    store = AuditStore(tmp_path / "audit.db")
    driver = StreamDriver(ItemStreamParser(), ListFeeder(["fn a() = 1\n"]), lambda o: None,
                          FlowController(mode=FlowMode.PULL), audit=store.record)
    while not driver.done:
        driver.pump()
    assert "parser.stream.progress" in {e.event for e in store.show(driver.audit_id)}
    quiet = StreamDriver(ItemStreamParser(), ListFeeder(["fn b() = 2\n"]), lambda o: None,
                         FlowController(mode=FlowMode.PULL))
    while not quiet.done:
        quiet.pump()
    assert store.show(quiet.audit_id) == []
