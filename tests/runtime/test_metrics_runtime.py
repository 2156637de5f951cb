"""RuntimeMetrics / emit_metrics (seed §6) and the Prometheus collector, in process."""

from __future__ import annotations

import json
import threading

import pytest
from prometheus_client.exposition import generate_latest
from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics, metrics_path, read_metrics
from reml_lsp.runtime.metrics_exporter import build_registry

SEED_KEYS = ["event", "audit_id", "latency_ms", "throughput_per_min", "error_rate", "custom"]


@pytest.fixture
def metrics_file(tmp_path, monkeypatch):
    path = tmp_path / "m.jsonl"
    monkeypatch.setenv("REML_METRICS_FILE", str(path))
    monkeypatch.delenv("REML_METRICS_STDERR", raising=False)
    return path


def test_emit_writes_the_seed_record_as_one_line(metrics_file) -> None:
    m = RuntimeMetrics(12.5, 4800.0, 0.25, "a-id", {"files": 3})
    record = emit_metrics("lint", m)
    [line] = metrics_file.read_text().splitlines()
    assert json.loads(line) == record
    assert list(record)[:6] == SEED_KEYS
    assert record["audit_id"] == "a-id" and record["custom"] == {"files": 3}
    assert record["timestamp"].endswith("Z") and record["run_id"]


def test_for_operation_derives_throughput_and_error_rate() -> None:
    m = RuntimeMetrics.for_operation(500.0, operations=10, errors=2, audit_id="x")
    assert m.throughput_per_min == pytest.approx(1200.0)
    assert m.error_rate == pytest.approx(0.2)
    assert RuntimeMetrics.for_operation(0.0).throughput_per_min == 0.0


def test_non_finite_values_become_null(metrics_file) -> None:
    record = emit_metrics("x", RuntimeMetrics(float("nan"), float("inf")))
    assert record["latency_ms"] is None and record["throughput_per_min"] is None
    json.loads(metrics_file.read_text())  # still valid JSON


def test_concurrent_writers_never_interleave_lines(metrics_file) -> None:
    def burst(k: int) -> None:
        for i in range(200):
            emit_metrics("burst", RuntimeMetrics(1.0, custom={"k": k, "i": i, "pad": "x" * 500}))

    threads = [threading.Thread(target=burst, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records, _ = read_metrics(metrics_file)
    assert len(records) == 800


def test_read_metrics_skips_partial_and_malformed_lines(tmp_path) -> None:
    path = tmp_path / "m.jsonl"
    path.write_bytes(b'{"event": "a", "latency_ms": 1}\nnot json\n{"no_event": 1}\n{"event": "b"')
    records, offset = read_metrics(path)
    assert [r["event"] for r in records] == ["a"]
    with path.open("ab") as fh:
        fh.write(b', "latency_ms": 2}\n')
    more, _ = read_metrics(path, offset)
    assert [r["event"] for r in more] == ["b"]


def test_unwritable_metrics_file_does_not_fail_the_operation(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("REML_METRICS_FILE", str(blocker / "m.jsonl"))
    emit_metrics("x", RuntimeMetrics(1.0))
    assert "metrics not written" in capsys.readouterr().err


def test_metrics_path_defaults_to_the_workspace(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("REML_METRICS_FILE", raising=False)
    (tmp_path / "reml.toml").write_text("")
    assert metrics_path(tmp_path) == tmp_path / ".reml" / "metrics.jsonl"
    monkeypatch.setenv("REML_METRICS_FILE", "off")
    assert metrics_path(tmp_path) is None


def test_collector_aggregates_per_event_and_follows_the_file(metrics_file) -> None:
    registry = build_registry(metrics_file)
    emit_metrics("gpu.kernel", RuntimeMetrics(2.0, 30000.0, 0.0, "a", {"temperature_c": 55,
                                                                       "kernel": "saxpy"}))
    emit_metrics("gpu.kernel", RuntimeMetrics(4.0, 15000.0, 1.0, "b", {}))
    text = generate_latest(registry).decode()
    assert 'reml_runtime_events_total{event="gpu.kernel"} 2.0' in text
    assert 'reml_runtime_latency_ms{event="gpu.kernel"} 4.0' in text
    assert 'reml_runtime_busy_ms_total{event="gpu.kernel"} 6.0' in text
    assert 'reml_runtime_error_rate{event="gpu.kernel"} 1.0' in text
    assert 'reml_runtime_custom{event="gpu.kernel",key="temperature_c"} 55.0' in text
    assert 'key="kernel"' not in text  # strings are not metrics
    metrics_file.write_text("")  # truncated: the collector starts again
    emit_metrics("lint", RuntimeMetrics(1.0))
    text = generate_latest(registry).decode()
    assert 'event="gpu.kernel"' not in text
    assert 'reml_runtime_events_total{event="lint"} 1.0' in text


def test_read_metrics_skips_a_line_nested_past_the_config_limit(tmp_path) -> None:
    """A line nested 100 000 deep used to raise RecursionError out of json.loads (metrics show,
    the Prometheus collector). It is skipped with its location, the lines around it are read."""
    from reml_lsp.config.depth import MAX_DEPTH
    from reml_lsp.runtime.metrics import read_metrics_lines

    deep = b'{"event": "deep", "custom": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    at_limit = (b'{"event": "limit", "custom": ' + b"[" * (MAX_DEPTH - 1)
                + b"]" * (MAX_DEPTH - 1) + b"}")
    first = b'{"event": "a"}\n'
    path = tmp_path / "m.jsonl"
    path.write_bytes(first + deep + b"\n" + at_limit + b"\n" + b'{"event": "b"}\n')
    read = read_metrics_lines(path)
    assert [r["event"] for r in read.records] == ["a", "limit", "b"]
    assert [(s.offset, s.code) for s in read.skipped] == [(len(first), "metrics.line.too_deep")]
    # The bracket that opens level MAX_DEPTH + 1 (the record's `{` is level 1), counted in the
    # line, as config.parse.too_deep locates it.
    assert read.skipped[0].at == deep.index(b"[") + MAX_DEPTH - 1
    assert read.offset == path.stat().st_size
    records, offset = read_metrics(path)
    assert [r["event"] for r in records] == ["a", "limit", "b"] and offset == read.offset


def test_read_metrics_lines_says_why_each_line_was_skipped(tmp_path) -> None:
    from reml_lsp.runtime.metrics import read_metrics_lines

    path = tmp_path / "m.jsonl"
    path.write_bytes(b'not json\n\xff\xfe\n[1, 2]\n{"event": "a"}\n')
    read = read_metrics_lines(path)
    assert [r["event"] for r in read.records] == ["a"]
    assert [(s.offset, s.code) for s in read.skipped] == [
        (0, "metrics.line.malformed"), (9, "metrics.line.malformed"),
        (12, "metrics.line.not_a_record")]
