"""``--format auto`` (the default): JSON when stdout is a pipe, text on a terminal; the guide's
own pipeline (runtime-bridges §4) works verbatim with the real ``jq``."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OLD = {"service": {"name": "a", "replicas": 2}}
NEW = {"service": {"name": "a", "replicas": 3}}
BIN = Path(sys.executable).parent


def _workspace(cli) -> None:
    cli.write("old.json", OLD)
    cli.write("new.json", NEW)
    init = cli("state", "init", "runtime.state", "--config", "old.json", "--format", "json")
    assert init.rc == 0, init.stdout
    diff = cli("diff", "old.json", "new.json", "--format", "json")
    (cli.root / "diff.json").write_text(diff.stdout)


def _shell(cli, script: str) -> subprocess.CompletedProcess[str]:
    """``script`` in bash, with this venv's ``reml-run`` first on PATH (as a user has it)."""
    env = {**cli.env, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", script], cwd=cli.root, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(shutil.which("jq") is None, reason="jq not installed (scripts/test.sh does)")
def test_the_guides_jq_pipeline_works_verbatim(cli):
    _workspace(cli)
    done = _shell(cli, "reml-run reload runtime.state diff.json --audit   "
                       "| jq '.result | {status, audit_id}'")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "applied" and set(out) == {"status", "audit_id"}
    # the operation it names is the one in the audit store
    shown = json.loads(_shell(cli, f"reml-run audit show {out['audit_id']}").stdout)
    assert [e["event"] for e in shown["events"]] == ["reml.reload"]


def test_pipe_gets_json_errors_too(cli):
    done = _shell(cli, "reml-run reload missing.state diff.json | cat")
    doc = json.loads(done.stdout)
    assert doc["status"] == "error" and doc["error"]["code"] == "diff.io.not_found"
    usage = _shell(cli, "reml-run reload --no-such-flag | cat")
    assert json.loads(usage.stdout)["error"]["code"] == "cli.usage"


def _on_terminal(cli, *args: str) -> str:
    """Run ``reml-run ARGS`` with stdout on a pseudo-terminal; what the terminal showed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "reml_lsp.cli.main", *args], cwd=cli.root,
                            env=cli.env, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    proc.wait(timeout=60)
    proc.stderr.close()  # type: ignore[union-attr]
    return b"".join(chunks).decode("utf-8")


def test_terminal_gets_text_and_explicit_format_wins(cli):
    _workspace(cli)
    shown = _on_terminal(cli, "state", "show", "runtime.state")
    assert "version 1" in shown and not shown.lstrip().startswith("{")
    forced = _on_terminal(cli, "state", "show", "runtime.state", "--format", "json")
    assert json.loads(forced)["state"]["version"] == 1
    piped = cli("state", "show", "runtime.state", "--format", "text")
    assert "version 1" in piped.stdout and not piped.stdout.startswith("{")


def test_a_positional_after_double_dash_is_not_a_format_option(cli):
    """``--`` ends the options: a file named ``--format=text`` after it does not turn the (piped,
    hence JSON) error of a bad command line into text."""
    run = cli("state", "show", "--no-such-flag", "--", "--format=text")
    assert run.rc != 0
    assert json.loads(run.stdout)["error"]["code"] == "cli.usage"
