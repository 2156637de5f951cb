"""``reml-run gpu devices | kernels | launch KERNEL [--param k=v]... [--device N]
[--backend auto|numpy|cupy]`` — GPU kernels with audit, buffer tracking and metrics."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from reml_lsp.cli.argtypes import name
from reml_lsp.cli.commands._bridge import add_format, audit_store, emit, table

# The runtime (numpy, CuPy) is imported inside the handlers so that other commands stay fast.


def register(subparsers: Any) -> None:
    gpu = subparsers.add_parser("gpu", help="GPU devices and kernels (numpy or CuPy)")
    sub = gpu.add_subparsers(dest="gpu_command", metavar="ACTION", required=True)

    devices = sub.add_parser("devices", help="list backends and devices")
    add_format(devices)
    devices.set_defaults(func=run_devices)

    kernels = sub.add_parser("kernels", help="list kernels (built-in and plugins) and parameters")
    add_format(kernels)
    kernels.set_defaults(func=run_kernels)

    run = sub.add_parser("launch", help="launch one kernel")
    run.add_argument("kernel", type=name, help="kernel name (see `reml-run gpu kernels`)")
    run.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                     help="kernel parameter (repeatable)")
    run.add_argument("--device", type=int, default=0, help="device id (default 0)")
    run.add_argument("--backend", choices=("auto", "numpy", "cupy"), default="auto",
                     help="auto picks CuPy when a CUDA device is usable")
    run.add_argument("--repeat", type=int, default=1, help="timed launches (median reported)")
    run.add_argument("--warmup", type=int, default=0, help="untimed launches first")
    run.add_argument("--max-memory-mb", type=float, default=None,
                     help="budget for tracked buffers; a launch above it fails as OOM")
    run.add_argument("--rollback-state", type=Path, default=None, metavar="STATE",
                     help="after a severe GPU error (kernel failure, OOM, NVML error events) "
                          "roll STATE back as `reload --rollback` does (runtime-bridges §7)")
    add_format(run)
    run.set_defaults(func=run_launch)


def run_devices(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.gpu.inventory import inventory

    doc = {"status": "ok", **inventory()}
    return emit("gpu devices", doc, args.format, _render_devices)


def _render_devices(doc: dict[str, Any]) -> str:
    rows = [[d["backend"], d["id"], d["name"], d.get("memory_total_bytes"),
             (d.get("nvml") or {}).get("temperature_c")] for d in doc["devices"]]
    missing = [f"{name}: {info.get('reason')}" for name, info in doc["backends"].items()
               if not info["available"]]
    text = table(rows, ["backend", "id", "name", "memory_bytes", "temp_c"])
    return text + "".join(f"\nunavailable {m}" for m in missing)


def run_kernels(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.gpu.registry import load_registry

    registry = load_registry()
    doc = {"status": "ok", "kernels": registry.describe(), "plugin_errors": registry.errors}
    return emit("gpu kernels", doc, args.format, _render_kernels)


def _render_kernels(doc: dict[str, Any]) -> str:
    rows = [[k["name"], k["origin"], ", ".join(f"{p['name']}={p['default']}" for p in k["params"]),
             k["description"]] for k in doc["kernels"]]
    text = table(rows, ["kernel", "origin", "params (defaults)", "description"])
    return text + "".join(f"\nplugin error: {e['plugin']}: {e['error']}"
                          for e in doc["plugin_errors"])


def run_launch(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.gpu.launcher import LaunchRequest, launch

    limit = int(args.max_memory_mb * 1024 * 1024) if args.max_memory_mb is not None else None
    req = LaunchRequest(args.kernel, tuple(args.param), args.backend, args.device, args.repeat,
                        args.warmup, limit, args.rollback_state)
    with audit_store() as store, _progress(f"gpu launch {args.kernel}") as tick:
        doc = launch(req, store, tick)
    return emit("gpu launch", doc, args.format, _render_launch)


@contextmanager
def _progress(label: str) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal, once the launch has taken
    ``$REML_PROGRESS_DELAY_S`` (default 0.5 s); nothing on a pipe. A ticker thread keeps it
    moving during one long kernel, between the launcher's ``(done, total)`` reports."""
    from reml_lsp.cli.progress import BatchProgress

    bar = BatchProgress(label, stream=sys.stderr)
    if not bar.enabled:
        yield None
        return
    seen = {"done": 0, "total": 1}
    stop = threading.Event()

    def ticker() -> None:
        while True:
            bar(seen["done"], seen["total"])
            if stop.wait(0.1):
                return

    thread = threading.Thread(target=ticker, name="reml-gpu-progress", daemon=True)
    thread.start()
    try:
        yield lambda done, total: seen.update(done=done, total=total)
    finally:
        stop.set()
        thread.join(timeout=2)
        bar.close()


def _render_launch(doc: dict[str, Any]) -> str:
    lines = [
        f"{doc['kernel']} on {doc['backend']}:{doc['device']['id']} ({doc['device']['name']})",
        f"  latency_ms {doc['latency_ms']:.3f}  (median of {doc['repeat']})",
        f"  checksum   {doc['checksum']!r}",
        f"  audit_id   {doc['audit_id']}",
    ]
    if doc["gflops"]:
        lines.insert(2, f"  GFLOP/s    {doc['gflops']:.2f}")
    after = doc["nvml"]["after"]
    if after.get("available"):
        lines.append(f"  temp_c     {after.get('temperature_c')}")
    lines += [f"  defect: {d['code']}: {d['message']}" for d in doc["defects"]]
    if doc.get("rollback"):
        rb = doc["rollback"]
        lines.append(f"  rollback   {rb['status']} {rb['state']} ({rb['reason']})")
    return "\n".join(lines)
