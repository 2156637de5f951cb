"""One kernel launch, seed §7: init (audited), tracked buffers, timed runs, checksum, NVML health,
audit events and ``emit_metrics("gpu.kernel", ...)``.

Audit events, all under the launch's ``audit_id``:
``gpu.init`` (device id, backend, device name), ``gpu.kernel`` (latency_ms, error_code, checksum,
buffers; also written for a failed launch), ``gpu.buffer.leak`` (one per defect),
``gpu.temperature`` (NVML snapshot after the launch), ``gpu.error_event`` (one per NVML Xid event).
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.gpu.backends import resolve_backend
from reml_lsp.runtime.gpu.buffers import BufferTracker
from reml_lsp.runtime.gpu.kernels import KernelContext, KernelOutput, parse_params
from reml_lsp.runtime.gpu.nvml import NvmlWatch
from reml_lsp.runtime.gpu.recovery import is_severe, rollback_after_gpu_error
from reml_lsp.runtime.gpu.registry import load_registry
from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics


@attrs.frozen
class LaunchRequest:
    kernel: str
    params: Sequence[str] = ()
    backend: str = "auto"
    device: int = 0
    repeat: int = 1
    warmup: int = 0
    max_memory_bytes: int | None = None
    rollback_state: Path | None = None  # rolled back after a severe error (seed §7 step 3)


def _check_counts(req: LaunchRequest) -> None:
    for name, value, low in (("repeat", req.repeat, 1), ("warmup", req.warmup, 0)):
        if not low <= value <= 10_000:
            raise BridgeError("gpu.bad_parameter", f"--{name} must be in [{low}, 10000]",
                              "usage", parameter=name, value=value)
    if req.max_memory_bytes is not None and req.max_memory_bytes <= 0:
        raise BridgeError("gpu.bad_parameter", "--max-memory-mb must be positive", "usage",
                          parameter="max_memory", value=req.max_memory_bytes)


def _audit(store: AuditStore | None, event: str, audit_id: str, payload: dict[str, Any]) -> None:
    if store is not None:
        store.record(event, audit_id, payload)


def launch(req: LaunchRequest, store: AuditStore | None = None,
           progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run ``req`` and return the result document (``status`` ``ok`` or ``warning`` when the
    kernel leaked buffers). Expected failures raise ``BridgeError`` carrying the ``audit_id``;
    after a severe one, ``req.rollback_state`` is rolled back (``rollback`` in the error).
    ``progress(done, total)`` is called before the first launch and after each."""
    _check_counts(req)
    kernel = load_registry().get(req.kernel)
    params = parse_params(kernel, req.params)
    backend = resolve_backend(req.backend)
    device = backend.select(req.device)
    audit_id = str(uuid.uuid4())
    base = {"kernel": kernel.name, "backend": backend.name, "device_id": req.device}
    _audit(store, "gpu.init", audit_id, base | {"device_name": device.get("name"),
                                                  "params": params})
    watch = NvmlWatch(backend.pci_bus_id())
    before = watch.snapshot()
    tracker = BufferTracker(backend, req.max_memory_bytes)
    ctx = KernelContext(backend, tracker)
    defects: list[dict[str, Any]] = []
    output: KernelOutput | None = None
    started = time.perf_counter()
    total = req.warmup + req.repeat
    try:
        for index in range(total):
            if progress is not None:
                progress(index, total)
            output = kernel.launch(ctx, params)
            for leak in tracker.release_all():
                defects.append({"code": "gpu.buffer.leak", "launch": index,
                                "message": f"buffer {leak.name!r} ({leak.nbytes} bytes) was not "
                                           "freed by the kernel; released by the tracker",
                                "buffer": leak.as_json()})
    except BridgeError as err:
        _fail(store, audit_id, base, err, tracker, watch, started)
        _recover(req, store, audit_id, err)
        raise
    except Exception as exc:
        code = "gpu.out_of_memory" if backend.is_out_of_memory(exc) else "gpu.kernel_failed"
        err = BridgeError(code, f"kernel {kernel.name!r} failed: {type(exc).__name__}: {exc}",
                          "failure")
        _fail(store, audit_id, base, err, tracker, watch, started)
        _recover(req, store, audit_id, err)
        raise err from None
    if progress is not None:
        progress(total, total)
    total_ms = (time.perf_counter() - started) * 1000.0
    assert output is not None
    timings = ctx.timings_ms[req.warmup:] or [total_ms / max(req.repeat, 1)]
    latency = statistics.median(timings)
    after = watch.snapshot()
    events = watch.error_events()
    watch.close()
    result: dict[str, Any] = {
        "status": "warning" if defects else "ok",
        "audit_id": audit_id,
        "kernel": kernel.name,
        "backend": backend.name,
        "device": device,
        "params": params,
        "latency_ms": latency,
        "latencies_ms": timings,
        "total_ms": total_ms,
        "repeat": req.repeat,
        "warmup": req.warmup,
        "gflops": (output.flops / latency / 1e6) if output.flops and latency > 0 else None,
        "error_code": None,
        "checksum": output.checksum,
        "summary": dict(output.summary),
        "buffers": tracker.summary(),
        "defects": defects,
        "nvml": {"before": before, "after": after, "error_events": events},
    }
    _audit(store, "gpu.kernel", audit_id, base | {
        "latency_ms": latency, "error_code": None, "checksum": output.checksum,
        "buffers": tracker.summary(), "defects": len(defects)})
    for defect in defects:
        _audit(store, "gpu.buffer.leak", audit_id, base | defect)
    if after.get("available"):
        _audit(store, "gpu.temperature", audit_id, base | after)
    for event in events:
        _audit(store, "gpu.error_event", audit_id, base | event)
    if req.rollback_state is not None and is_severe(None, events):
        result["status"] = "warning"
        result["rollback"] = rollback_after_gpu_error(
            req.rollback_state, store, audit_id, f"{len(events)} NVML error event(s)")
    metrics = RuntimeMetrics.for_operation(
        latency, audit_id=audit_id,
        custom={"kernel": kernel.name, "backend": backend.name, "device_id": req.device,
                "checksum": output.checksum, "defects": len(defects),
                "temperature_c": after.get("temperature_c"), "gflops": result["gflops"]})
    result["metrics"] = emit_metrics("gpu.kernel", metrics)
    return result


