"""``reml-run state`` and ``reml-run reload``: every status, with real files and processes."""

from __future__ import annotations

import json
import sqlite3

import pytest
from reml_lsp.config.diff_document import diff_document
from reml_lsp.config.loader import load_config
from reml_lsp.config.schema import parse_schema
from reml_lsp.runtime.rollback import RollbackStack
from reml_lsp.runtime.state_file import new_state

OLD = {"service": {"name": "a", "replicas": 2, "features": ["x", "y"]}, "limits": {"cpu": "1"}}
NEW = {"service": {"name": "a", "replicas": 3, "features": ["x"]}, "limits": {"cpu": "1"},
       "telemetry": {"enabled": True}}
SCHEMA = {"name": "svc", "version": "1.0.0", "fields": {
    "service.name": {"data_type": "String", "required": True},
    "service.replicas": {"data_type": "Int", "restart_required": True},
    "limits.cpu": {"data_type": "String", "dangerous": True}}}


@pytest.fixture
def setup(cli):
    """A state initialised from OLD with SCHEMA and the diff OLD → NEW, built in-process with the
    same functions ``state init`` and ``diff`` use (those commands have their own tests)."""
    old, new = cli.write("old.json", OLD), cli.write("new.json", NEW)
    schema = parse_schema(SCHEMA)
    state = cli.root / "st.json"
    state.write_bytes(new_state(OLD, "old.json", "json", SCHEMA).to_bytes())
    doc, _, _ = diff_document(load_config(old), load_config(new), schema=schema)
    (cli.root / "d.json").write_text(json.dumps(doc))
    cli.write("schema.json", SCHEMA)
    return cli, state, cli.root / "d.json"


def result(run):
    return run.json["result"]


def test_state_init_and_show(cli):
    cli.write("old.json", OLD)
    cli.write("schema.json", SCHEMA)
    init = cli("state", "init", "st.json", "--config", "old.json", "--schema", "schema.json",
               "--format", "json")
    assert init.rc == 0 and init.json["state"]["version"] == 1
    state = cli.root / "st.json"
    shown = cli("state", "show", state, "--format", "json")
    assert shown.rc == 0
    body = shown.json["state"]
    assert body["format"] == "reml.runtime.state/v1"
    assert (body["version"], body["config"], body["history"]) == (1, OLD, [])
    assert body["schema"]["name"] == "svc"
    assert shown.json["rollback"]["depth"] == 0
    assert "version 1" in cli("state", "show", state, "--format", "text").stdout


def test_state_init_refuses_to_overwrite_and_validates(setup):
    cli, state, _ = setup
    before = state.read_bytes()
    again = cli("state", "init", state, "--config", "old.json", "--format", "json")
    assert (again.rc, again.json["error"]["code"]) == (5, "state.exists")
    assert state.read_bytes() == before
    forced = cli("state", "init", state, "--config", "new.json", "--force", "--format", "json")
    assert forced.rc == 0
    assert cli("reload", state, "--rollback").rc == 0
    assert state.read_bytes() == before
    bad = cli.write("bad.json", {"service": {"replicas": "many"}})
    run = cli("state", "init", "other.json", "--config", bad, "--schema", "schema.json",
              "--format", "json")
    assert run.rc == 1 and {e["code"] for e in run.json["errors"]} == {
        "config.schema.required_missing", "config.schema.type_mismatch"}
    assert not (cli.root / "other.json").exists()


