"""``gpu launch``: rollback of a runtime state after a severe GPU error (runtime-bridges §7
step 3), and progress on stderr only when stderr is a terminal."""

from __future__ import annotations

import json

import pytest
from cli_terminal import run_on_terminal
from reml_lsp.audit.store import AuditStore

OOM = ("gpu", "launch", "matmul", "-p", "n=1024", "--max-memory-mb", "1", "--backend", "numpy")


@pytest.fixture(autouse=True)
def _isolated_env(cli) -> None:
    for name in ("REML_METRICS_FILE", "REML_METRICS_STDERR", "REML_GPU_KERNELS",
                 "REML_PROGRESS_DELAY_S"):
        cli.env.pop(name, None)


def _reloaded_state(cli):
    cli.write("old.json", {"a": 1})
    cli.write("new.json", {"a": 2})
    assert cli("state", "init", "st.json", "--config", "old.json", "--format", "json").rc == 0
    diff = cli("diff", "old.json", "new.json", "--format", "json")
    (cli.root / "d.json").write_text(diff.stdout)
    applied = cli("reload", "st.json", "d.json", "--format", "json")
    assert applied.json["result"]["version_after"] == 2
    return cli.root / "st.json", applied.json["result"]["audit_id"]


def test_a_severe_gpu_error_rolls_the_state_back(cli):
    state, reload_id = _reloaded_state(cli)
    run = cli(*OOM, "--rollback-state", "st.json", "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["code"] == "gpu.out_of_memory"
    rollback = err["rollback"]
    assert rollback["status"] == "rolled-back" and rollback["audit_id"] == reload_id
    assert (rollback["version_before"], rollback["version_after"]) == (2, 1)
    assert json.loads(state.read_text())["version"] == 1
    assert "st.json rolled back to version 1" in err["message"]
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        launch_events = [e.event for e in store.show(err["audit_id"])]
        reload_events = [e.event for e in store.show(reload_id)]
    assert launch_events == ["gpu.init", "gpu.kernel", "gpu.rollback"]
    assert reload_events[-1] == "reml.rollback"
    # nothing left to roll back: the GPU error stays the error, the refusal is reported with it
    again = cli(*OOM, "--rollback-state", "st.json", "--format", "json")
    assert again.rc == 1 and again.json["error"]["code"] == "gpu.out_of_memory"
    assert again.json["error"]["rollback"]["error"]["code"] == "reload.rollback.empty"


def test_refusals_before_running_do_not_roll_back(cli):
    state, _ = _reloaded_state(cli)
    bad = cli("gpu", "launch", "matmul", "-p", "n=-4", "--backend", "numpy",
              "--rollback-state", "st.json", "--format", "json")
    assert bad.rc != 0 and "rollback" not in bad.json["error"]
    ok = cli("gpu", "launch", "matmul", "-p", "n=32", "--backend", "numpy",
             "--rollback-state", "st.json", "--format", "json")
    assert ok.rc == 0 and "rollback" not in ok.json
    assert json.loads(state.read_text())["version"] == 2


def _stderr_on_terminal(cli, *args: str) -> tuple[int, str, str]:
    return run_on_terminal(list(args), cli.root, {**cli.env, "REML_PROGRESS_DELAY_S": "0"})


def test_progress_on_a_terminal_and_nothing_extra_on_a_pipe(cli):
    args = ("gpu", "launch", "matmul", "-p", "n=64", "--repeat", "20", "--backend", "numpy",
            "--format", "json")
    rc, out, terminal = _stderr_on_terminal(cli, *args)
    assert rc == 0 and json.loads(out)["repeat"] == 20  # stdout stays one JSON document
    assert "gpu launch matmul" in terminal
    piped = cli(*args, env={"REML_PROGRESS_DELAY_S": "0"})
    assert piped.rc == 0 and piped.stderr == ""
