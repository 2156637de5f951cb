"""``reml-run metrics``: the Prometheus endpoint scraped over loopback, and ``metrics show``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(cli) -> None:
    """The caller's runtime settings must not leak into these tests."""
    for name in ("REML_METRICS_FILE", "REML_METRICS_STDERR", "REML_VISA_BACKEND",
                 "REML_GPU_KERNELS"):
        cli.env.pop(name, None)


def _serve(cli, *extra: str) -> tuple[subprocess.Popen[str], dict]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "reml_lsp.cli.main", "metrics", "serve", "--port", "0",
         "--duration", "30", "--format", "json", *extra],
        cwd=cli.root, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.fail(f"metrics serve did not start: {proc.communicate(timeout=10)[1]}")
    return proc, json.loads(line)


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.status == 200
        return resp.read().decode()


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.terminate()
    try:
        return proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_exposes_gpu_and_instrument_metrics_on_loopback(cli) -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "instruments"
    sim = ["--backend", "@sim", "--sim-file", str(fixtures / "sim-devices.yaml")]
    gpu, tele = cli.many(
        ("gpu", "launch", "saxpy", "-p", "n=128", "--backend", "numpy", "--format", "json"),
        ("instrument", "telemetry", "TCPIP0::sim-faulty::INSTR", *sim, "--format", "json"))
    assert gpu.rc == 0 and tele.rc == 2
    proc, info = _serve(cli)
    try:
        assert info["host"] == "127.0.0.1" and info["status"] == "serving"
        assert info["url"].startswith("http://127.0.0.1:")
        body = _scrape(info["url"])
        assert 'reml_runtime_events_total{event="gpu.kernel"} 1.0' in body
        assert 'reml_runtime_error_rate{event="embedded.telemetry"} 1.0' in body
        assert 'reml_runtime_custom{event="embedded.telemetry",key="temperature_c"} 87.0' in body
        assert 'reml_runtime_latency_ms{event="gpu.kernel"}' in body
        # lines written while the exporter runs show up at the next scrape
        assert cli("gpu", "launch", "reduce-sum", "-p", "n=8", "--backend", "numpy").rc == 0
        assert 'reml_runtime_events_total{event="gpu.kernel"} 2.0' in _scrape(info["url"])
    finally:
        assert _stop(proc) == 0  # SIGTERM is a clean shutdown


def test_serve_on_a_busy_port_is_unavailable(cli) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        run = cli("metrics", "serve", "--port", str(port), "--format", "json", timeout=20)
    assert run.rc == 6
    assert run.json["error"]["code"] == "metrics.port_unavailable"


def test_serve_with_duration_stops_by_itself(cli) -> None:
    run = cli("metrics", "serve", "--port", "0", "--duration", "0.2", "--format", "json",
              timeout=20)
    assert run.rc == 0
    assert json.loads(run.stdout.splitlines()[0])["status"] == "serving"


def test_show_filters_and_limits(cli) -> None:
    for n in (8, 16):
        assert cli("gpu", "launch", "reduce-sum", "-p", f"n={n}", "--backend", "numpy").rc == 0
    run = cli("metrics", "show", "--event", "gpu.kernel", "--limit", "1", "--format", "json")
    assert run.rc == 0
    [last] = run.json["metrics"]
    assert last["event"] == "gpu.kernel" and last["custom"]["kernel"] == "reduce-sum"
    assert set(last) >= {"event", "audit_id", "latency_ms", "throughput_per_min", "error_rate",
                         "custom"}
    assert cli("metrics", "show", "--limit", "0", "--format", "json").rc == 3


def test_metrics_file_can_be_redirected_or_disabled(cli) -> None:
    target = cli.root / "elsewhere.jsonl"
    assert cli("gpu", "launch", "saxpy", "-p", "n=8", "--backend", "numpy",
               env={"REML_METRICS_FILE": str(target)}).rc == 0
    assert json.loads(target.read_text())["event"] == "gpu.kernel"
    off = cli("gpu", "launch", "saxpy", "-p", "n=8", "--backend", "numpy",
              env={"REML_METRICS_FILE": "off"})
    assert off.rc == 0 and not (cli.root / ".reml" / "metrics.jsonl").exists()
    err = cli("gpu", "launch", "saxpy", "-p", "n=8", "--backend", "numpy",
              env={"REML_METRICS_FILE": "-"})
    assert json.loads(err.stderr.splitlines()[-1])["event"] == "gpu.kernel"
