"""`reml-run lint` on hostile files, as a user runs it (real subprocesses, stdout read as bytes):
the diagnostics cap, valid UTF-8 JSON and text whatever the input, no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def lint_bytes(root: Path, *args: str | Path) -> tuple[int, bytes, bytes]:
    env = {**os.environ, "REML_AUDIT_DB": str(root / ".reml" / "audit.db")}
    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--no-cache",
                           *map(str, args)], cwd=root, capture_output=True, env=env, timeout=120)
    assert b"Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def lint_json(root: Path, *args: str | Path) -> tuple[int, dict]:
    rc, out, _ = lint_bytes(root, "--format", "json", *args)
    return rc, json.loads(out.decode("utf-8"))  # strict: invalid UTF-8 fails here


@pytest.fixture
def flood(tmp_path: Path) -> Path:
    path = tmp_path / "flood.reml"
    path.write_bytes(b"fn f() -> Int = 1\n" + b"\xa7 x\n" * 400)  # a Latin-1 section sign
    return path


def test_the_cap_limits_the_json_output_and_adds_a_summary(tmp_path, flood):
    rc, doc = lint_json(tmp_path, "--max-diagnostics", "5", flood)
    assert rc == 1
    diags = doc["diagnostics"]
    assert len(diags) == 6 and doc["summary"]["diagnostic_count"] == 6
    assert diags[-1]["code"] == "diagnostics.truncated"
    hidden = int(diags[-1]["locale_args"][0])
    _, everything = lint_json(tmp_path, "--max-diagnostics", "0", flood)
    assert len(everything["diagnostics"]) == 5 + hidden
    assert all(d["code"] != "diagnostics.truncated" for d in everything["diagnostics"])
    _, default = lint_json(tmp_path, flood)
    assert len(default["diagnostics"]) == 201


def test_a_negative_cap_is_a_usage_error(tmp_path, flood):
    rc, doc = lint_json(tmp_path, "--max-diagnostics", "-1", flood)
    assert rc == 3 and doc["error"]["code"] == "cli.usage"


def test_invalid_bytes_in_a_string_give_strict_utf8_json_and_text(tmp_path):
    path = tmp_path / "bytes.reml"
    path.write_bytes(b'fn f() -> Str = 1 "ab\xff\xfe\xe3\x81cd' + "あ😀".encode() * 20
                     + b'\x00" 2\n')
    rc, doc = lint_json(tmp_path, path)
    assert rc == 1
    messages = [d["message"] for d in doc["diagnostics"]]
    assert any("\\xFF\\xFE" in m for m in messages)  # invalid bytes shown as escapes
    rc, out, _ = lint_bytes(tmp_path, "--format", "text", path)
    out.decode("utf-8")  # the echoed source line too


def test_a_file_name_with_invalid_bytes_still_gives_valid_json(tmp_path):
    name = os.fsdecode(b"bad\xff.reml")
    path = tmp_path / name
    try:
        path.write_text("fn f( = 1\n")
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system refuses the name")
    rc, doc = lint_json(tmp_path, name)
    assert rc == 1
    assert doc["diagnostics"][0]["location"]["file"] == name  # the \udcff escape round-trips


def test_one_megabyte_of_nul_is_one_finding(tmp_path):
    path = tmp_path / "nul.reml"
    path.write_bytes(b"\x00" * 1_000_000)
    rc, doc = lint_json(tmp_path, path)
    assert rc == 1
    codes = [d["code"] for d in doc["diagnostics"]]
    assert codes.count("parser.lexer.unknown_token") == 1
    assert len(codes) <= 3
