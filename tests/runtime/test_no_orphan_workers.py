"""Killing the server (or ``reml-run lint --jobs 2``) with SIGKILL leaves no process behind: the
worker processes of the indexer's / linter's pool and the fork server end with their owner.

Real processes only: the real server over stdio, the real CLI; the process tree is read from
/proc (Linux)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

ITEM = """fn item_{i}_{j}(x: Int, y: Int) -> Int {{
  let a = x + y * {j}
  let b = if a > 10 then a - 1 else a + 1
  b * 2
}}
"""


def _workspace(root: Path, files: int = 600, items: int = 24) -> None:
    """Enough Reml that the work goes to worker processes (the indexer parses more than 64 KB
    in a pool) and lasts long enough to see them."""
    src = root / "src"
    src.mkdir()
    for i in range(files):
        text = "".join(ITEM.format(i=i, j=j) for j in range(items))
        (src / f"m{i}.reml").write_text(text, encoding="utf-8")


def _table() -> dict[int, tuple[int, str, str]]:
    """pid → (parent pid, state, start time) for every process now."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        out[int(entry)] = (int(fields[1]), fields[0], fields[19])
    return out


def _tree(root: int) -> dict[int, str]:
    """The descendants of ``root`` (not itself): pid → start time."""
    table = _table()
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, state, start) in table.items():
            if ppid == parent and pid not in found and state != "Z":
                found[pid] = start
                frontier.append(pid)
    return found


def _living(tree: dict[int, str]) -> list[int]:
    table = _table()
    return [pid for pid, start in tree.items()
            if pid in table and table[pid][1] != "Z" and table[pid][2] == start]


def _wait_for(pid: int, ready, limit: float = 120.0) -> dict[int, str]:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        tree = _tree(pid)
        if ready(pid, tree):
            return tree
        time.sleep(0.02)
    pytest.fail("the worker processes never appeared")


def _kill_and_check(proc: subprocess.Popen, tree: dict[int, str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10.0
    left = _living(tree)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _living(tree)
    for pid in left:  # do not leak them into the rest of the run
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    assert left == [], f"processes of the killed tree still running: {left}"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REML_")}
    env["REML_CACHE_DIR"] = str(tmp_path / "cache")  # a cold cache: everything is parsed
    env["REML_AUDIT_DB"] = str(tmp_path / "audit.db")
    return env


def _frame(obj: dict) -> bytes:
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _server(tmp_path: Path, stdout: int) -> tuple[subprocess.Popen, Path]:
    """A language server (raw stdio) started in a fresh generated workspace ``tmp_path/ws``."""
    ws = tmp_path / "ws"
    ws.mkdir()
    _workspace(ws)
    proc = subprocess.Popen([sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"],
                            stdin=subprocess.PIPE, stdout=stdout,
                            stderr=subprocess.DEVNULL, cwd=ws, env=_env(tmp_path))
    return proc, ws


def _initialize(proc: subprocess.Popen, ws: Path) -> None:
    """``initialize`` + ``initialized``: the server starts indexing ``ws`` in its worker pool."""
    assert proc.stdin is not None
    proc.stdin.write(_frame({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "processId": os.getpid(), "rootUri": ws.as_uri(), "capabilities": {}}}))
    proc.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    proc.stdin.flush()


def _workers_running(pid: int, tree: dict[int, str]) -> bool:
    # the fork server is the server's child; the pool's workers are its children
    table = _table()
    return any(table.get(p, (0,))[0] != pid for p in tree)


def test_sigkilled_server_leaves_no_indexer_worker(tmp_path: Path) -> None:
    proc, ws = _server(tmp_path, subprocess.DEVNULL)
    try:
        _initialize(proc, ws)
        tree = _wait_for(proc.pid, _workers_running)
        _kill_and_check(proc, tree)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_exit_while_indexing_ends_the_protocol_stream(tmp_path: Path) -> None:
    """`shutdown` + `exit` while the pool parses: the server's stdout reaches end-of-file (no
    worker holds the protocol pipe; pytest-lsp's teardown waited on it) and nothing is left."""
    proc, ws = _server(tmp_path, subprocess.PIPE)
    eof = threading.Event()

    def drain() -> None:
        assert proc.stdout is not None
        while proc.stdout.read1(65536):
            pass
        eof.set()

    threading.Thread(target=drain, daemon=True).start()
    try:
        _initialize(proc, ws)
        tree = _wait_for(proc.pid, _workers_running)
        # once started (the initializer has run), no worker holds the protocol pipes
        protocol = {os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in (0, 1)}
        released, deadline = False, time.monotonic() + 30.0
        while not released and time.monotonic() < deadline:
            table = _table()
            workers = [p for p in _tree(proc.pid) if table.get(p, (0,))[0] != proc.pid]
            links = {}
            for pid in workers:
                try:
                    links[pid] = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in (0, 1)}
                except OSError:  # a worker that has just ended
                    pass
            released = bool(links) and all(not (fds & protocol) for fds in links.values())
            time.sleep(0.05)
        assert released, "a worker still holds the server's stdin/stdout"
        tree.update(_tree(proc.pid))
        proc.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "shutdown"}))
        proc.stdin.write(_frame({"jsonrpc": "2.0", "method": "exit"}))
        proc.stdin.flush()
        assert proc.wait(timeout=60) == 0
        # a hang detector, not a speed figure: a held pipe would never end
        assert eof.wait(60), f"the protocol stream is still open; held by {_living(tree)}"
        deadline = time.monotonic() + 10.0
        while _living(tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _living(tree) == []
    finally:
        for pid in _living(tree) if "tree" in locals() else []:
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkilled_lint_jobs_leaves_no_worker(tmp_path: Path) -> None:
    _workspace(tmp_path, files=900)
    proc = subprocess.Popen([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--jobs", "2",
                             "--no-cache", "--format", "json", "src"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
                            env=_env(tmp_path))
    try:
        tree = _wait_for(proc.pid, lambda pid, tree: len(tree) >= 2)
        _kill_and_check(proc, tree)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
