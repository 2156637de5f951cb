"""A hostile checkout (a workspace with ``.git`` next to an ``outside`` folder) and a runner for
the real ``reml-run`` in it (docs/security.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from security_helpers import Cli


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / ".git").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    return root


@pytest.fixture
def outside(checkout: Path) -> Path:
    return checkout.parent / "outside"


@pytest.fixture
def cli(checkout: Path) -> Cli:
    return Cli(checkout)


@pytest.fixture
def live_state(checkout: Path, cli: Cli) -> tuple[Path, Path]:
    """A runtime state (version 1) and a diff that moves it to version 2."""
    (checkout / "old.json").write_text('{"svc": {"replicas": 1}}')
    (checkout / "new.json").write_text('{"svc": {"replicas": 2}}')
    assert cli("state", "init", "live.state", "--config", "old.json",
               "--format", "json").rc == 0
    diff = cli("diff", "old.json", "new.json", "--format", "json")
    (checkout / "d.json").write_text(diff.stdout)
    return checkout / "live.state", checkout / "d.json"
