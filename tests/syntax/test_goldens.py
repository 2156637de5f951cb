"""Golden JSON of a few diagnostics (en-US and ja-JP): the exact shape the CLI and the server
share. Regenerate after a deliberate change with ``REML_UPDATE_GOLDENS=1 pytest this_file``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.diagnostics.serialize import to_json

ROOT = Path(__file__).resolve().parents[2]
CASES = ["missing_paren", "missing_else", "missing_with", "unknown_token", "if_guard"]


@pytest.mark.parametrize("locale", ["en-US", "ja-JP"])
@pytest.mark.parametrize("name", CASES)
def test_diagnostics_match_golden_json(name: str, locale: str):
    source = ROOT / "fixtures" / "syntax" / "invalid" / f"{name}.reml"
    rel = f"fixtures/syntax/invalid/{name}.reml"
    result = analyze_text(source.read_text("utf-8"), file=rel, rel_path=rel, locale=locale)
    got = [to_json(d) for d in result.diagnostics if d.domain == "parser"]
    golden = ROOT / "fixtures" / "golden" / f"{name}.{locale}.json"
    if os.environ.get("REML_UPDATE_GOLDENS"):
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert got == json.loads(golden.read_text("utf-8"))