def _recover(req: LaunchRequest, store: AuditStore | None, audit_id: str,
             err: BridgeError) -> None:
    """Seed §7 step 3: a severe error rolls ``--rollback-state`` back; the outcome goes with
    the error (``rollback``)."""
    if req.rollback_state is not None and is_severe(err.code):
        rollback = rollback_after_gpu_error(req.rollback_state, store, audit_id, err.code)
        err.details["rollback"] = rollback
        err.message += (f"; {rollback['state']} rolled back to version "
                        f"{rollback['version_after']}" if rollback["status"] == "rolled-back"
                        else f"; rolling {rollback['state']} back failed: "
                             f"{(rollback.get('error') or {}).get('message')}")


def _fail(store: AuditStore | None, audit_id: str, base: dict[str, Any], err: BridgeError,
          tracker: BufferTracker, watch: NvmlWatch, started: float) -> None:
    """A failed launch is still audited and measured; its buffers are released."""
    leaked = tracker.release_all()
    elapsed = (time.perf_counter() - started) * 1000.0
    watch.close()
    err.details.setdefault("audit_id", audit_id)
    err.details.setdefault("error_code", err.code)
    _audit(store, "gpu.kernel", audit_id, base | {
        "latency_ms": elapsed, "error_code": err.code, "message": err.message,
        "released_buffers": len(leaked)})
    emit_metrics("gpu.kernel", RuntimeMetrics.for_operation(
        elapsed, errors=1, audit_id=audit_id,
        custom={"kernel": base["kernel"], "backend": base["backend"], "error_code": err.code}))
