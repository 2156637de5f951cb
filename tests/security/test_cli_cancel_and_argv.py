"""``reml-run`` itself: SIGTERM before the commit point stops with nothing changed (exit 130,
``runtime.cancelled``), after it the operation finishes and reports ``applied``; values that look
like options are refused where a resource or a name is expected, even after ``--``."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

from security_helpers import cli_env


def _pauses_then_term(cli, args: list[str], env: dict[str, str], pauses: int,
                      marker: str) -> tuple[int, dict]:
    """Start ``reml-run ARGS``, send SIGTERM once it printed ``marker`` ``pauses`` times."""
    proc = subprocess.Popen(cli.argv(*args), cwd=cli.root, env=cli_env(**env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    seen = 0
    while seen < pauses:
        line = proc.stderr.readline()
        assert line, "reml-run ended before the pause"
        seen += line.strip() == marker
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    return proc.returncode, json.loads(out)


def test_sigterm_before_the_commit_point_changes_nothing(cli, live_state) -> None:
    state, diff = live_state
    before = state.read_bytes()
    rc, doc = _pauses_then_term(cli, ["reload", state.name, diff.name, "--format", "json"],
                                {"REML_CANCEL_TEST_DELAY_MS": "30000"}, 1, "cancel-test-pause")
    assert rc == 130
    assert doc["error"]["code"] == "runtime.cancelled"
    assert doc["exit_code"] == {"label": "cancelled", "value": 130}
    assert state.read_bytes() == before
    assert not Path(f"{state}.rollback.json").exists()
    assert not any(p.name.startswith(".live.state.tmp-") for p in state.parent.iterdir())


def test_sigterm_after_the_commit_point_finishes_and_reports_applied(cli, live_state) -> None:
    state, diff = live_state
    # the second crash-test pause is inside the commit (after the RollbackInfo was saved)
    rc, doc = _pauses_then_term(cli, ["reload", state.name, diff.name, "--format", "json"],
                                {"REML_CRASH_TEST_DELAY_MS": "300"}, 2, "crash-test-pause")
    assert rc == 0 and doc["result"]["status"] == "applied"
    assert json.loads(state.read_text())["version"] == 2


def test_sigterm_stops_a_rollback_before_it_writes(cli, live_state) -> None:
    state, diff = live_state
    assert cli("reload", state.name, diff.name, "--format", "json").rc == 0
    applied = state.read_bytes()
    rc, doc = _pauses_then_term(cli, ["reload", state.name, "--rollback", "--format", "json"],
                                {"REML_CANCEL_TEST_DELAY_MS": "30000"}, 1, "cancel-test-pause")
    assert rc == 130 and doc["error"]["code"] == "runtime.cancelled"
    assert state.read_bytes() == applied


def test_resource_that_looks_like_an_option_is_refused(cli, checkout: Path) -> None:
    marker = checkout / "LOADED"
    (checkout / "pyvisa_evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    for args in (["instrument", "telemetry", "--format=json", "--", "--backend=@evil"],
                 ["instrument", "query", "--format=json", "--", "--backend=@evil", "*IDN?"],
                 ["instrument", "telemetry", "--format=json", "--", "not a resource"]):
        run = cli(*args)
        assert run.rc == 3, run.stdout
        assert run.json["error"]["code"] == "instrument.bad_resource"
        assert "VISA resource name" in run.json["error"]["message"]
    assert not marker.exists()


def test_kernel_name_that_looks_like_an_option_is_refused(cli) -> None:
    run = cli("gpu", "launch", "--format=json", "--", "--backend=cupy")
    assert run.rc == 3 and "looks like an option" in run.json["error"]["message"]


def test_options_are_not_abbreviated(cli) -> None:
    run = cli("instrument", "list", "--back=@evil", "--format=json")
    assert run.rc == 3 and run.json["error"]["code"] == "cli.usage"
    assert "--back=@evil" in run.json["error"]["message"]
