"""GPU runtime in process: buffer tracker, parameters, registry, and CuPy where a GPU exists."""

from __future__ import annotations

import pytest
from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.gpu.backends import CupyBackend, NumpyBackend, resolve_backend
from reml_lsp.runtime.gpu.buffers import BufferTracker
from reml_lsp.runtime.gpu.kernels import BUILTIN_KERNELS, Saxpy, parse_params
from reml_lsp.runtime.gpu.launcher import LaunchRequest, launch


@pytest.fixture(autouse=True)
def _metrics_off(monkeypatch):
    monkeypatch.setenv("REML_METRICS_FILE", "off")


def test_tracker_pairs_allocations_with_frees_and_releases_leaks() -> None:
    tracker = BufferTracker(NumpyBackend())
    a = tracker.alloc("a", (16,), "float32")
    b = tracker.alloc("b", (4, 4), "float64", "pattern")
    assert tracker.live_bytes == 16 * 4 + 16 * 8 == tracker.peak_bytes
    tracker.free(a)
    tracker.free(a)  # idempotent
    assert [r.name for r in tracker.live()] == ["b"]
    leaked = tracker.release_all()
    assert [(r.name, r.released_by) for r in leaked] == [("b", "tracker")]
    assert tracker.live_bytes == 0
    assert tracker.summary() | {} == {"allocations": 2, "freed_by_kernel": 1,
                                      "released_by_tracker": 1, "peak_bytes": 192,
                                      "limit_bytes": None}
    assert float(abs(b).max()) <= 0.5


def test_tracker_budget_is_checked_before_allocating() -> None:
    tracker = BufferTracker(NumpyBackend(), limit_bytes=100)
    tracker.alloc("small", (10,), "float32")
    with pytest.raises(BridgeError) as exc:
        tracker.alloc("big", (100,), "float32")
    assert exc.value.code == "gpu.out_of_memory" and exc.value.details["live_bytes"] == 40
    assert [r.name for r in tracker.records] == ["small"]


def test_pattern_fill_is_identical_for_every_call() -> None:
    t = BufferTracker(NumpyBackend())
    x = t.alloc("x", (1000,), "float64", "pattern", seed=7)
    y = t.alloc("y", (1000,), "float64", "pattern", seed=7)
    assert (x == y).all() and x.min() >= -0.5 and x.max() < 0.5


def test_params_are_typed_defaulted_and_checked() -> None:
    assert parse_params(Saxpy(), ["n=0x10", "a=1.5"]) == {"n": 16, "a": 1.5, "dtype": "float32"}
    for bad in (["a=nan"], ["n=1.5"], ["dtype=complex"], ["=3"]):
        with pytest.raises(BridgeError) as exc:
            parse_params(Saxpy(), bad)
        assert exc.value.code == "gpu.bad_parameter" and exc.value.kind == "usage"


def test_in_process_launch_audits_init_and_kernel(tmp_path) -> None:
    with AuditStore(tmp_path / "a.db") as store:
        doc = launch(LaunchRequest("matmul", ("n=8",), "numpy", warmup=1, repeat=3), store)
        events = [e.event for e in store.show(doc["audit_id"])]
    assert events == ["gpu.init", "gpu.kernel"]
    assert len(doc["latencies_ms"]) == 3 and doc["warmup"] == 1
    assert doc["gflops"] is not None and doc["buffers"]["allocations"] == 12


def test_every_builtin_kernel_frees_what_it_allocates() -> None:
    for kernel in BUILTIN_KERNELS:
        doc = launch(LaunchRequest(kernel.name, ("n=16",), "numpy"))
        assert doc["defects"] == [] and doc["buffers"]["released_by_tracker"] == 0


def test_unknown_backend_name() -> None:
    with pytest.raises(BridgeError) as exc:
        resolve_backend("opencl")
    assert exc.value.code == "gpu.bad_parameter"


cupy_backend, cupy_reason = CupyBackend.probe()
needs_gpu = pytest.mark.skipif(cupy_backend is None, reason=f"no CuPy GPU: {cupy_reason}")


@pytest.mark.gpu
@needs_gpu
@pytest.mark.parametrize("kernel", ["saxpy", "reduce-sum", "matmul"])
def test_cupy_matches_numpy(kernel) -> None:
    params = ("n=256",) if kernel == "matmul" else ("n=100000",)
    host = launch(LaunchRequest(kernel, params, "numpy"))
    device = launch(LaunchRequest(kernel, params, "cupy"))
    assert device["backend"] == "cupy" and device["device"]["kind"] == "cuda"
    assert device["checksum"] == pytest.approx(host["checksum"], rel=1e-3, abs=1e-2)
    assert device["defects"] == []
    assert device["nvml"]["after"].get("available") in (True, False)


@pytest.mark.gpu
@needs_gpu
def test_cupy_out_of_memory_is_a_clean_error() -> None:
    with pytest.raises(BridgeError) as exc:
        launch(LaunchRequest("reduce-sum", (f"n={1 << 40}", "dtype=float64"), "cupy"))
    assert exc.value.code == "gpu.out_of_memory"
