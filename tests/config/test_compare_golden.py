"""``compare`` against the upstream golden ``diff.expected.json``.

Upstream defect (documented in docs/runtime-config.md and digest §7.10): the golden lists 5 changes
although its inputs differ in 6 leaves — ``service.stage`` ("beta" → "stable") is missing. We report
every difference; this test checks that the golden is exactly our output minus that one change.
"""

from __future__ import annotations

import copy
import json

from reml_lsp.config.diff_document import diff_document
from reml_lsp.config.loader import load_config

OMITTED = "service.stage"


def _without(doc: dict, key: str) -> dict:
    out = copy.deepcopy(doc)
    cs, sd = out["change_set"], out["schema_diff"]
    cs["items"] = [i for i in cs["items"] if i["key"] != key]
    sd["changes"] = [c for c in sd["changes"] if c["key"] != key]
    for summary in (out["summary"], cs["summary"]):
        summary["updated"] -= 1
        summary["total"] -= 1
    cs["total"] -= 1
    sd["metadata"]["total"] -= 1
    return out


def test_golden_equals_our_diff_minus_the_upstream_omission(corpus):
    golden = json.loads((corpus / "diff.expected.json").read_text())
    doc, _, dangerous = diff_document(load_config(corpus / "config_old.json"),
                                      load_config(corpus / "config_new.json"))
    stage = [i for i in doc["change_set"]["items"] if i["key"] == OMITTED]
    assert stage == [{"kind": "collections.diff.updated", "key": OMITTED,
                      "previous": "beta", "current": "stable"}]
    assert doc["summary"] == {"added": 1, "removed": 1, "updated": 4, "total": 6}
    trimmed = _without(doc, OMITTED)
    for key in ("summary", "change_set", "schema_diff"):
        assert trimmed[key] == golden[key], key
    # base/target: same format and entry counts; paths are deliberately ours (upstream's are
    # relative to its tooling folder) and we add a digest
    for side in ("base", "target"):
        assert {k: doc[side][k] for k in ("format", "entries")} == \
            {k: golden[side][k] for k in ("format", "entries")}
        assert doc[side]["digest"].startswith("sha256:")
    assert dangerous == []


def test_golden_inputs_really_differ_in_service_stage(corpus):
    old = json.loads((corpus / "config_old.json").read_text())
    new = json.loads((corpus / "config_new.json").read_text())
    assert (old["service"]["stage"], new["service"]["stage"]) == ("beta", "stable")
    golden_keys = {i["key"] for i in json.loads(
        (corpus / "diff.expected.json").read_text())["change_set"]["items"]}
    assert OMITTED not in golden_keys
