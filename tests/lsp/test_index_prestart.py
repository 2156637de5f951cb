"""The index workers' fork server starts at `initialize` when the workspace will need workers
(more than the in-process threshold, and not in the cache), so its imports and parser tables
load while the server itself starts; not for a small workspace, nor for one the cache already
holds. Real server over stdio; the process tree is read from /proc (Linux)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from lsp_helpers import proc_state
from raw_client import RawServer

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

ITEM = "fn item_{i}_{j}(x: Int) -> Int {{ x + {j} }}\n"


def workspace(root: Path, files: int, items: int) -> Path:
    (root / "src").mkdir(parents=True)
    for i in range(files):
        text = "".join(ITEM.format(i=i, j=j) for j in range(items))
        (root / "src" / f"m{i}.reml").write_text(text, encoding="utf-8")
    return root


def fork_servers(pid: int) -> list[int]:
    """The server's child processes that are a multiprocessing fork server."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        state = proc_state(entry)
        if state is None or state[1] != pid:
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if b"forkserver" in cmdline:
            out.append(int(entry))
    return out


def initialize_only(server: RawServer, root: Path) -> None:
    server.request(0, "initialize", {"processId": None, "rootUri": root.as_uri(),
                                     "capabilities": {}})
    assert "result" in server.responses(0)[-1]


def index_ready(server: RawServer) -> None:
    """`initialized`, then a workspace/symbol request: it answers once the index is built."""
    server.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
    server.request(1, "workspace/symbol", {"query": "item"})
    assert "result" in server.responses(1, timeout=300)[-1]


def test_fork_server_starts_at_initialize_only_when_workers_are_needed(tmp_path: Path):
    cache = tempfile.mkdtemp(prefix="reml-prestart-cache-")
    env = {"REML_CACHE_DIR": cache}
    big = workspace(tmp_path / "big", files=60, items=40)  # ~100 KB: more than 64 KB
    small = workspace(tmp_path / "small", files=3, items=5)

    server = RawServer(big, env)
    try:
        initialize_only(server, big)  # no `initialized` yet
        deadline = time.monotonic() + 120
        while not fork_servers(server.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fork_servers(server.proc.pid), "no fork server after initialize"
        index_ready(server)
        assert server.finish() == 0
    finally:
        server.kill()

    for root in (big, small):  # big: all in the cache now; small: indexed in-process
        server = RawServer(root, env)
        try:
            initialize_only(server, root)
            index_ready(server)
            assert fork_servers(server.proc.pid) == [], root.name
            assert server.finish() == 0
        finally:
            server.kill()
