"""``reml-run instrument``: the real CLI against pyvisa-sim (fixtures/instruments/sim-devices.yaml).

No mock of pyvisa: the simulated devices declare a healthy board, a faulty one (stuck register,
refused values, error flags), a garbled one (malformed replies) and a mute one (timeouts)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from reml_lsp.audit.store import AuditStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "instruments"
SIM = ["--backend", "@sim", "--sim-file", str(FIXTURES / "sim-devices.yaml")]
BOARD = "TCPIP0::sim-board::INSTR"
FAULTY = "TCPIP0::sim-faulty::INSTR"
GARBLED = "TCPIP0::sim-garbled::INSTR"
MUTE = "TCPIP0::sim-mute::INSTR"
REGMAP = FIXTURES / "board.regmap.toml"


@pytest.fixture(autouse=True)
def _isolated_env(cli) -> None:
    """The caller's runtime settings must not leak into these tests."""
    for name in ("REML_METRICS_FILE", "REML_METRICS_STDERR", "REML_VISA_BACKEND",
                 "REML_GPU_KERNELS"):
        cli.env.pop(name, None)


def _audit(cli, audit_id: str) -> list[tuple[str, dict]]:
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        return [(e.event, e.payload) for e in store.show(audit_id)]


def _metrics(cli) -> list[dict]:
    path = cli.root / ".reml" / "metrics.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_list_declares_every_simulated_resource_and_identifies_them(cli) -> None:
    run = cli("instrument", "list", "--identify", "--timeout-ms", "300", *SIM, "--format", "json")
    assert run.rc == 0
    found = {r["resource"]: r for r in run.json["resources"]}
    assert set(found) == {"TCPIP0::sim-board::inst0::INSTR", "TCPIP0::sim-faulty::inst0::INSTR",
                          "TCPIP0::sim-garbled::inst0::INSTR", "TCPIP0::sim-mute::inst0::INSTR"}
    assert found["TCPIP0::sim-board::inst0::INSTR"]["idn"] == "REML,SIM-BOARD,SN0001,1.0"


def test_query_and_write_are_audited(cli) -> None:
    q, w = cli.many(("instrument", "query", BOARD, "*IDN?", *SIM, "--format", "json"),
                    ("instrument", "write", BOARD, "WDT:RST", *SIM, "--format", "json"))
    assert q.rc == 0 and w.rc == 0
    assert q.json["reply"] == "REML,SIM-BOARD,SN0001,1.0" and q.json["latency_ms"] >= 0
    assert w.json["reply"] == "OK"  # the acknowledgement the board sends back
    [(event, payload)] = _audit(cli, q.json["audit_id"])
    assert event == "instrument.query" and payload["reply"] == "REML,SIM-BOARD,SN0001,1.0"
    assert [e for e, _ in _audit(cli, w.json["audit_id"])] == ["instrument.write"]
    assert {m["event"] for m in _metrics(cli)} == {"instrument.query", "instrument.write"}


def test_query_envelope_keeps_the_command_name_and_the_scpi_text_apart(cli) -> None:
    """The SCPI text sent never overwrites the envelope's ``command`` (the reml-run command)."""
    q, w = cli.many(("instrument", "query", BOARD, "*IDN?", *SIM, "--format", "json"),
                    ("instrument", "write", BOARD, "WDT:RST", *SIM, "--format", "json"))
    assert q.rc == 0 and w.rc == 0
    assert q.json["command"] == "instrument query" and q.json["scpi"] == "*IDN?"
    assert w.json["command"] == "instrument write" and w.json["scpi"] == "WDT:RST"
    [(_, payload)] = _audit(cli, q.json["audit_id"])
    assert payload["scpi"] == "*IDN?"
    text = cli("instrument", "query", BOARD, "*IDN?", *SIM, "--format", "text")
    assert text.rc == 0 and text.stdout.startswith("TCPIP0::sim-board::inst0::INSTR: *IDN? -> ")


def test_telemetry_reads_voltage_temperature_flags_and_emits_metrics(cli) -> None:
    run = cli("instrument", "telemetry", BOARD, "--samples", "3", *SIM, "--format", "json")
    assert run.rc == 0
    doc = run.json
    assert doc["latest"] == {"voltage_v": 3.3, "temperature_c": 41.5, "error_flags": 0,
                             "flags_set": []}
    assert [s["sample"] for s in doc["samples"]] == [0, 1, 2]
    events = _audit(cli, doc["audit_id"])
    assert [e for e, _ in events] == ["embedded.telemetry"] * 3
    assert events[0][1]["voltage_v"] == 3.3
    [metric] = _metrics(cli)
    assert metric["event"] == "embedded.telemetry" and metric["audit_id"] == doc["audit_id"]
    assert metric["error_rate"] == 0.0 and metric["custom"]["temperature_c"] == 41.5
    assert metric["throughput_per_min"] > 0


