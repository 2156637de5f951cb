"""Crash-safety trials: real ``reml-run reload`` / ``reload --rollback`` subprocesses killed with
SIGKILL at random moments of their write phase.

``REML_CRASH_TEST_DELAY_MS`` makes every crash-relevant step pause (and announce itself on
stderr), so kills land mid-write. After each kill:

* the state file parses and is exactly the old state or a complete new one, never torn;
* if it is the new state, the newest RollbackInfo restores the old bytes exactly;
* the rollback stack parses;
* the next operation succeeds (orphans from the kill are repaired, no lock is left held).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reml_lsp.config.canonical import digest_bytes
from reml_lsp.config.compare import compare
from reml_lsp.runtime.reload import Reloader
from reml_lsp.runtime.rollback import RollbackStack
from reml_lsp.runtime.state_file import new_state, parse_state

OLD = {"service": {"name": "a", "replicas": 2, "features": ["x", "y"]},
       "blob": "o" * 20_000}  # big enough that a write is not a single syscall
NEW = {"service": {"name": "a", "replicas": 3, "features": ["x"]}, "blob": "n" * 20_000,
       "telemetry": {"enabled": True}}
DELAY_MS = 15
PAUSES = 6  # pauses of one reload: stack write (2), after stack, state write (2), after write
RELOAD_TRIALS = 38
ROLLBACK_TRIALS = 12
# The real ``reml-run`` entry (``main.run``) and reload command, with only that subcommand
# registered: the other subcommands' imports (numpy, pyvisa) would triple each trial's start-up.
ENTRY = ("import sys; from reml_lsp.cli import main; main.COMMAND_MODULES[:] = ['reload']; "
         "sys.exit(main.run(sys.argv[1:]))")


def _diff_doc() -> dict:
    return {"change_set": compare(OLD, NEW).change_set_json()}


def _prepare(folder: Path, applied: bool) -> tuple[Path, bytes]:
    folder.mkdir()
    state = folder / "st.json"
    old = new_state(OLD, "c.json", "json", None).to_bytes()
    state.write_bytes(old)
    (folder / "d.json").write_text(json.dumps(_diff_doc()))
    if applied:
        assert Reloader(state).reload(_diff_doc()).status == "applied"
    return state, old


def _run_and_kill(args: list[str], cwd: Path, rng: random.Random) -> tuple[int | None, str]:
    env = {**os.environ, "REML_CRASH_TEST_DELAY_MS": str(DELAY_MS),
           "REML_AUDIT_DB": str(cwd / "audit.db")}
    proc = subprocess.Popen([sys.executable, "-c", ENTRY, *args], cwd=cwd,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # blocks until the first crash-relevant step (or exit)
    if first == b"crash-test-pause\n":
        time.sleep(rng.uniform(0, (PAUSES + 1) * DELAY_MS / 1000))
        proc.send_signal(signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, (first + err).decode(errors="replace")


def _check_reload_trial(folder: Path, seed: int) -> str:
    state, old = _prepare(folder, applied=False)
    rc, err = _run_and_kill(["reload", "st.json", "d.json", "--audit", "--format", "json"],
                            folder, random.Random(seed))
    assert "Traceback" not in err
    raw = state.read_bytes()
    parsed = parse_state(raw, state)  # never torn
    stack = RollbackStack.load(state)  # parses
    if raw == old:
        outcome = "old"
        assert rc != 0
    else:
        outcome = "new"
        assert parsed.config == NEW and parsed.version == 2
        top = stack.top()
        assert top is not None and top.content == old and top.to_digest == digest_bytes(raw)
    temps = [p for p in folder.iterdir() if ".tmp-" in p.name]
    # the next operation works (and sweeps the dead writer's temp files): roll back a new state,
    # re-apply to an old one
    if outcome == "new":
        assert Reloader(state).rollback().status == "rolled-back"
        assert state.read_bytes() == old
    else:
        assert Reloader(state).reload(_diff_doc()).status == "applied"
    assert not [p for p in folder.iterdir() if ".tmp-" in p.name]
    return f"{outcome}{'+temp' if temps else ''}:{rc}"


def _check_rollback_trial(folder: Path, seed: int) -> str:
    state, old = _prepare(folder, applied=True)
    applied = state.read_bytes()
    rc, err = _run_and_kill(["reload", "st.json", "--rollback", "--format", "json"], folder,
                            random.Random(seed))
    assert "Traceback" not in err
    raw = state.read_bytes()
    parse_state(raw, state)
    assert raw in (old, applied)
    RollbackStack.load(state)
    if raw == applied:  # not rolled back yet: the RollbackInfo must still be there
        assert Reloader(state).rollback().status == "rolled-back"
        assert state.read_bytes() == old
    else:  # rolled back, maybe with an orphan entry: the next reload repairs it
        assert Reloader(state).reload(_diff_doc()).status == "applied"
        assert [e.from_digest for e in RollbackStack.load(state).entries] == [digest_bytes(old)]
    return f"{'old' if raw == old else 'new'}:{rc}"


@pytest.mark.slow
def test_sigkill_at_random_moments_never_tears_state_nor_loses_rollback_info(tmp_path):
    base_seed = int(os.environ.get("REML_CRASH_SEED", random.randrange(1 << 30)))
    jobs = [(_check_reload_trial, tmp_path / f"r{i}", base_seed + i)
            for i in range(RELOAD_TRIALS)]
    jobs += [(_check_rollback_trial, tmp_path / f"b{i}", base_seed + 1000 + i)
             for i in range(ROLLBACK_TRIALS)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: job[0](job[1], job[2]), jobs))
    reloads, rollbacks = results[:RELOAD_TRIALS], results[RELOAD_TRIALS:]
    killed = [r for r in results if r.endswith(f":{-signal.SIGKILL}")]
    summary = f"seed={base_seed} reload={sorted(reloads)} rollback={sorted(rollbacks)}"
    assert len(results) >= 50
    # the trials must exercise both sides of the commit point, and kills mid-write
    assert any(r.startswith("old") for r in reloads), summary
    assert any(r.startswith("new") for r in reloads), summary
    assert len(killed) >= len(results) // 2, summary
    assert any("+temp" in r for r in reloads), summary
