"""How fast a cancelled runtime command's ``reml-run`` child is gone (issue 14: within 1 s).

Starts the real server over stdio (raw JSON-RPC), launches a long ``reml.gpu.launch`` (numpy
matmul), finds the child in /proc, then measures the time from ``$/cancelRequest`` until the pid
is gone; and the same from a SIGKILL of the server (parent-death signal / stdin watchdog).
Prints the median and the worst of N runs::

    .venv/bin/python benchmarks/cancel_bench.py [N]
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = [sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"]


def frame(body: dict) -> bytes:
    data = json.dumps(body).encode()
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def find_child(marker: str, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    argv = (entry / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if b"gpu" in argv and marker.encode() in argv:
                    return int(entry.name)
        time.sleep(0.01)
    raise RuntimeError("child not found")


def gone_after(pid: int, action) -> float:
    time.sleep(0.5)  # let the child get into its kernel
    start = time.perf_counter()
    action()
    while alive(pid):
        time.sleep(0.001)
    return time.perf_counter() - start


def one(root: Path, repeat: int, kill_server: bool) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REML_")}
    server = subprocess.Popen(SERVER, cwd=root, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert server.stdin is not None
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize",
         "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand",
         "params": {"command": "reml.gpu.launch", "arguments": [{
             "kernel": "matmul", "backend": "numpy", "params": {"n": 1024}, "repeat": repeat}]}}]
    for message in messages:
        server.stdin.write(frame(message))
    server.stdin.flush()
    try:
        pid = find_child(f"--repeat={repeat}")
        if kill_server:
            return gone_after(pid, lambda: server.send_signal(signal.SIGKILL))
        return gone_after(pid, lambda: (server.stdin.write(frame({
            "jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 2}})),
            server.stdin.flush()))
    finally:
        server.kill()
        server.wait()
        server.stdin.close()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".git").mkdir()
        for label, kill in (("$/cancelRequest -> child gone", False),
                            ("SIGKILL of the server -> child gone", True)):
            times = [one(root, 20_000 + os.getpid() % 10_000 + i + 100 * kill, kill)
                     for i in range(runs)]
            print(f"{label}: median {statistics.median(times) * 1000:.0f} ms, "
                  f"worst {max(times) * 1000:.0f} ms over {runs} runs "
                  f"(limit 1000 ms: {'ok' if max(times) < 1 else 'EXCEEDED'})")


if __name__ == "__main__":
    main()