def test_telemetry_with_error_flags_is_a_warning(cli) -> None:
    run = cli("instrument", "telemetry", "--regmap", REGMAP, FAULTY, *SIM, "--format", "json")
    assert run.rc == 2
    doc = run.json
    assert doc["status"] == "warning" and doc["latest"]["error_flags"] == 5
    assert doc["alerts"] == ["overvoltage", "watchdog_reset"]
    assert _metrics(cli)[-1]["error_rate"] == 1.0


def test_telemetry_takes_the_resource_from_the_regmap(cli) -> None:
    run = cli("instrument", "telemetry", "--regmap", REGMAP, *SIM, "--format", "json")
    assert run.rc == 0 and run.json["resource"] == "TCPIP0::sim-board::inst0::INSTR"


FAILURES = [
    (["telemetry", GARBLED], "instrument.malformed_reply", 1),
    (["telemetry", MUTE, "--timeout-ms", "150"], "instrument.timeout", 7),
    (["query", MUTE, "MEAS:VOLT?", "--timeout-ms", "150"], "instrument.timeout", 7),
    (["query", "TCPIP0::nothere::INSTR", "*IDN?"], "instrument.not_found", 6),
    (["query", "not-a-resource", "*IDN?"], "instrument.bad_resource", 3),
    (["telemetry"], "instrument.no_resource", 3),
    (["telemetry", BOARD, "--samples", "0"], "instrument.bad_parameter", 3),
    (["query", BOARD, "*IDN?", "--timeout-ms", "0"], "instrument.bad_parameter", 3),
    (["apply", REGMAP, "--resource", GARBLED], "instrument.malformed_reply", 1),
    (["apply", REGMAP, "--resource", MUTE, "--timeout-ms", "100"], "instrument.timeout", 7),
    (["apply", REGMAP, "--resource", "TCPIP0::nothere::INSTR"], "instrument.not_found", 6),
]


def test_instrument_failures_are_json_errors(cli) -> None:
    runs = cli.many(*[("instrument", *args, *SIM, "--format", "json") for args, _, _ in FAILURES])
    for (args, code, rc), run in zip(FAILURES, runs, strict=True):
        assert run.rc == rc, (args, run.stdout)
        doc = run.json
        assert doc["status"] == "error" and doc["error"]["code"] == code, args
        assert doc["exit_code"]["value"] == rc
        if args[0] == "apply":  # nothing was written, so there is nothing to roll back
            assert [e for e, _ in _audit(cli, doc["error"]["audit_id"])] == ["instrument.apply"]


def test_a_failed_operation_is_still_audited(cli) -> None:
    run = cli("instrument", "query", MUTE, "MEAS:TEMP?", "--timeout-ms", "150", *SIM,
              "--format", "json")
    err = run.json["error"]
    [(event, payload)] = _audit(cli, err["audit_id"])
    assert event == "instrument.query" and payload["error_code"] == "instrument.timeout"
    assert _metrics(cli)[-1]["error_rate"] == 1.0


MISSING_BACKENDS = [
    (["--backend", "@nosuchwrapper"], "instrument.backend_unavailable", 6),
    (["--backend", "/nonexistent/libvisa.so"], "instrument.backend_unavailable", 6),
    (["--backend", "@sim", "--sim-file", "/nonexistent.yaml"], "instrument.backend_unavailable", 6),
    (["--backend", "@py", "--sim-file", str(FIXTURES / "sim-devices.yaml")],
     "instrument.bad_backend", 3),
]


def test_missing_backends_are_unavailable(cli) -> None:
    runs = cli.many(*[("instrument", "query", BOARD, "*IDN?", *backend, "--format", "json")
                      for backend, _, _ in MISSING_BACKENDS])
    for (backend, code, rc), run in zip(MISSING_BACKENDS, runs, strict=True):
        assert run.rc == rc, backend
        assert run.json["error"]["code"] == code, backend


def test_a_refused_connection_is_unreachable(cli) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = cli("instrument", "query", f"TCPIP0::127.0.0.1::{port}::SOCKET", "*IDN?",
              "--backend", "@py", "--timeout-ms", "500", "--format", "json")
    assert run.rc == 6
    assert run.json["error"]["code"] == "instrument.unreachable"


def test_backend_from_the_environment(cli) -> None:
    env = {"REML_VISA_BACKEND": f"{FIXTURES / 'sim-devices.yaml'}@sim"}
    run = cli("instrument", "query", BOARD, "*IDN?", "--format", "json", env=env)
    assert run.rc == 0 and run.json["backend"].endswith("sim-devices.yaml@sim")


