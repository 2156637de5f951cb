"""Workspace-scale figures (issue 15): a generated workspace of N modules × L lines with
cross-module `use` imports, measured through a real server over stdio and real `reml-run lint`
processes. Prints figures and the targets; asserts nothing.

    .venv/bin/python benchmarks/workspace_bench.py                  # 2,000 modules × 200 lines
    .venv/bin/python benchmarks/workspace_bench.py --modules 200    # a quick run

The cache goes to a temporary folder (REML_CACHE_DIR): "cold" = empty cache, "warm" = a second
server / lint run over the unchanged workspace with the cache the first one left. The code
under test is a snapshot of server/reml_lsp taken at the start (the cache is keyed by the tool's
own source, which other work in the tree may be changing while this runs).
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen import generate

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


# -- the workspace -------------------------------------------------------------------------------
def module_name(i: int) -> str:
    return f"ws.p{i // 100}.m{i}"


def deps_of(i: int, n: int) -> list[int]:
    return sorted({(i * 7 + 1) % n, (i * 13 + 5) % n, (i + 1) % n} - {i})


def write_workspace(root: Path, modules: int, lines: int) -> int:
    total = 0
    for i in range(modules):
        deps = deps_of(i, modules)
        head = [f"module {module_name(i)}", ""]
        head += [f"use {module_name(j)}.{{api_{j}}}" for j in deps]
        head += [f"use {module_name(j)} as dep{n}" for n, j in enumerate(deps)]
        head += ["", f"/// The entry point of module {i}.",
                 f"pub fn api_{i}(x: Int) -> Int {{ x + {i} }}", ""]
        calls = " + ".join([f"api_{j}({n})" for n, j in enumerate(deps)]
                           + [f"dep{n}.api_{j}({n})" for n, j in enumerate(deps)]) or "0"
        head += [f"fn call_{i}() -> Int {{ {calls} }}", ""]
        body = generate(max(lines - len(head), 10), seed=i).split("\n", 4)[4]
        text = "\n".join(head) + "\n" + body
        path = root / "src" / f"p{i // 100}" / f"m{i}.reml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    (root / "reml.toml").write_text("[package]\nname = \"bench\"\n", encoding="utf-8")
    return total


# -- a minimal LSP client ------------------------------------------------------------------------
class Client:
    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([PY, "-m", "reml_lsp.cli.main", "lsp", "--stdio"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env)
        self.next_id = 0
        self.responses: dict[int, queue.Queue] = {}
        self.notes: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        with self.lock:
            assert self.proc.stdin is not None
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
            self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(out.read(length))
            if "method" in msg and "id" in msg:  # a request from the server
                result: Any = None
                if msg["method"] == "workspace/configuration":
                    result = [None for _ in msg["params"]["items"]]
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            elif "method" in msg:
                self.notes.put((time.perf_counter(), msg))
            else:
                self.responses.setdefault(msg["id"], queue.Queue()).put(msg)

    def request_async(self, method: str, params: Any) -> int:
        self.next_id += 1
        rid = self.next_id
        self.responses.setdefault(rid, queue.Queue())
        self._send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid

    def wait(self, rid: int, timeout: float = 600) -> dict[str, Any]:
        return self.responses[rid].get(timeout=timeout)

    def request(self, method: str, params: Any) -> tuple[float, dict[str, Any]]:
        t = time.perf_counter()
        msg = self.wait(self.request_async(method, params))
        return time.perf_counter() - t, msg

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


def rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (worker processes included; pages the workers
    share with the fork server are counted once per process, so this is an upper bound)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size of the process tree: shared pages split between the sharers."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_s(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) of the process itself and of the whole tree so far, with
    its reaped children (finished workers): under load, figures that wall times are not."""
    total = own = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        if p == pid:
            own = int(fields[11]) + int(fields[12])
    tick = os.sysconf("SC_CLK_TCK")
    return own / tick, total / tick


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], list(children.get(pid, []))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def session(root: Path, env: dict[str, str], *, measure_queries: bool) -> dict[str, Any]:
    spawned = time.perf_counter()
    client = Client(env)
    uri_root = root.as_uri()
    client.request("initialize", {
        "processId": os.getpid(), "rootUri": uri_root,
        "workspaceFolders": [{"uri": uri_root, "name": "bench"}],
        "capabilities": {"window": {"workDoneProgress": True},
                         "textDocument": {"publishDiagnostics": {"versionSupport": True}}}})
    t0 = time.perf_counter()
    client.notify("initialized", {})
    path = root / "src" / "p0" / "m0.reml"
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "reml", "version": 1, "text": text}})
    lines = text.count("\n")
    edits: list[float] = []
    peak = peak_pss = 0.0
    ready_at: float | None = None
    index_token: str | None = None
    ready_cpu = (float("nan"), float("nan"))
    version = 1
    deadline = t0 + 600
    while ready_at is None and time.perf_counter() < deadline:
        version += 1
        sent = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": lines, "character": 0},
                                          "end": {"line": lines, "character": 0}},
                                "text": "\n" if version % 2 else "// edit\n"}]})
        lines += 1
        got = False
        while not got and time.perf_counter() < deadline:
            try:
                at, msg = client.notes.get(timeout=5)
            except queue.Empty:
                break
            method, params = msg["method"], msg.get("params") or {}
            if method == "textDocument/publishDiagnostics" and params.get("version") == version:
                edits.append(at - sent)
                got = True
            elif method == "$/progress":
                value = params.get("value", {})
                if value.get("kind") == "begin" and "index" in value.get("title", ""):
                    index_token = params["token"]
                elif value.get("kind") == "end" and params["token"] == index_token:
                    ready_at = at
                    ready_cpu = cpu_s(client.proc.pid)
        peak = max(peak, rss_mb(client.proc.pid))
        peak_pss = max(peak_pss, pss_mb(client.proc.pid))
        time.sleep(0.05)
    idle: list[float] = []  # the same edits once the index is built, for comparison
    for _ in range(20 if measure_queries else 0):
        version += 1
        sent = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": lines, "character": 0},
                                          "end": {"line": lines, "character": 0}},
                                "text": "\n"}]})
        lines += 1
        while True:
            at, msg = client.notes.get(timeout=60)
            params = msg.get("params") or {}
            if (msg["method"] == "textDocument/publishDiagnostics"
                    and params.get("version") == version):
                idle.append(at - sent)
                break
        time.sleep(0.05)
    out: dict[str, Any] = {"ready_s": (ready_at or time.perf_counter()) - t0,
                           "ready_from_spawn_s": (ready_at or time.perf_counter()) - spawned,
                           "ready_cpu_s": ready_cpu,
                           "edits": edits, "idle": idle, "rss_peak_mb": peak,
                           "pss_peak_mb": peak_pss}
    if measure_queries:
        target = text.index("pub fn api_0") + len("pub fn ")
        line = text[:target].count("\n")
        char = target - text.rfind("\n", 0, target) - 1
        params = {"textDocument": {"uri": uri}, "position": {"line": line, "character": char},
                  "context": {"includeDeclaration": True}}
        out["refs_first_s"], msg = client.request("textDocument/references", params)
        out["refs_count"] = len(msg.get("result") or [])
        out["refs_warm_s"], _ = client.request("textDocument/references", params)
        out["sym_first_s"], msg = client.request("workspace/symbol", {"query": "api_12"})
        out["sym_count"] = len(msg.get("result") or [])
        out["sym_warm_s"], _ = client.request("workspace/symbol", {"query": "call_3"})
    out["rss_after_mb"] = rss_mb(client.proc.pid)
    client.close()
    return out


