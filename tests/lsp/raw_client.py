"""A raw JSON-RPC client over the real server's stdio: writes bytes (also broken frames) and
reads every frame the server sends back."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"]


def frame(obj: Any, delta: int = 0) -> bytes:
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % (len(body) + delta) + body


def raw_frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    def __init__(self, cwd: Path, env: dict[str, str] | None = None) -> None:
        environ = {k: v for k, v in os.environ.items() if k != "REML_AUDIT_DB"}
        environ["REML_AUDIT_DB"] = str(cwd / ".reml" / "audit.db")
        environ.update(env or {})
        self.proc = subprocess.Popen(SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, cwd=cwd, env=environ)
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self._stderr: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True
                         ).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line == b"\r\n" and length is not None:
                    break
            body = out.read(length)
            self.messages.put(json.loads(body.decode("utf-8")))

    @property
    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def write(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj: Any, delta: int = 0) -> None:
        self.write(frame(obj, delta))

    def request(self, msg_id: Any, method: str, params: Any = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def next(self, timeout: float = 30.0) -> dict[str, Any]:
        """The next message from the server (server requests are answered with null)."""
        while True:
            msg = self.messages.get(timeout=timeout)
            if msg is None:
                raise EOFError("the server closed its output\n" + self.stderr[-2000:])
            self.seen.append(msg)
            if "method" in msg and "id" in msg:  # e.g. workspace/configuration
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
                continue
            return msg

    def responses(self, until_id: Any, timeout: float = 30.0) -> list[dict[str, Any]]:
        """Responses (no notifications) up to and including the one with ``until_id``."""
        out = []
        while True:
            msg = self.next(timeout)
            if "method" in msg:
                continue
            out.append(msg)
            if msg.get("id") == until_id:
                return out

    def initialize(self, root: Path) -> None:
        self.request(0, "initialize", {"processId": None, "rootUri": root.as_uri(),
                                       "capabilities": {}})
        assert "result" in self.responses(0)[-1]
        self.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})

    def finish(self, shutdown: bool = True, timeout: float = 30.0) -> int:
        if shutdown:
            self.request("bye", "shutdown")
            self.responses("bye")
        self.send({"jsonrpc": "2.0", "method": "exit"})
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
