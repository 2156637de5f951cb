"""A runtime command whose Python package is missing (numpy for `gpu`, pyvisa for `instrument`:
the VS Code extension's bundle has neither) exits 6 with a JSON error naming the package."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

RUN = ("import sys; sys.modules[{pkg!r}] = None  # makes `import {pkg}` fail\n"
       "from reml_lsp.cli.main import run; sys.exit(run({argv!r}))")


@pytest.mark.parametrize(("pkg", "argv"), [
    ("numpy", ["gpu", "devices", "--format", "json"]),
    ("pyvisa", ["instrument", "list", "--format", "json"]),
])
def test_missing_package_is_unavailable_with_its_name(tmp_path, pkg, argv):
    proc = subprocess.run([sys.executable, "-c", RUN.format(pkg=pkg, argv=argv)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 6, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["error"]["code"] == "cli.dependency_missing"
    assert doc["error"]["package"] == pkg
    assert f"`{pkg}`" in doc["error"]["message"] and "Traceback" not in proc.stderr
    assert doc["exit_code"] == {"label": "unavailable", "value": 6}
