"""``reml-run gpu``: the real CLI in a subprocess, numpy backend (CuPy where a GPU is present)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from reml_lsp.audit.store import AuditStore

PLUGINS = Path(__file__).resolve().parents[1] / "fixtures" / "gpu_plugins"


@pytest.fixture(autouse=True)
def _isolated_env(cli) -> None:
    """The caller's runtime settings must not leak into these tests."""
    for name in ("REML_METRICS_FILE", "REML_METRICS_STDERR", "REML_VISA_BACKEND",
                 "REML_GPU_KERNELS"):
        cli.env.pop(name, None)


def _pattern(n: int, seed: int) -> np.ndarray:
    idx = (np.arange(n, dtype=np.int64) * 7919 + 31 * seed) % 1021
    return (idx.astype(np.float64) / 1021 - 0.5).astype(np.float32)


def _events(cli, audit_id: str) -> list[str]:
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        return [e.event for e in store.show(audit_id)]


def test_devices_lists_the_host_and_says_why_cupy_is_missing(cli) -> None:
    run = cli("gpu", "devices", "--format", "json")
    assert run.rc == 0
    doc = run.json
    assert doc["status"] == "ok" and doc["exit_code"] == {"label": "success", "value": 0}
    assert doc["devices"][0]["backend"] == "numpy" and doc["devices"][0]["id"] == 0
    cupy = doc["backends"]["cupy"]
    if not cupy["available"]:
        assert cupy["reason"] and doc["auto_backend"] == "numpy"


def test_kernels_lists_builtins_with_parameters(cli) -> None:
    doc = cli("gpu", "kernels", "--format", "json").json
    names = {k["name"]: k for k in doc["kernels"]}
    assert {"saxpy", "reduce-sum", "matmul"} <= set(names)
    assert [p["name"] for p in names["saxpy"]["params"]] == ["n", "a", "dtype"]
    assert doc["plugin_errors"] == []


@pytest.mark.parametrize(
    ("kernel", "params", "expected"),
    [
        ("saxpy", ["n=1000", "a=3"], lambda: float((3 * _pattern(1000, 1) + _pattern(1000, 2))
                                                   .astype(np.float64).sum())),
        ("reduce-sum", ["n=4096"], lambda: float(_pattern(4096, 3).sum(dtype=np.float32))),
        ("matmul", ["n=32"], lambda: float((_pattern(1024, 4).reshape(32, 32)
                                            @ _pattern(1024, 5).reshape(32, 32))
                                           .astype(np.float64).sum())),
    ],
)
def test_launch_computes_the_right_checksum_and_is_audited(cli, kernel, params, expected) -> None:
    args = [x for p in params for x in ("--param", p)]
    run = cli("gpu", "launch", kernel, *args, "--backend", "numpy", "--repeat", "2",
              "--format", "json")
    assert run.rc == 0, run.stdout
    doc = run.json
    assert doc["status"] == "ok" and doc["error_code"] is None
    assert doc["checksum"] == pytest.approx(expected(), rel=1e-4, abs=1e-3)
    assert doc["latency_ms"] > 0 and len(doc["latencies_ms"]) == 2
    buffers = doc["buffers"]
    assert buffers["allocations"] == buffers["freed_by_kernel"]
    assert buffers["released_by_tracker"] == 0
    assert doc["defects"] == []
    assert doc["nvml"]["after"]["available"] is False
    assert _events(cli, doc["audit_id"]) == ["gpu.init", "gpu.kernel"]
    metrics = [json.loads(line) for line in
               (cli.root / ".reml" / "metrics.jsonl").read_text().splitlines()]
    assert metrics[-1]["event"] == "gpu.kernel"
    assert metrics[-1]["audit_id"] == doc["audit_id"] and metrics[-1]["error_rate"] == 0.0


def test_text_output_names_the_audit_id(cli) -> None:
    run = cli("gpu", "launch", "saxpy", "-p", "n=64", "--backend", "numpy")
    assert run.rc == 0
    assert "latency_ms" in run.stdout and "audit_id" in run.stdout


def test_auto_backend_falls_back_to_numpy_without_cupy(cli) -> None:
    doc = cli("gpu", "devices", "--format", "json").json
    run = cli("gpu", "launch", "reduce-sum", "-p", "n=16", "--format", "json")
    assert run.rc == 0
    assert run.json["backend"] == doc["auto_backend"]


