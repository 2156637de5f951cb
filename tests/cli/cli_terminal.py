"""Run a `reml-run` command with stderr on a pseudo-terminal (what a user's shell gives it) and
stdout in a file (a pipe could fill while the terminal is read, and block the command)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path


def run_on_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """(exit code, stdout, what the terminal showed) of `python -m reml_lsp.cli.main ARGS`."""
    leader, follower = pty.openpty()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "reml_lsp.cli.main", *args], cwd=cwd,
                                env=env, stdout=out, stderr=follower)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the command ended and closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(leader)
        rc = proc.wait(timeout=300)
        out.seek(0)
        stdout = out.read().decode("utf-8")
    return rc, stdout, b"".join(chunks).decode("utf-8", "replace")
