"""The layers of docs/architecture.md hold: ``lint-imports`` (import-linter) checks the contracts
of ``[tool.importlinter]`` in pyproject.toml against the real import graph of ``server/``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_contracts_are_declared() -> None:
    """Nobody drops a contract to make the check pass: the invariants of architecture.md."""
    contracts = _contracts()
    assert {"layers", "lsp-door", "editor-protocol", "no-runtime-in-server",
            "acyclic", "lsp-acyclic", "analysis-acyclic", "modules-acyclic"} <= contracts.keys()
    layers = contracts["layers"]
    assert layers["exhaustive"] is True  # a new package must be given a layer
    order = [layer.replace(" ", "").split("|") for layer in layers["layers"]]
    assert order[0] == ["cli"] and order[1] == ["lsp"]
    assert sorted(order[2]) == ["analysis", "runtime"]
    assert sorted(order[3]) == ["config", "syntax"]
    assert {"pygls", "lsprotocol"} == set(contracts["editor-protocol"]["forbidden_modules"])


def test_every_import_points_down() -> None:
    """Exit 0 only when every contract is kept; the report names each broken import."""
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_every_package_has_an_acyclic_contract() -> None:
    """A new package (or subpackage) of two or more modules gets them checked for cycles too."""
    package_root = ROOT / "server" / "reml_lsp"
    packages = {"reml_lsp." + ".".join(init.parent.relative_to(package_root).parts)
                for init in package_root.rglob("__init__.py") if init.parent != package_root
                and len([m for m in init.parent.glob("*.py") if m.name != "__init__.py"]
                        + list(init.parent.glob("*/__init__.py"))) >= 2}
    checked = {ancestor for c in _contracts().values() if c["type"] == "acyclic_siblings"
               for ancestor in c["ancestors"]}
    assert "reml_lsp" in checked
    assert packages <= checked, sorted(packages - checked)