def test_dry_run_changes_nothing_then_apply_then_rollback(setup):
    cli, state, diff = setup
    before = state.read_bytes()
    dry = cli("reload", state, diff, "--dry-run", "--format", "json")
    assert dry.rc == 0
    assert result(dry)["status"] == "dry-run"
    assert (result(dry)["version_before"], result(dry)["version_after"]) == (1, 2)
    assert state.read_bytes() == before
    assert not RollbackStack.load(state).entries

    applied = cli("reload", state, diff, "--audit", "--format", "json")
    assert applied.rc == 0, applied.stdout
    res = result(applied)
    assert res["status"] == "applied" and res["audit_id"] == result(dry)["audit_id"]
    assert res["restart_required"] == ["service.replicas"]
    body = json.loads(state.read_text())
    assert body["config"] == NEW and body["version"] == 2
    assert body["history"][-1]["audit_id"] == res["audit_id"]
    [entry] = RollbackStack.load(state).entries
    assert entry.content == before

    events = cli("audit", "show", res["audit_id"], "--format", "json").json["events"]
    assert events[-1]["event"] == "reml.reload"
    assert events[-1]["payload"]["change_set"]["items"] == res["change_set"]["items"]

    back = cli("reload", state, "--rollback", "--audit", "--format", "json")
    assert back.rc == 0 and result(back)["status"] == "rolled-back"
    assert result(back)["audit_id"] == res["audit_id"]
    assert state.read_bytes() == before
    events = cli("audit", "list", "--event", "reml.rollback", "--format", "json").json["events"]
    assert events[-1]["payload"]["status"] == "rolled-back"

    empty = cli("reload", state, "--rollback", "--format", "json")
    assert empty.rc == 5 and empty.json["error"]["code"] == "reload.rollback.empty"
    assert result(empty)["status"] == "rejected"


def test_stale_diff_is_rejected(setup):
    cli, state, diff = setup
    assert cli("reload", state, diff).rc == 0
    after = state.read_bytes()
    stale = cli("reload", state, diff, "--format", "json")
    assert stale.rc == 5
    assert result(stale)["status"] == "rejected"
    assert stale.json["error"]["code"] == "config.diff.stale"
    assert {c["key"] for c in stale.json["error"]["conflicts"]} >= {"service.replicas"}
    assert state.read_bytes() == after


def test_dangerous_change_is_rejected_unless_allowed(setup):
    cli, state, _ = setup
    new = cli.write("danger.json", {**OLD, "limits": {"cpu": 2}})  # dangerous field + type change
    d = cli("diff", "old.json", new, "--format", "json")
    (cli.root / "dd.json").write_text(d.stdout)
    before = state.read_bytes()
    run = cli("reload", state, "dd.json", "--format", "json")
    assert run.rc == 5 and run.json["error"]["code"] == "config.diff.dangerous"
    reasons = {d["reason"] for d in result(run)["dangerous"]}
    assert reasons == {"field_dangerous", "type_changed"}
    assert state.read_bytes() == before
    # allowed: it is applied, then fails schema validation (cpu must be a String) → nothing written
    run = cli("reload", state, "dd.json", "--allow-dangerous", "--format", "json")
    assert run.rc == 1 and result(run)["status"] == "failed"
    assert run.json["error"]["code"] == "config.schema.invalid_result"
    assert state.read_bytes() == before
    ok = cli.write("ok.json", {**OLD, "limits": {"cpu": "2"}})
    (cli.root / "ok_d.json").write_text(cli("diff", "old.json", ok, "--format", "json").stdout)
    run = cli("reload", state, "ok_d.json", "--allow-dangerous", "--format", "json")
    assert run.rc == 0 and result(run)["status"] == "applied"
    events = cli("audit", "show", result(run)["audit_id"], "--format", "json").json["events"]
    assert "reml.reload.dangerous_allowed" in [e["event"] for e in events]


def test_upstream_golden_diff_applies_item_by_item(cli, corpus):
    cli("state", "init", "st.json", "--config", corpus / "config_old.json")
    run = cli("reload", "st.json", corpus / "diff.expected.json", "--format", "json")
    assert run.rc == 0, run.stdout
    config = json.loads((cli.root / "st.json").read_text())["config"]
    expected = json.loads((corpus / "config_new.json").read_text())
    expected["service"]["stage"] = "beta"  # the golden omits this change (upstream defect)
    assert config == expected


