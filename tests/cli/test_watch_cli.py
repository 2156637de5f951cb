"""``reml-run watch``: a real watcher process, real edits of the config file, SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.state_file import new_state, parse_state

SCHEMA = {"name": "s", "version": "1.0.0",
          "fields": {"replicas": {"data_type": "Int", "required": True}}}


def _replace(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


class Watch:
    def __init__(self, cli, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reml_lsp.cli.main", "watch", *args, "--format", "json"],
            cwd=cli.root, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def next(self, timeout: float = 20) -> dict:
        return json.loads(self.lines.get(timeout=timeout))

    def until(self, event: str, status: str | None = None) -> dict:
        while True:
            got = self.next()
            if got["event"] == event and (status is None or got.get("status") == status):
                return got


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_watch_applies_good_edits_rejects_bad_ones_and_stops_cleanly(cli, sig):
    config = cli.root / "live.json"
    config.write_text(json.dumps({"replicas": 1}))
    state = cli.root / "st.json"
    state.write_bytes(new_state({"replicas": 1}, "live.json", "json", SCHEMA).to_bytes())
    watch = Watch(cli, "st.json", "live.json")
    started = watch.next()
    assert started["event"] == "watch.started"
    assert started["flow"]["policy"] == {"max_lag_ms": 16.0, "debounce_ms": 4.0}
    assert watch.until("parser.stream.progress")["status"] == "unchanged"

    _replace(config, json.dumps({"replicas": 2}))
    applied = watch.until("parser.stream.progress", "applied")
    assert parse_state(state.read_bytes(), state).config == {"replicas": 2}

    _replace(config, '{"replicas": ')  # a bad edit: rejected, the last good state stays live
    bad = watch.until("parser.stream.error")
    assert bad["error"]["code"] == "config.parse.invalid_json"
    _replace(config, json.dumps({"replicas": "two"}))  # a type change: dangerous, rejected
    invalid = watch.until("parser.stream.error")
    assert invalid["result"]["errors"][0]["code"] == "config.diff.dangerous"
    assert parse_state(state.read_bytes(), state).config == {"replicas": 2}

    watch.proc.send_signal(sig)
    stopped = watch.until("watch.stopped")
    assert watch.proc.wait(timeout=20) == 0
    assert (stopped["applied"], stopped["rejected"], stopped["failed"]) == (1, 2, 0)
    assert "Traceback" not in watch.proc.stderr.read()  # type: ignore[union-attr]
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        stream = store.list("parser.stream")
        assert [e.payload["kind"] for e in stream].count("error") == 2
        assert [e.event for e in store.show(applied["audit_id"])] == ["reml.reload",
                                                                      "parser.stream"]


def test_watch_failures_are_json(cli):
    cli.write("live.json", {"a": 1})
    runs = cli.many(
        ("watch", "missing.json", "live.json", "--format", "json", "--no-audit"),
        ("watch", "live.json", "live.json", "--format", "json", "--no-audit"),
        ("watch", "a", "b", "--high-watermark", "1", "--low-watermark", "2", "--format", "json"),
    )
    assert [(r.rc, r.json["error"]["code"]) for r in runs] == [
        (4, "runtime.io.not_found"), (1, "reload.state.invalid"), (3, "cli.usage")]