BAD_REQUESTS = [
    (["launch", "nope"], "gpu.unknown_kernel", 3),
    (["launch", "saxpy", "-p", "n=abc"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "-p", "n=0"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "-p", f"n={(1 << 40) + 1}"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "-p", "zz=1"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "-p", "n"], "gpu.bad_parameter", 3),
    (["launch", "matmul", "-p", "dtype=int8"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "--repeat", "0"], "gpu.bad_parameter", 3),
    (["launch", "saxpy", "--backend", "numpy", "--device", "3"], "gpu.device_not_found", 6),
    (["launch", "saxpy", "--backend", "opencl"], "cli.usage", 3),
]


def test_bad_requests_give_json_errors(cli) -> None:
    runs = cli.many(*[("gpu", *args, "--format", "json") for args, _, _ in BAD_REQUESTS])
    for (args, code, rc), run in zip(BAD_REQUESTS, runs, strict=True):
        assert run.rc == rc, (args, run.stdout)
        doc = run.json
        assert doc["status"] == "error" and doc["error"]["code"] == code, args
        assert doc["exit_code"]["value"] == rc


def test_cupy_backend_missing_is_unavailable(cli) -> None:
    if cli("gpu", "devices", "--format", "json").json["backends"]["cupy"]["available"]:
        pytest.skip("CuPy and a CUDA device are present here")
    run = cli("gpu", "launch", "saxpy", "--backend", "cupy", "--format", "json")
    assert run.rc == 6
    assert run.json["error"]["code"] == "gpu.backend_unavailable"
    assert "cupy" in run.json["error"]["reason"]


def test_out_of_memory_against_the_budget_is_audited_and_measured(cli) -> None:
    run = cli("gpu", "launch", "matmul", "-p", "n=1024", "--backend", "numpy",
              "--max-memory-mb", "1", "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["code"] == "gpu.out_of_memory" and err["limit_bytes"] == 1024 * 1024
    assert err["requested_bytes"] == 1024 * 1024 * 4
    assert _events(cli, err["audit_id"]) == ["gpu.init", "gpu.kernel"]
    last = json.loads((cli.root / ".reml" / "metrics.jsonl").read_text().splitlines()[-1])
    assert last["error_rate"] == 1.0 and last["custom"]["error_code"] == "gpu.out_of_memory"


def test_out_of_memory_beyond_the_device_fails_before_allocating(cli) -> None:
    # 8 TiB: larger than any machine's free memory, refused before the allocator is asked
    run = cli("gpu", "launch", "reduce-sum", "-p", f"n={1 << 40}", "-p", "dtype=float64",
              "--backend", "numpy", "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["code"] == "gpu.out_of_memory"
    assert err["requested_bytes"] == 8 << 40 and err["free_bytes"] < err["requested_bytes"]


def test_a_leaking_plugin_kernel_is_reported_and_its_buffer_released(cli) -> None:
    env = {"REML_GPU_KERNELS": "leaky_kernel:LeakyCopy", "PYTHONPATH": str(PLUGINS)
           + ":" + cli.env.get("PYTHONPATH", "")}
    kernels = cli("gpu", "kernels", "--format", "json", env=env).json
    assert any(k["name"] == "leaky-copy" and k["origin"].startswith("REML_GPU_KERNELS")
               for k in kernels["kernels"])
    run = cli("gpu", "launch", "leaky-copy", "-p", "n=256", "--backend", "numpy",
              "--repeat", "2", "--format", "json", env=env)
    assert run.rc == 2  # a defect is a warning: the result is still valid
    doc = run.json
    assert doc["status"] == "warning"
    assert [d["buffer"]["name"] for d in doc["defects"]] == ["dst", "dst"]
    assert all(d["code"] == "gpu.buffer.leak" for d in doc["defects"])
    assert all(d["buffer"]["released_by"] == "tracker" for d in doc["defects"])
    assert doc["buffers"]["released_by_tracker"] == 2
    assert _events(cli, doc["audit_id"]) == ["gpu.init", "gpu.kernel", "gpu.buffer.leak",
                                             "gpu.buffer.leak"]


def test_broken_plugins_are_reported_not_fatal(cli) -> None:
    env = {"REML_GPU_KERNELS": "no_such_module:K,leaky_kernel:NOT_A_KERNEL",
           "PYTHONPATH": str(PLUGINS) + ":" + cli.env.get("PYTHONPATH", "")}
    doc = cli("gpu", "kernels", "--format", "json", env=env).json
    assert len(doc["plugin_errors"]) == 2
    assert {"saxpy", "matmul", "reduce-sum"} <= {k["name"] for k in doc["kernels"]}
