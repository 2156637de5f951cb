"""Issue 13, "symlinks are followed": a checkout whose ``.reml``, metrics file, lock, state or
rollback file is a symbolic link cannot make ``reml-run`` write through it. Each attack is set up
for real and the test checks the link's target is unchanged (or was never created) and the
refusal says why."""

from __future__ import annotations

import json
import os
from pathlib import Path

LINT_INPUT = "fn main() = 1\n"


def test_metrics_file_link_is_not_appended_to(checkout: Path, outside: Path, cli) -> None:
    target = outside / "victim.txt"
    target.write_text("precious\n")
    (checkout / ".reml").mkdir()
    (checkout / ".reml" / "metrics.jsonl").symlink_to(target)
    (checkout / "a.reml").write_text(LINT_INPUT)
    run = cli("lint", "a.reml", "--format", "json")
    assert run.json["command"] == "lint"  # the command itself still works
    assert target.read_text() == "precious\n"
    assert "refusing to write through a symbolic link" in run.stderr
    assert "metrics.jsonl" in run.stderr


def test_linked_reml_folder_gets_no_audit_db(checkout: Path, outside: Path, cli) -> None:
    (checkout / ".reml").symlink_to(outside, target_is_directory=True)
    (checkout / "old.json").write_text('{"a": 1}')
    (checkout / "new.json").write_text('{"a": 2}')
    run = cli("diff", "old.json", "new.json", "--audit", "--format", "json")
    assert run.rc == 5, run.stdout + run.stderr
    assert run.json["error"]["code"] == "fs.symlink_refused"
    assert ".reml" in run.json["error"]["message"]
    assert sorted(os.listdir(outside)) == []  # neither audit.db nor metrics.jsonl appeared


def test_lock_file_link_creates_nothing(checkout: Path, outside: Path, cli, live_state) -> None:
    state, diff = live_state
    planted = outside / "created-by-lock"
    Path(f"{state}.lock").unlink(missing_ok=True)
    Path(f"{state}.lock").symlink_to(planted)
    run = cli("reload", state.name, diff.name, "--format", "json")
    assert run.rc == 5 and run.json["error"]["code"] == "fs.symlink_refused"
    assert "lock file" in run.json["error"]["message"]
    assert not planted.exists()
    assert json.loads(state.read_text())["version"] == 1


def test_state_file_link_is_refused_not_detached(checkout: Path, outside: Path, cli,
                                                 live_state) -> None:
    state, diff = live_state
    real = outside / "real.state"
    real.write_bytes(state.read_bytes())
    state.unlink()
    state.symlink_to(real)
    before = real.read_bytes()
    run = cli("reload", state.name, diff.name, "--format", "json")
    assert run.rc == 5 and run.json["error"]["code"] == "fs.symlink_refused"
    assert "state file" in run.json["error"]["message"]
    assert state.is_symlink() and os.readlink(state) == str(real)  # not replaced by a file
    assert real.read_bytes() == before
    assert not Path(f"{state}.rollback.json").exists()


def test_rollback_file_link_is_refused(checkout: Path, outside: Path, cli, live_state) -> None:
    state, diff = live_state
    target = outside / "victim.json"
    target.write_text("{}")
    Path(f"{state}.rollback.json").symlink_to(target)
    run = cli("reload", state.name, diff.name, "--format", "json")
    assert run.rc == 5 and run.json["error"]["code"] == "fs.symlink_refused"
    assert target.read_text() == "{}"
    assert json.loads(state.read_text())["version"] == 1


def test_state_init_onto_a_dangling_link_creates_nothing(checkout: Path, outside: Path,
                                                        cli) -> None:
    (checkout / "c.json").write_text('{"a": 1}')
    (checkout / "new.state").symlink_to(outside / "made.state")
    run = cli("state", "init", "new.state", "--config", "c.json", "--format", "json")
    assert run.rc != 0 and "symbolic link" in run.json["error"]["message"]
    assert not (outside / "made.state").exists()


def test_audit_export_output_link_is_refused(checkout: Path, outside: Path, cli) -> None:
    target = outside / "export.jsonl"
    target.write_text("keep\n")
    (checkout / "out.jsonl").symlink_to(target)
    run = cli("audit", "export", "--output", "out.jsonl", "--format", "jsonl")
    assert run.rc != 0 and "symbolic link" in (run.stdout + run.stderr)
    assert target.read_text() == "keep\n"


def test_regular_files_still_work(checkout: Path, cli, live_state) -> None:
    state, diff = live_state
    run = cli("reload", state.name, diff.name, "--audit", "--format", "json")
    assert run.rc == 0 and run.json["result"]["status"] == "applied"
    assert (checkout / ".reml" / "audit.db").is_file()
    assert json.loads(state.read_text())["version"] == 2
