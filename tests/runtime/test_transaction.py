"""Crash-safe building blocks, in process: atomic writes, the RollbackInfo stack and its repair,
commit/rollback ordering, and the reload steps on real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from reml_lsp.audit.store import AuditStore
from reml_lsp.config.canonical import digest_bytes
from reml_lsp.config.errors import ConfigError
from reml_lsp.runtime.atomic import atomic_write, remove_stale_temps
from reml_lsp.runtime.reload import Reloader
from reml_lsp.runtime.rollback import RollbackInfo, RollbackStack
from reml_lsp.runtime.state_file import new_state, parse_state
from reml_lsp.runtime.transaction import commit_file, rollback_file


def test_atomic_write_replaces_and_keeps_mode(tmp_path):
    target = tmp_path / "f.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_stale_temp_files_of_dead_writers_are_removed(tmp_path):
    target = tmp_path / "f.json"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".f.json.tmp-{dead.stdout.strip()}-abcd"
    live = tmp_path / f".f.json.tmp-{os.getpid()}-abcd"
    stale.write_text("half")
    live.write_text("in progress")
    remove_stale_temps(target)
    assert not stale.exists() and live.exists()


def test_commit_then_rollback_restores_exact_bytes(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v1")
    commit_file(target, b"v1", b"v2", audit_id="a1", operation="t", summary={})
    commit_file(target, b"v2", b"v3", audit_id="a2", operation="t", summary={})
    assert [e.audit_id for e in RollbackStack.load(target).entries] == ["a1", "a2"]
    info, replaced = rollback_file(target)
    assert (info.audit_id, replaced, target.read_bytes()) == ("a2", b"v3", b"v2")
    rollback_file(target)
    assert target.read_bytes() == b"v1"
    with pytest.raises(ConfigError) as err:
        rollback_file(target)
    assert (err.value.code, err.value.kind) == ("reload.rollback.empty", "rejected")


def test_commit_refuses_when_the_file_changed_underneath(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v1")
    with pytest.raises(ConfigError) as err:
        commit_file(target, b"v0", b"v2", audit_id="a", operation="t", summary={})
    assert err.value.code == "runtime.changed_underneath"
    assert target.read_bytes() == b"v1" and not RollbackStack.load(target).entries


def test_failure_after_the_write_restores_the_file(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v1")

    def boom() -> None:
        raise RuntimeError("sink down")

    with pytest.raises(ConfigError) as err:
        commit_file(target, b"v1", b"v2", audit_id="a", operation="t", summary={},
                    after_write=boom)
    assert err.value.details["rolled_back"] is True
    assert target.read_bytes() == b"v1" and not RollbackStack.load(target).entries


def _entry(audit_id: str, before: bytes, after: bytes) -> RollbackInfo:
    return RollbackInfo(audit_id, "t", "", digest_bytes(before), digest_bytes(after), before)


def test_repair_drops_orphans_left_by_a_kill(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v2")
    # a1 applied v1→v2; a2 saved its RollbackInfo for v2→v3 and was killed before the write
    stack = RollbackStack(target, [_entry("a1", b"v1", b"v2"), _entry("a2", b"v2", b"v3")])
    stack.save()
    info, _ = rollback_file(target)
    assert info.audit_id == "a1" and target.read_bytes() == b"v1"
    assert RollbackStack.load(target).entries == []


def test_rollback_killed_before_popping_is_finished_by_the_next_operation(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v1")  # the rollback of a1 wrote v1 and died before popping a1
    RollbackStack(target, [_entry("a1", b"v1", b"v2")]).save()
    commit_file(target, b"v1", b"v9", audit_id="a3", operation="t", summary={})
    assert [e.audit_id for e in RollbackStack.load(target).entries] == ["a3"]


def test_rollback_stack_corruption_is_an_error_not_a_crash(tmp_path):
    target = tmp_path / "s.json"
    target.write_bytes(b"v1")
    (tmp_path / "s.json.rollback.json").write_text('{"format": "other"}')
    with pytest.raises(ConfigError) as err:
        rollback_file(target)
    assert err.value.code == "reload.rollback.invalid"


def test_reloader_records_the_reload_event(tmp_path):
    state = tmp_path / "st.json"
    state.write_bytes(new_state({"a": 1}, "c.json", "json", None).to_bytes())
    diff = {"change_set": {"items": [
        {"kind": "collections.diff.updated", "key": "a", "previous": 1, "current": 2}]}}
    with AuditStore(tmp_path / "audit.db") as store:
        outcome = Reloader(state, store).reload(diff)
        assert outcome.status == "applied" and outcome.error is None
        [event] = store.show(outcome.audit_id)
        assert event.event == "reml.reload"
        assert event.payload["change_set"]["items"] == diff["change_set"]["items"]
    assert parse_state(state.read_bytes(), state).config == {"a": 2}
    same = Reloader(state).reload(diff)  # now stale
    assert (same.status, same.errors[0]["code"]) == ("rejected", "config.diff.stale")
    noop = Reloader(state).reload({"change_set": {"items": []}})
    assert (noop.status, noop.version_before, noop.version_after) == ("applied", 2, 2)


def test_state_digest_mismatch_is_reported(tmp_path):
    state = tmp_path / "st.json"
    body = json.loads(new_state({"a": 1}, "c.json", "json", None).to_bytes())
    body["config"]["a"] = 5
    state.write_text(json.dumps(body))
    with pytest.raises(ConfigError) as err:
        parse_state(state.read_bytes(), state)
    assert err.value.code == "reload.state.digest_mismatch"
