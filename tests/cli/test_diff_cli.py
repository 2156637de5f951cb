"""``reml-run diff``: output shapes, --apply (atomic, rollbackable), --audit, failures."""

from __future__ import annotations

import json
import tomllib

from reml_lsp.config.canonical import digest_bytes

OLD = {"service": {"name": "a", "replicas": 2, "features": ["x", "y"]}, "limits": {"cpu": "1"}}
NEW = {"service": {"name": "a", "replicas": 3, "features": ["x"]}, "limits": {"cpu": "1"},
       "telemetry": {"enabled": True}}
SCHEMA = {"name": "svc", "version": "1.0.0", "fields": {
    "service.name": {"data_type": "String", "required": True},
    "service.replicas": {"data_type": "Int", "restart_required": True},
    "limits.cpu": {"data_type": "String", "dangerous": True}}}


def test_golden_inputs_through_the_cli(cli, corpus):
    run = cli("diff", corpus / "config_old.json", corpus / "config_new.json", "--format", "json")
    assert run.rc == 0
    doc = run.json
    assert doc["status"] == "changed"
    assert doc["exit_code"] == {"label": "success", "value": 0}
    assert doc["summary"] == {"added": 1, "removed": 1, "updated": 4, "total": 6}
    golden = json.loads((corpus / "diff.expected.json").read_text())
    ours = [i for i in doc["change_set"]["items"] if i["key"] != "service.stage"]
    assert ours == golden["change_set"]["items"]
    again = cli("diff", corpus / "config_old.json", corpus / "config_new.json", "--format", "json")
    assert again.json["audit_id"] == doc["audit_id"]  # deterministic


def test_table_and_text_formats(cli):
    old, new = cli.write("old.json", OLD), cli.write("new.json", NEW)
    table = cli("diff", old, new, "--format", "table")
    assert table.rc == 0
    assert "service.features[1]" in table.stdout and "| kind" not in table.stdout
    assert table.stdout.splitlines()[0].split() == ["kind", "|", "key", "|", "previous", "|",
                                                     "current"]
    text = cli("diff", old, new, "--format", "text")
    assert "~ service.replicas: 2 -> 3" in text.stdout
    assert "- service.features[1]: \"y\"" in text.stdout
    assert "+ telemetry.enabled: true" in text.stdout


def test_unchanged(cli):
    old = cli.write("old.json", OLD)
    run = cli("diff", old, old, "--format", "json")
    assert (run.rc, run.json["status"], run.json["change_set"]["items"]) == (0, "unchanged", [])


def test_apply_writes_new_into_old_in_old_format_and_rolls_back(cli):
    old = cli.write("app.toml", '[service]\nname = "a"\nreplicas = 2\nfeatures = ["x", "y"]\n'
                                '\n[limits]\ncpu = "1"\n')
    before = old.read_bytes()
    new = cli.write("new.json", NEW)
    run = cli("diff", old, new, "--apply", "--format", "json")
    assert run.rc == 0, run.stdout
    doc = run.json
    assert doc["status"] == "applied"
    assert tomllib.loads(old.read_text()) == NEW
    assert doc["applied"]["rollback_info"]["from_digest"] == digest_bytes(before)
    assert doc["applied"]["rollback_info"]["to_digest"] == digest_bytes(old.read_bytes())
    back = cli("reload", old, "--rollback", "--format", "json")
    assert back.rc == 0 and back.json["result"]["status"] == "rolled-back"
    assert old.read_bytes() == before
    assert not list(cli.root.glob(".app.toml.tmp-*"))


def test_apply_refuses_dangerous_unless_allowed_and_audits_the_override(cli):
    old = cli.write("old.json", OLD)
    new = cli.write("new.json", {**OLD, "limits": {"cpu": "2"}})
    schema = cli.write("schema.json", SCHEMA)
    before = old.read_bytes()
    run = cli("diff", old, new, "--schema", schema, "--apply", "--format", "json")
    assert run.rc == 5
    assert run.json["status"] == "error"
    assert run.json["error"]["code"] == "config.diff.dangerous"
    assert run.json["dangerous"][0]["reason"] == "field_dangerous"
    assert old.read_bytes() == before
    run = cli("diff", old, new, "--schema", schema, "--apply", "--allow-dangerous",
              "--format", "json")
    assert run.rc == 0 and run.json["status"] == "applied"
    shown = cli("audit", "show", run.json["audit_id"], "--format", "json").json
    assert [e["event"] for e in shown["events"]] == ["reml.reload.dangerous_allowed"]


def test_apply_refuses_a_target_that_breaks_the_schema(cli):
    old = cli.write("old.json", OLD)
    new = cli.write("new.json", {"service": {"replicas": 2, "features": []}, "limits": {}})
    schema = cli.write("schema.json", {**SCHEMA, "fields": {
        "service.name": {"data_type": "String", "required": False},
        "service.replicas": {"data_type": "String"}}})
    before = old.read_bytes()
    run = cli("diff", old, new, "--schema", schema, "--apply", "--format", "json")
    assert run.rc == 1
    assert run.json["error"]["code"] == "config.schema.invalid_result"
    assert run.json["validation"]["target"][0]["code"] == "config.schema.type_mismatch"
    assert old.read_bytes() == before


def test_audit_records_the_diff(cli):
    old, new = cli.write("old.json", OLD), cli.write("new.json", NEW)
    run = cli("diff", old, new, "--audit", "--format", "json")
    assert run.rc == 0 and run.json["audited"] is True
    events = cli("audit", "show", run.json["audit_id"], "--format", "json").json["events"]
    assert [e["event"] for e in events] == ["config.diff"]
    assert events[0]["payload"]["change_set"] == run.json["change_set"]


def test_schema_major_change_is_dangerous(cli):
    old, new = cli.write("old.json", OLD), cli.write("new.json", OLD)
    s1 = cli.write("s1.json", {"name": "s", "version": "1.0.0"})
    s2 = cli.write("s2.json", {"name": "s", "version": "2.0.0"})
    run = cli("diff", old, new, "--schema", s1, "--target-schema", s2, "--format", "json")
    assert [d["reason"] for d in run.json["dangerous"]] == ["schema_major"]


def test_failures_are_json_with_codes_and_table_exit_codes(cli):
    good = cli.write("good.json", OLD)
    bad = cli.write("bad.json", '{"a": ')
    cases = [
        (("diff", good, "missing.json"), 4, "config.io.not_found"),
        (("diff", good, bad), 1, "config.parse.invalid_json"),
        (("diff", good, good, "--schema", cli.write("s.json", {"fields": {}})), 1,
         "schema.invalid"),
        (("diff", good), 3, "cli.usage"),
        (("diff", good, cli.root), 4, "config.io.unreadable"),
    ]
    runs = cli.many(*[(*args, "--format", "json") for args, _, _ in cases])
    for (args, rc, code), run in zip(cases, runs, strict=True):
        assert run.rc == rc, (args, run.stdout)
        assert run.json["status"] == "error"
        assert run.json["error"]["code"] == code
        assert run.json["exit_code"]["value"] == rc
    text = cli("diff", good, "missing.json", "--format", "text")
    assert text.rc == 4 and "error[config.io.not_found]" in text.stderr