def test_apply_writes_verifies_and_audits_every_change(cli) -> None:
    run = cli("instrument", "apply", REGMAP, *SIM, "--format", "json")
    assert run.rc == 0, run.stdout
    doc = run.json
    assert doc["current"] == {"registers": {"CTRL": 0, "GAIN": 1, "MODE": 0},
                              "interrupts": {"MASK": 0}}
    assert doc["change_set"]["summary"] == {"added": 0, "removed": 0, "updated": 4, "total": 4}
    assert doc["change_set"]["policy"] == "core.collections.audit.v1"
    # registers first, interrupt masks last; each verified by read-back
    assert [a["key"] for a in doc["applied"]] == ["registers.CTRL", "registers.GAIN",
                                                  "registers.MODE", "interrupts.MASK"]
    assert all(a["verified"] and a["read_back"] == a["current"] for a in doc["applied"])
    events = [e for e, _ in _audit(cli, doc["audit_id"])]
    assert events == ["instrument.apply.plan", "register.update", "register.update",
                      "register.update", "interrupt.update", "instrument.apply"]
    assert _metrics(cli)[-1]["event"] == "instrument.apply"


def test_apply_dry_run_writes_nothing(cli) -> None:
    run = cli("instrument", "apply", REGMAP, "--dry-run", *SIM, "--format", "json")
    assert run.rc == 0
    doc = run.json
    assert doc["dry_run"] is True and doc["applied"] == []
    assert doc["change_set"]["total"] == 4
    assert [e for e, _ in _audit(cli, doc["audit_id"])] == ["instrument.apply.plan"]


def test_apply_json_regmap_with_hex_string_values(cli) -> None:
    run = cli("instrument", "apply", FIXTURES / "board.regmap.json", *SIM, "--format", "json")
    assert run.rc == 0
    assert [(a["key"], a["current"]) for a in run.json["applied"]] == [
        ("registers.CTRL", 5), ("interrupts.MASK", 15)]


def test_readback_mismatch_triggers_failsafe_and_rollback(cli) -> None:
    run = cli("instrument", "apply", REGMAP, "--resource", FAULTY, *SIM, "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["code"] == "instrument.validation_error" and err["type"] == "ValidationError"
    assert err["failed"] == {"key": "registers.GAIN", "phase": "read_back", "previous": 0,
                             "expected": 4, "command": "REG:GAIN 4", "actual": 0}
    assert err["failsafe"]["ok"] is True and err["failsafe"]["command"] == "WDT:RST"
    rollback = err["rollback"]
    assert rollback["status"] == "rolled_back" and rollback["audit_id"] == err["audit_id"]
    assert [(r["key"], r["value"], r["verified"]) for r in rollback["restored"]] == [
        ("registers.GAIN", 0, True), ("registers.CTRL", 0, True)]
    events = _audit(cli, err["audit_id"])
    assert [e for e, _ in events] == [
        "instrument.apply.plan", "register.update", "register.update", "instrument.failsafe",
        "register.rollback", "register.rollback", "instrument.rollback", "instrument.apply"]
    assert events[2][1]["status"] == "failed"
    assert events[6][1]["status"] == "rolled_back"


def test_refused_write_triggers_failsafe_and_rollback(cli) -> None:
    run = cli("instrument", "apply", FIXTURES / "bad-mode.regmap.toml", *SIM, "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["type"] == "ValidationError"
    assert err["failed"]["key"] == "registers.MODE" and err["failed"]["phase"] == "write"
    assert err["failed"]["reply"] == "ERR"
    assert [r["key"] for r in err["rollback"]["restored"]] == [
        "registers.MODE", "registers.GAIN", "registers.CTRL"]
    assert err["rollback"]["status"] == "rolled_back"


def test_invalid_regmaps_are_rejected_with_every_problem(cli) -> None:
    bad = cli.write("bad.toml", '[instrument]\nresource = "X"\n[registers.A]\nread = "A?"\n'
                                'write = "A"\nvalue = 300\nwidth = 8\n[colour]\n')
    run = cli("instrument", "apply", bad, *SIM, "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    assert err["code"] == "instrument.regmap.invalid"
    problems = " | ".join(err["problems"])
    for needle in ("unknown top-level keys: colour", "must contain {value}",
                   "does not fit in 8 bits", "instrument.watchdog_reset is required"):
        assert needle in problems


def test_regmap_read_errors(cli) -> None:
    missing, broken = cli.many(
        ("instrument", "apply", cli.root / "missing.toml", *SIM, "--format", "json"),
        ("instrument", "apply", cli.write("broken.toml", "[registers\n"), *SIM,
         "--format", "json"))
    assert missing.rc == 4 and missing.json["error"]["code"].endswith("not_found")
    assert broken.rc == 1 and "invalid_toml" in broken.json["error"]["code"]
