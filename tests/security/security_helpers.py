"""Running the real ``reml-run`` in a hostile checkout, with an environment scrubbed of the
variables that would redirect its writes (docs/security.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs

SCRUB = ("REML_AUDIT_DB", "REML_METRICS_FILE", "REML_CRASH_TEST_DELAY_MS",
         "REML_CANCEL_TEST_DELAY_MS", "REML_PARENT_PID", "REML_PARENT_STDIN", "REML_VISA_BACKEND")


@attrs.frozen
class Run:
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(extra)
    return env


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root

    def argv(self, *args: str | Path) -> list[str]:
        return [sys.executable, "-m", "reml_lsp.cli.main", *map(str, args)]

    def __call__(self, *args: str | Path, **env: str) -> Run:
        proc = subprocess.run(self.argv(*args), cwd=self.root, capture_output=True, text=True,
                              env=cli_env(**env), timeout=120)
        return Run(proc.returncode, proc.stdout, proc.stderr)
