"""The checked-in JSON Schema and TypeScript types are what the attrs classes generate today."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from reml_lsp.contract.schema import runtime_results_schema, schema_text

REPO = Path(__file__).resolve().parents[2]
SCHEMA_FILE = REPO / "schemas" / "runtime-results.schema.json"
TS_FILE = REPO / "vscode-extension" / "src" / "generated" / "runtimeResults.ts"
GENERATOR = REPO / "vscode-extension" / "node_modules" / "json-schema-to-typescript"


def test_checked_in_schema_is_a_fresh_generation() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == schema_text(), (
        "schemas/runtime-results.schema.json is out of date: run "
        ".venv/bin/python scripts/gen_runtime_schema.py")


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(runtime_results_schema())


def test_check_mode_of_the_script_reports_a_stale_schema(tmp_path: Path) -> None:
    script = (REPO / "scripts" / "gen_runtime_schema.py").read_text("utf-8")
    copy = tmp_path / "scripts" / "gen_runtime_schema.py"
    copy.parent.mkdir()
    copy.write_text(script, encoding="utf-8")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "runtime-results.schema.json").write_text("{}\n", encoding="utf-8")
    stale = subprocess.run([sys.executable, str(copy), "--check"], capture_output=True,
                           text=True, timeout=60)
    assert stale.returncode == 1 and "out of date" in stale.stderr
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True, timeout=60)
    fresh = subprocess.run([sys.executable, str(copy), "--check"], capture_output=True,
                           text=True, timeout=60)
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads((tmp_path / "schemas" / "runtime-results.schema.json").read_text()) \
        == runtime_results_schema()


def test_typescript_types_are_generated_from_the_checked_in_schema() -> None:
    node = shutil.which("node")
    if node is None or not GENERATOR.is_dir():
        pytest.skip("node or vscode-extension/node_modules/json-schema-to-typescript missing "
                    "(npm ci in vscode-extension); scripts/test.sh checks it after npm ci")
    run = subprocess.run([node, str(REPO / "scripts" / "gen_runtime_types.mjs"), "--check"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_typescript_exports_one_type_per_schema_class() -> None:
    text = TS_FILE.read_text("utf-8")
    for name in runtime_results_schema()["$defs"]:
        assert f"export interface {name} " in text, name