def test_audit_failure_after_the_write_rolls_back_by_itself(setup):
    cli, state, diff = setup
    before = state.read_bytes()
    cli("audit", "list")  # create the store
    holder = sqlite3.connect(cli.root / ".reml" / "audit.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store past our timeout
    try:
        run = cli("reload", state, diff, "--audit", "--format", "json",
                  env={"REML_AUDIT_TIMEOUT_S": "0.3"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert run.rc == 4, run.stdout
    res = result(run)
    assert (res["status"], res["rolled_back"]) == ("failed", True)
    assert run.json["error"]["code"] == "audit.write_failed"
    assert state.read_bytes() == before
    assert not RollbackStack.load(state).entries


def test_rollback_refuses_when_the_state_was_edited_by_hand(setup):
    cli, state, diff = setup
    assert cli("reload", state, diff).rc == 0
    state.write_text(state.read_text().replace('"version": 2', '"version": 2 '))
    run = cli("reload", state, "--rollback", "--format", "json")
    assert run.rc == 5 and run.json["error"]["code"] == "reload.rollback.mismatch"


def test_reload_reads_the_diff_from_stdin(setup):
    cli, state, diff = setup
    run = cli("reload", state, "-", "--format", "json", stdin=diff.read_text())
    assert run.rc == 0 and result(run)["status"] == "applied"


def test_reload_failures(setup):
    cli, state, diff = setup
    cli.write("notjson.json", "{")
    cli.write("nodiff.json", {"hello": 1})
    cli.write("dup.json", {"change_set": {"items": [
        {"kind": "collections.diff.added", "key": "a", "current": 1},
        {"kind": "collections.diff.added", "key": "a", "current": 2}]}})
    cli.write("noop.json", {"change_set": {"items": [
        {"kind": "collections.diff.updated", "key": "limits.cpu", "previous": "1",
         "current": "1"}]}})
    cli.write("fake_state.json", {"config": {}})
    cases = [
        (("reload", "missing.json", diff), 4, "runtime.io.not_found"),
        (("reload", state, "missing.json"), 4, "diff.io.not_found"),
        (("reload", state, "notjson.json"), 1, "diff.parse.invalid_json"),
        (("reload", state, "nodiff.json"), 1, "config.diff.invalid"),
        (("reload", state, "dup.json"), 1, "config.diff.invalid"),
        (("reload", state, "noop.json"), 1, "config.diff.invalid"),
        (("reload", "fake_state.json", diff), 1, "reload.state.invalid"),
        (("reload", state), 3, "cli.usage"),
        (("reload", state, diff, "--rollback"), 3, "cli.usage"),
        (("state",), 3, "cli.usage"),
    ]
    before = state.read_bytes()
    runs = cli.many(*[(*args, "--format", "json") for args, _, _ in cases])
    for (args, rc, code), run in zip(cases, runs, strict=True):
        assert (run.rc, run.json["error"]["code"]) == (rc, code), (args, run.stdout)
        assert run.json["exit_code"]["value"] == rc
    assert state.read_bytes() == before


def test_one_diff_on_two_states_is_two_operations(setup):
    """A reload's audit_id names the operation (state identity + version + diff hash), not the
    diff: the same diff applied to two state files gives two ids, and ``audit show`` of each
    shows only that state's events."""
    cli, state, diff = setup
    other = cli.root / "other" / "st.json"
    other.parent.mkdir()
    other.write_bytes(state.read_bytes().replace(b'"run_id": "', b'"run_id": "x'))
    first, second = cli.many(("reload", state, diff, "--audit", "--format", "json"),
                             ("reload", other, diff, "--audit", "--format", "json"))
    a, b = result(first), result(second)
    assert a["status"] == b["status"] == "applied"
    assert a["audit_id"] != b["audit_id"]
    diff_id = json.loads(diff.read_text())["audit_id"]
    assert a["diff_audit_id"] == b["diff_audit_id"] == diff_id
    assert a["diff_sha256"] == b["diff_sha256"] and a["diff_sha256"].startswith("sha256:")
    for res, path in ((a, state), (b, other)):
        events = cli("audit", "show", res["audit_id"], "--format", "json").json["events"]
        assert [e["payload"]["state"] for e in events] == [str(path)]
        assert events[0]["payload"]["diff_audit_id"] == diff_id
    # the same state at its next version: a new operation, even for an identical diff document
    again = cli("reload", state, diff, "--format", "json")
    assert result(again)["status"] == "rejected"  # stale: the diff's base is version 1
    assert result(again)["audit_id"] not in (a["audit_id"], b["audit_id"])


def test_a_copied_state_file_is_a_different_operation(setup):
    """Same run_id (a copy), other path: still distinct ids."""
    cli, state, diff = setup
    copy = cli.root / "copy.json"
    copy.write_bytes(state.read_bytes())
    one, two = cli.many(("reload", state, diff, "--dry-run", "--format", "json"),
                        ("reload", copy, diff, "--dry-run", "--format", "json"))
    assert result(one)["audit_id"] != result(two)["audit_id"]
