"""Runs the real ``reml-run`` in a subprocess, in a temporary workspace with its own audit store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs
import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/examples/core_config/cli"


@attrs.frozen
class Run:
    rc: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "REML_AUDIT_DB": str(root / ".reml" / "audit.db")}
        self.env.pop("REML_CRASH_TEST_DELAY_MS", None)

    def __call__(self, *args: str | Path, stdin: str | None = None,
                 env: dict[str, str] | None = None, timeout: float = 60) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "reml_lsp.cli.main", *map(str, args)],
            cwd=self.root, input=stdin, capture_output=True, text=True, timeout=timeout,
            env={**self.env, **(env or {})},
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        # every runtime document printed matches its contract class (cli/output.print_result)
        assert "does not match its contract" not in proc.stderr, proc.stderr
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def many(self, *calls: tuple[str | Path, ...]) -> list[Run]:
        """Independent commands run concurrently (CLI start-up dominates the suite's time)."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda args: self(*args), calls))

    def write(self, name: str, value: Any) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value, indent=2))
        return path


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    (tmp_path / "reml.toml").write_text('[project]\nname = "t"\nversion = "0.1.0"\n')
    return Cli(tmp_path)


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"upstream corpus not found at {CORPUS}")
    return CORPUS
