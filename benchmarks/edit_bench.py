"""A long editing session against the real server over stdio (raw JSON-RPC, no client library).

    .venv/bin/python benchmarks/edit_bench.py [--edits 2000] [--big-mb 5] [--no-big]

Part 1: a ~25 KB Reml file with ~70 findings; 2,000 keystrokes (typing and deleting ` + 1` in
the bodies of different items, so findings appear and go), each sent as didChange and waited for
until its publishDiagnostics (matched by version) arrives. Prints edits/s, the server's RSS
before/after (growth), the audit rows written (after a save settles the bookkeeping) beside the
number of findings that appeared or went, and completion latency after the edits.

Part 2: a ~5 MB file: open time, per-edit time, audit DB size, RSS, and whether `shutdown` is
answered. Not a test: figures depend on the machine (and its load).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

VALID = """/// Helper {i}: a little arithmetic.
fn helper{i}(a: Int, b: Int) -> Int {{
  let s = a + b * {i}
  let t = if s > 10 then s - 1 else s + 1
  t * 2
}}

"""
BROKEN = """fn broken{i}(a: Int) -> Int {{
  let x = (a + {i}
  x
}}

"""
TYPED = " + 1"  # typed after `let s = a + b * {i}`, then deleted again


def make_text(target_bytes: int, broken_every: int) -> str:
    parts, i = [], 0
    size = 0
    while size < target_bytes:
        unit = (BROKEN if i % broken_every == broken_every - 1 else VALID).format(i=i)
        parts.append(unit)
        size += len(unit)
        i += 1
    return "".join(parts)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Server:
    def __init__(self, root: Path) -> None:
        env = {**os.environ, "REML_AUDIT_DB": str(root / ".reml" / "audit.db")}
        profile = os.environ.get("EDIT_BENCH_PROFILE")  # a cProfile output path
        wrap = ["-m", "cProfile", "-o", profile] if profile else []
        err = open(os.environ["EDIT_BENCH_STDERR"], "wb") if "EDIT_BENCH_STDERR" in os.environ \
            else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, *wrap, "-m", "reml_lsp.cli.main", "lsp", "--stdio"], cwd=root,
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._next_id = 0

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.inbox.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line == b"\r\n" and length is not None:
                    break
            self.inbox.put(json.loads(out.read(length)))

    def send(self, msg: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **msg}, ensure_ascii=False).encode("utf-8")
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any = None, timeout: float = 120) -> Any:
        self._next_id += 1
        msg_id = self._next_id
        self.send({"id": msg_id, "method": method, "params": params})
        while True:
            msg = self.wait(timeout)
            if msg.get("id") == msg_id and "method" not in msg:
                return msg

    def wait(self, timeout: float = 120) -> dict[str, Any]:
        msg = self.inbox.get(timeout=timeout)
        if msg is None:
            raise EOFError("the server exited")
        if "method" in msg and "id" in msg:  # a server → client request: answer null
            self.send({"id": msg["id"], "result": None})
        return msg

    def published(self, uri: str, version: int, timeout: float = 120) -> list[Any]:
        while True:
            msg = self.wait(timeout)
            if msg.get("method") == "textDocument/publishDiagnostics":
                p = msg["params"]
                if p["uri"] == uri and p.get("version") == version:
                    return p["diagnostics"]


def start(root: Path) -> Server:
    server = Server(root)
    caps = {"textDocument": {"publishDiagnostics": {"versionSupport": True,
                                                   "relatedInformation": True},
                             "completion": {"completionItem": {"snippetSupport": True}}},
            "general": {"positionEncodings": ["utf-16"]}}
    server.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                  "capabilities": caps})
    server.notify("initialized", {})
    return server


def position(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset)
    col = offset - (text.rfind("\n", 0, offset) + 1)
    return {"line": line, "character": col}  # ASCII text: UTF-16 == code points


def audit_rows(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT event, COUNT(*) FROM events "
                                 "WHERE event LIKE 'lsp.diagnostic.%' GROUP BY event"))


def session(root: Path, edits: int) -> None:
    text = make_text(25_000, broken_every=3)
    path = root / "src" / "edit.reml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    server = start(root)
    pid = server.proc.pid
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "reml", "version": 1, "text": text}})
    first = server.published(uri, 1)
    version = 1
    # the places typed at: after `let s = a + b * {i}` of every 7th valid item
    anchors = [text.index(f"let s = a + b * {i}\n") + len(f"let s = a + b * {i}")
               for i in range(0, 300) if f"fn helper{i}(" in text][::7]
    seen_ids = {d["data"]["audit_id"] for d in first}
    ever = set(seen_ids)
    rss_open = rss_kb(pid)

    def keystrokes(n: int, wait_each: bool = True) -> float:
        """``wait_each``: every edit waits for its own publish (a round trip per keystroke);
        otherwise they are sent as they come (an editor does not wait) and the time runs until
        the publish of the last version."""
        nonlocal text, version, seen_ids
        t0 = time.perf_counter()
        done = 0
        spot = 0
        while done < n:
            at = anchors[spot % len(anchors)]
            spot += 1
            # type " + 1" then delete it again (8 keystrokes), shifting later anchors
            for k in range(len(TYPED) * 2):
                if done >= n:
                    break
                if k < len(TYPED):
                    change = {"range": {"start": position(text, at + k),
                                        "end": position(text, at + k)}, "text": TYPED[k]}
                    text = text[:at + k] + TYPED[k] + text[at + k:]
                else:
                    j = len(TYPED) * 2 - k  # delete from the end
                    change = {"range": {"start": position(text, at + j - 1),
                                        "end": position(text, at + j)}, "text": ""}
                    text = text[:at + j - 1] + text[at + j:]
                version += 1
                server.notify("textDocument/didChange", {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [change]})
                done += 1
                if wait_each or done == n:
                    diags = server.published(uri, version)
                    ids = {d["data"]["audit_id"] for d in diags}
                    ever.update(ids)
                    seen_ids = ids
        return time.perf_counter() - t0

    keystrokes(200)  # warm-up (caches, allocator pools)
    rss_before = rss_kb(pid)
    streamed = keystrokes(edits, wait_each=False)
    rss_mid = rss_kb(pid)
    elapsed = keystrokes(edits // 4)
    rss_after = rss_kb(pid)
    # completion after the edits, in the body of an item
    lat = []
    for _ in range(5):
        t0 = time.perf_counter()
        server.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                   "position": position(text, anchors[1])})
        lat.append((time.perf_counter() - t0) * 1000)
    server.notify("textDocument/didSave", {"textDocument": {"uri": uri}, "text": text})
    t0 = time.perf_counter()
    answered = "result" in server.request("shutdown", timeout=60)
    shutdown_ms = (time.perf_counter() - t0) * 1000
    server.notify("exit", None)
    server.proc.wait(30)
    rows = audit_rows(root / ".reml" / "audit.db")
    print(f"25 KB session: {len(text):,} chars, {len(first)} findings at open, "
          f"{len(seen_ids)} at the end")
    print(f"  {edits} edits sent as typed, until the last version's publishDiagnostics: "
          f"{streamed:.2f} s = {edits / streamed:.0f} edits/s")
    print(f"  {edits // 4} edits each waiting for its own publishDiagnostics: {elapsed:.2f} s = "
          f"{edits // 4 / elapsed:.0f} edits/s ({elapsed / (edits // 4) * 1000:.1f} ms/edit)")
    print(f"  server RSS: {rss_open / 1024:.1f} MB after open, {rss_before / 1024:.1f} MB after "
          f"200 warm-up edits, {rss_mid / 1024:.1f} MB after {edits} streamed, "
          f"{rss_after / 1024:.1f} MB after {edits // 4} more: growth "
          f"{(rss_after - rss_before) / 1024:+.2f} MB "
          f"(from open {(rss_after - rss_open) / 1024:+.2f})")
    print(f"  audit rows: {sum(rows.values())} {rows}; distinct findings shown during the "
          f"session: {len(ever)}; net appeared/went since open: "
          f"{len(seen_ids ^ {d['data']['audit_id'] for d in first})}")
    print(f"  completion after the edits: median {statistics.median(lat):.1f} ms, "
          f"max {max(lat):.1f} ms")
    print(f"  shutdown answered: {answered} ({shutdown_ms:.0f} ms)")


def big(root: Path, megabytes: float, edits: int = 10) -> None:
    text = make_text(int(megabytes * 1_000_000), broken_every=3)
    path = root / "src" / "big.reml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    server = start(root)
    pid = server.proc.pid
    t0 = time.perf_counter()
    server.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "reml", "version": 1, "text": text}})
    found = server.published(uri, 1, timeout=900)
    open_s = time.perf_counter() - t0
    at = len(text) // 2
    at = text.index("let s = a + b * ", at) + len("let s = a + b * ")
    times = []
    version = 1
    for k in range(edits):
        ch = "1" if k % 2 == 0 else ""
        if ch:
            change = {"range": {"start": position(text, at), "end": position(text, at)},
                      "text": ch}
            text = text[:at] + ch + text[at:]
        else:
            change = {"range": {"start": position(text, at), "end": position(text, at + 1)},
                      "text": ""}
            text = text[:at] + text[at + 1:]
        version += 1
        t0 = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri,
                                                                  "version": version},
                                                 "contentChanges": [change]})
        server.published(uri, version, timeout=900)
        times.append((time.perf_counter() - t0) * 1000)
    server.notify("textDocument/didSave", {"textDocument": {"uri": uri}, "text": text})
    rss = rss_kb(pid)
    t0 = time.perf_counter()
    answered = "result" in server.request("shutdown", timeout=60)
    shutdown_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    server.notify("exit", None)
    try:
        code: Any = server.proc.wait(120)
    except subprocess.TimeoutExpired:
        code = "still running after 120 s (killed)"
        server.proc.kill()
        server.proc.wait()
    exit_s = time.perf_counter() - t0
    db = root / ".reml" / "audit.db"
    size = sum(p.stat().st_size for p in db.parent.glob("audit.db*")) if db.exists() else 0
    print(f"{len(text) / 1e6:.1f} MB file: {len(found)} findings, open -> first publish "
          f"{open_s:.2f} s")
    print(f"  per edit (didChange -> publish): median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms over {edits}")
    print(f"  audit DB {size / 1e6:.2f} MB ({sum(audit_rows(db).values())} rows), "
          f"server RSS {rss / 1024:.0f} MB")
    print(f"  shutdown answered: {answered} ({shutdown_ms:.0f} ms); exit: {code} "
          f"after {exit_s:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--edits", type=int, default=2000)
    ap.add_argument("--big-mb", type=float, default=5.0)
    ap.add_argument("--no-big", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        root.mkdir()
        (root / "reml.toml").write_text('[project]\nname = "bench"\nversion = "0.1.0"\n')
        session(root, args.edits)
    if not args.no_big:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "ws"
            root.mkdir()
            (root / "reml.toml").write_text('[project]\nname = "bench"\nversion = "0.1.0"\n')
            big(root, args.big_mb)


if __name__ == "__main__":
    main()