# -- lint ----------------------------------------------------------------------------------------
def lint(root: Path, env: dict[str, str], *extra: str) -> tuple[float, str, float]:
    """(wall seconds, digest of the output, CPU seconds of the process and its workers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([PY, "-m", "reml_lsp.cli.main", "lint", str(root / "src"),
                           "--format", "json", *extra], env=env, capture_output=True)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    doc = json.loads(proc.stdout)
    for d in doc.get("diagnostics", []):  # the run's own timestamp is not part of the result
        _strip_timestamps(d)
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:12]
    return elapsed, digest, cpu


def _strip_timestamps(node: Any) -> None:
    if isinstance(node, dict):
        for key in [k for k in node if "timestamp" in k]:
            del node[key]
        for value in node.values():
            _strip_timestamps(value)
    elif isinstance(node, list):
        for value in node:
            _strip_timestamps(value)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modules", type=int, default=2000)
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--skip-lint", action="store_true")
    ap.add_argument("--skip-server", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="reml-ws-bench-") as tmp:
        root = Path(tmp) / "ws"
        size = write_workspace(root, args.modules, args.lines)
        snapshot = Path(tmp) / "code"
        shutil.copytree(ROOT / "server" / "reml_lsp", snapshot / "reml_lsp", symlinks=False,
                        ignore=shutil.ignore_patterns("__pycache__"))
        # Byte-compiled as an installed package is (with PYTHONDONTWRITEBYTECODE set, every
        # process would otherwise compile all it imports, start-up included in every figure).
        compileall.compile_dir(snapshot, quiet=1)
        env = {**os.environ, "REML_CACHE_DIR": str(Path(tmp) / "cache"),
               "REML_METRICS_FILE": str(Path(tmp) / "metrics.jsonl"),
               "PYTHONPATH": str(snapshot)}
        print(f"workspace: {args.modules} modules × {args.lines} lines, {size / 1e6:.1f} MB; "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
        if not args.skip_server:
            cold = session(root, env, measure_queries=True)
            warm = session(root, env, measure_queries=False)
            e = cold["edits"]
            print(f"index ready: cold {cold['ready_s']:.2f} s (target ≤ 15), "
                  f"warm {warm['ready_s']:.2f} s (target ≤ 3), from `initialized`; from the "
                  f"server's spawn (its start-up and initialize included): cold "
                  f"{cold['ready_from_spawn_s']:.2f} s, warm {warm['ready_from_spawn_s']:.2f} s")
            print(f"CPU seconds until ready (server process incl. the edits / with workers): "
                  f"cold {cold['ready_cpu_s'][0]:.1f} / {cold['ready_cpu_s'][1]:.1f}, "
                  f"warm {warm['ready_cpu_s'][0]:.1f} / {warm['ready_cpu_s'][1]:.1f}")
            print(f"edits while indexing (cold): n={len(e)} p50 {pct(e, .5) * 1000:.0f} ms, "
                  f"p95 {pct(e, .95) * 1000:.0f} ms (≤ 50), max {max(e or [0]) * 1000:.0f} ms "
                  f"(≤ 250); after indexing: p50 {pct(cold['idle'], .5) * 1000:.0f} ms, "
                  f"p95 {pct(cold['idle'], .95) * 1000:.0f} ms")
            print(f"references ({cold['refs_count']} locations): first "
                  f"{cold['refs_first_s'] * 1000:.0f} ms, warm {cold['refs_warm_s'] * 1000:.0f} "
                  f"ms (≤ 500)")
            print(f"workspace/symbol ({cold['sym_count']} results): first "
                  f"{cold['sym_first_s'] * 1000:.0f} ms, warm {cold['sym_warm_s'] * 1000:.0f} ms")
            print(f"server RSS incl. workers: peak {cold['rss_peak_mb']:.0f} MB (≤ 400; PSS "
                  f"{cold['pss_peak_mb']:.0f} MB), after "
                  f"indexing {cold['rss_after_mb']:.0f} MB; warm start peak "
                  f"{warm['rss_peak_mb']:.0f} MB")
        if not args.skip_lint:
            one, h1, c1 = lint(root, env, "--jobs", "1", "--no-cache")
            many, h2, c2 = lint(root, env, "--no-cache")
            fill, h3, c3 = lint(root, env)
            again, h4, c4 = lint(root, env)
            same = len({h1, h2, h3, h4}) == 1
            print(f"lint: --jobs 1 {one:.2f} s, default jobs {many:.2f} s "
                  f"({one / many:.2f}× faster, target ≥ 1.6), cold cache {fill:.2f} s, "
                  f"warm cache {again:.2f} s ({100 * again / fill:.0f}% of cold, ≤ 15%); "
                  f"outputs identical: {same}")
            print(f"lint CPU seconds (all processes): --jobs 1 {c1:.2f}, default {c2:.2f}, "
                  f"cold cache {c3:.2f}, warm cache {c4:.2f} ({100 * c4 / c3:.0f}% of cold)")


if __name__ == "__main__":
    main()
