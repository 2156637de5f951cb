"""``RuntimeMetrics`` and ``emit_metrics`` (seed §6): one JSON line per runtime event.

Where the lines go (first match wins):

* ``$REML_METRICS_FILE`` — a file path; ``-`` means stderr, ``off`` disables emission;
* otherwise ``<workspace root>/.reml/metrics.jsonl`` (the folder of the audit store).

Set ``REML_METRICS_STDERR=1`` to copy every line to stderr as well. Each line is::

    {"event", "audit_id", "latency_ms", "throughput_per_min", "error_rate", "custom",
     "timestamp", "run_id"}

The first six keys are exactly the seed's ``emit_metrics`` record; ``timestamp`` (ISO-8601 UTC) and
``run_id`` (one per process) are additions that readers may ignore. Lines are appended with one
``write`` on a file opened in append mode, so concurrent writers never interleave a line.
``reml-run metrics serve`` reads this file and exposes it to Prometheus.

Usage (from any command)::

    from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics
    emit_metrics("lint", RuntimeMetrics(latency_ms=12.5, throughput_per_min=4800.0,
                                        error_rate=0.0, last_audit_id=None,
                                        custom={"files": 3}))

``emit_metrics`` never raises: metrics must not break the operation they describe (a failure to
write is reported once on stderr).
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.audit.store import PROCESS_RUN_ID, now_iso
from reml_lsp.config.depth import text_too_deep
from reml_lsp.safefs import ensure_dir, open_nofollow
from reml_lsp.workspace import find_root, reml_dir

_warned = False


@attrs.frozen
class RuntimeMetrics:
    """Seed §6 ``RuntimeMetrics``; ``custom`` values must be JSON-serialisable."""

    latency_ms: float
    throughput_per_min: float = 0.0
    error_rate: float = 0.0
    last_audit_id: str | None = None
    custom: Mapping[str, Any] = attrs.field(factory=dict)

    @classmethod
    def for_operation(
        cls,
        latency_ms: float,
        *,
        operations: int = 1,
        errors: int = 0,
        audit_id: str | None = None,
        custom: Mapping[str, Any] | None = None,
    ) -> RuntimeMetrics:
        """Metrics of ``operations`` done in ``latency_ms`` in total, ``errors`` of them failed."""
        throughput = 60_000.0 * operations / latency_ms if latency_ms > 0 else 0.0
        rate = errors / operations if operations > 0 else 0.0
        return cls(latency_ms, throughput, rate, audit_id, dict(custom or {}))


def metrics_path(start: Path | None = None) -> Path | None:
    """The JSONL file ``emit_metrics`` appends to; ``None`` for stderr-only or disabled."""
    env = os.environ.get("REML_METRICS_FILE")
    if env in ("-", "off"):
        return None
    if env:
        return Path(env)
    return reml_dir(find_root(start or Path.cwd())) / "metrics.jsonl"


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def metrics_record(event: str, metrics: RuntimeMetrics) -> dict[str, Any]:
    """The JSON object of one metrics line (seed §6 keys first)."""
    return {
        "event": event,
        "audit_id": metrics.last_audit_id,
        "latency_ms": _finite(float(metrics.latency_ms)),
        "throughput_per_min": _finite(float(metrics.throughput_per_min)),
        "error_rate": _finite(float(metrics.error_rate)),
        "custom": dict(metrics.custom),
        "timestamp": now_iso(),
        "run_id": PROCESS_RUN_ID,
    }


def emit_metrics(event: str, metrics: RuntimeMetrics) -> dict[str, Any]:
    """Write one metrics line for ``event`` and return the record written."""
    global _warned
    record = metrics_record(event, metrics)
    line = json.dumps(record, ensure_ascii=False, default=str) + "\n"
    env = os.environ.get("REML_METRICS_FILE")
    if env == "off":
        return record
    if env == "-" or os.environ.get("REML_METRICS_STDERR") == "1":
        sys.stderr.write(line)
    path = metrics_path()
    if path is None:
        return record
    try:
        ensure_dir(path.parent)  # neither .reml nor the file may be a symlink
        fd = open_nofollow(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as exc:
        if not _warned:
            sys.stderr.write(f"reml-run: metrics not written to {path}: {exc}\n")
            _warned = True
    return record


@attrs.frozen
class SkippedLine:
    """A complete line of the metrics file that is not a record (``code``: why)."""

    offset: int  # byte offset of the line in the file
    code: str  # metrics.line.malformed | metrics.line.too_deep | metrics.line.not_a_record
    at: int | None = None  # too_deep: code-point offset in the line of the first bracket past
    #                        the limit (as config.parse.too_deep reports it)


@attrs.frozen
class MetricsRead:
    records: list[dict[str, Any]]
    offset: int  # where the next read starts (after the last complete line)
    skipped: list[SkippedLine]


def read_metrics(path: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Complete lines of ``path`` from byte ``offset``; returns the records and the new offset.

    A partial last line (a writer mid-append) is left for the next call; malformed lines are
    skipped (:func:`read_metrics_lines` says which and why)."""
    read = read_metrics_lines(path, offset)
    return read.records, read.offset


def read_metrics_lines(path: Path, offset: int = 0) -> MetricsRead:
    """:func:`read_metrics` with the lines it skipped. A line nested deeper than the config
    limit (``MAX_DEPTH``) is skipped before ``json.loads`` sees it: the decoder recurses per
    level, so ``[[[[…]]]]`` 100 000 deep raised ``RecursionError`` out of ``metrics show`` and
    the Prometheus collector (the same bound and scan as ``config.parse.too_deep``)."""
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except FileNotFoundError:
        return MetricsRead([], 0, [])
    end = data.rfind(b"\n") + 1
    records: list[dict[str, Any]] = []
    skipped: list[SkippedLine] = []
    at_byte = offset
    for raw in data[:end].split(b"\n")[:-1]:
        line_at, at_byte = at_byte, at_byte + len(raw) + 1
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            skipped.append(SkippedLine(line_at, "metrics.line.malformed"))
            continue
        deep = text_too_deep(text, "json")
        if deep is not None:
            skipped.append(SkippedLine(line_at, "metrics.line.too_deep", deep))
            continue
        try:
            obj = json.loads(text)
        except ValueError:
            skipped.append(SkippedLine(line_at, "metrics.line.malformed"))
            continue
        if isinstance(obj, dict) and isinstance(obj.get("event"), str):
            records.append(obj)
        else:
            skipped.append(SkippedLine(line_at, "metrics.line.not_a_record"))
    return MetricsRead(records, offset + end, skipped)

