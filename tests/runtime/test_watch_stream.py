"""``reml-run watch`` on the streaming runner, in process: the config ``StreamParser`` in a
push-mode ``StreamDriver``, backpressure above the high watermark, the file-side debounce, and the
``parser.stream`` audit events (the driver's ``parser.stream.progress|pending|error`` rows and
each version's ``parser.stream`` outcome)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from reml_lsp.audit.store import AuditStore
from reml_lsp.config.errors import ConfigError
from reml_lsp.runtime.state_file import new_state, parse_state
from reml_lsp.runtime.watch import (
    DEFAULT_FLOW,
    ConfigDocumentParser,
    Debounce,
    ParsedConfig,
    Watcher,
    flow_json,
    push_flow,
)
from reml_lsp.syntax.streaming import (
    Completed,
    FlowMode,
    PendingEvent,
    PendingReason,
    Progress,
    StreamDriver,
    StreamFailure,
)

SCHEMA = {"name": "s", "version": "1.0.0",
          "fields": {"replicas": {"data_type": "Int", "required": True}}}


def _drive(path, chunks, flow, *, max_pumps=50):
    events, outcomes = [], []
    driver = StreamDriver(ConfigDocumentParser(path), None, outcomes.append, flow, events.append)
    for chunk in chunks:
        driver.push(chunk)
    driver.close()
    for _ in range(max_pumps):
        if driver.done:
            break
        driver.pump()
    return driver, events, outcomes


def test_default_flow_is_push_with_the_seed_watermarks_and_policy():
    assert DEFAULT_FLOW.mode is FlowMode.PUSH
    assert flow_json(DEFAULT_FLOW) == {
        "mode": "push", "high_watermark": 64 * 1024, "low_watermark": 16 * 1024,
        "policy": {"max_lag_ms": 16.0, "debounce_ms": 4.0}}
    with pytest.raises(StreamFailure):
        push_flow(high_watermark=1, low_watermark=2)


@pytest.mark.parametrize("chunk", [8, 10_000])  # many small pushes, or one big push
def test_backpressure_above_the_high_watermark_then_the_document_completes(tmp_path, chunk):
    data = json.dumps({"replicas": 3, "note": "x" * 200}).encode()
    chunks = [data[i:i + chunk] for i in range(0, len(data), chunk)]
    driver, events, outcomes = _drive(tmp_path / "c.json", chunks,
                                      push_flow(64, 16, debounce=0.004))
    pending = [e for e in events if isinstance(e, PendingEvent)]
    assert pending and {e.reason for e in pending} == {PendingReason.BACKPRESSURE}
    assert pending[0].meta.buffer_fill_ratio == 1.0
    assert pending[0].resume_hint == "drain below low_watermark"
    assert isinstance(events[-1], Progress)
    assert driver.done and len(outcomes) == 1 and isinstance(outcomes[0], Completed)
    assert outcomes[0].result == ParsedConfig({"replicas": 3, "note": "x" * 200}, "json")
    assert outcomes[0].meta.consumed_bytes == len(data)


def test_below_the_high_watermark_there_is_no_backpressure(tmp_path):
    data = b'replicas = 2\n'
    _, events, outcomes = _drive(tmp_path / "c.toml", [data], DEFAULT_FLOW)
    assert [type(e) for e in events] == [Progress]
    assert outcomes[0].result == ParsedConfig({"replicas": 2}, "toml")


def test_the_frame_end_comes_after_queued_data_so_split_utf8_is_decoded(tmp_path):
    path = tmp_path / "c.json"
    ok = _drive(path, [b'\xef\xbb\xbf{"a": "\xc3', b'\xa9"}'], DEFAULT_FLOW)[2]
    assert ok[0].result == ParsedConfig({"a": "\u00e9"}, "json")  # BOM dropped, é joined
    # a truncated sequence at the end of the file is a decoder finding, not silently dropped
    bad = _drive(path, [b'{"a": 1}', b"\xc3"], DEFAULT_FLOW)[2][0].result
    assert isinstance(bad, ConfigError) and bad.code == "config.parse.encoding"
    invalid = _drive(path, [b'{"a": "\xff"}'], DEFAULT_FLOW)[2][0].result
    assert isinstance(invalid, ConfigError) and invalid.code == "config.parse.encoding"
    broken = _drive(path, [b'{"a": '], DEFAULT_FLOW)[2][0].result
    assert isinstance(broken, ConfigError) and broken.code == "config.parse.invalid_json"


def test_an_empty_push_then_close_still_completes(tmp_path):
    driver, _, outcomes = _drive(tmp_path / "c.json", [], DEFAULT_FLOW)
    assert driver.done and outcomes[0].result.code == "config.parse.invalid_json"


def test_debounce_releases_the_newest_version_and_drops_superseded_ones():
    ms = 1_000_000
    flow = Debounce(0.004)
    flow.offer(b"v1", now_ns=0)
    assert flow.release(now_ns=2 * ms) is None  # still inside the debounce window
    flow.offer(b"v2", now_ns=3 * ms)  # v1 superseded before release: dropped, never pushed
    assert flow.release(now_ns=8 * ms) == (b"v2", 0)  # lag counts from the first change
    assert flow.dropped == 1 and flow.release(now_ns=100 * ms) is None


# ----------------------------------------------------------------------------- the watcher
@pytest.fixture
def files(tmp_path):
    config = tmp_path / "live.json"
    config.write_text(json.dumps({"replicas": 1}))
    state = tmp_path / "st.json"
    state.write_bytes(new_state({"replicas": 1}, "live.json", "json", SCHEMA).to_bytes())
    store = AuditStore(tmp_path / "audit.db")
    yield state, config, store
    store.close()


def _watcher(files, flow=DEFAULT_FLOW, **kw):
    state, config, store = files
    events: list[dict] = []
    return Watcher(state, config, flow=flow, emit=events.append, audit=store, **kw), events


def test_watcher_backpressure_is_reported_and_audited_and_the_version_applied(files):
    state, _, store = files
    watcher, events = _watcher(files, push_flow(64, 16), chunk_bytes=16)
    watcher.push_version(json.dumps({"replicas": 2, "note": "x" * 300}).encode())
    kinds = [e["event"] for e in events]
    assert kinds[0] == "parser.stream.pending" and kinds[-1] == "parser.stream.progress"
    assert events[0]["reason"] == "pending.backpressure"
    assert events[0]["audit_id"] == watcher.watch_id
    applied = events[-1]
    assert applied["status"] == "applied"
    assert applied["meta"]["last_reason"] == "pending.backpressure"
    assert applied["meta"]["version"] == 1
    assert parse_state(state.read_bytes(), state).config["replicas"] == 2
    # the driver's events, through the streaming audit hook, under the watch's audit_id
    pending = store.list("parser.stream.pending")
    assert pending and {e.payload["reason"] for e in pending} == {"Backpressure"}
    assert {e.audit_id for e in pending} == {watcher.watch_id}
    assert pending[0].payload["buffer_fill_ratio"] == 1.0
    progress = store.list("parser.stream.progress")
    assert len(progress) == 1 and progress[0].audit_id == watcher.watch_id
    assert progress[0].payload["consumed_bytes"] == watcher.consumed_bytes
    # the version's outcome, under the reload's audit_id
    assert [e.event for e in store.show(applied["audit_id"])] == ["reml.reload", "parser.stream"]


def test_watcher_audits_stream_events_for_good_and_bad_edits(files):
    state, _, store = files
    watcher, events = _watcher(files)
    watcher.push_version(b'{"replicas": ')  # a bad edit: rejected, the state stays live
    watcher.push_version(json.dumps({"replicas": 5}).encode())
    watcher.push_version(b'{"replicas": "\xff"}')
    statuses = [(e["event"], e.get("status")) for e in events]
    assert statuses == [("parser.stream.error", "rejected"),
                        ("parser.stream.progress", "applied"),
                        ("parser.stream.error", "rejected")]
    assert events[0]["error"]["code"] == "config.parse.invalid_json"
    assert events[2]["error"]["code"] == "config.parse.encoding"
    assert parse_state(state.read_bytes(), state).config == {"replicas": 5}
    assert watcher.counts == {"applied": 1, "rejected": 2, "unchanged": 0, "failed": 0}
    assert len(store.list("parser.stream.progress")) == 3  # one driver step per version
    assert store.list("parser.stream.pending") == []
    assert [e.payload["kind"] for e in store.list("parser.stream")] == ["error", "progress",
                                                                         "error"]


def test_watcher_flags_a_version_later_than_max_lag(files):
    _, _, store = files
    watcher, events = _watcher(files)
    watcher.push_version(json.dumps({"replicas": 1}).encode(),
                         first_change_ns=time.perf_counter_ns() - 1_000_000_000)
    assert [e["event"] for e in events] == ["parser.stream.pending", "parser.stream.progress"]
    assert events[0]["resume_hint"] == "max_lag exceeded"
    assert events[1]["status"] == "unchanged"
    assert events[1]["meta"]["lag_nanos"] >= 1_000_000_000
    assert [e.payload["resume_hint"] for e in store.list("parser.stream.pending")] == [
        "max_lag exceeded"]


def test_watcher_run_loop_hot_reloads_until_stopped(files):
    state, config, store = files
    watcher, events = _watcher(files, poll_s=0.001)
    stop = threading.Event()
    thread = threading.Thread(target=watcher.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not any(e.get("status") == "unchanged" for e in events):
            assert time.monotonic() < deadline
            time.sleep(0.005)
        config.write_text(json.dumps({"replicas": 4}))
        while not any(e.get("status") == "applied" for e in events):
            assert time.monotonic() < deadline
            time.sleep(0.005)
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()
    assert events[0]["event"] == "watch.started" and events[-1]["event"] == "watch.stopped"
    assert events[-1]["applied"] == 1 and events[-1]["consumed_bytes"] > 0
    assert parse_state(state.read_bytes(), state).config == {"replicas": 4}
    assert len(store.list("parser.stream.progress")) == 2
