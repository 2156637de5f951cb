"""Refusals and unreachable instruments are failures with JSON errors (real pyvisa-sim and
pyvisa-py, no mocks): a NAK exits 1, a refused connection is ``instrument.unreachable`` (6), and
a failed ``apply`` names the failing register's line in the map."""

from __future__ import annotations

import socket
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "instruments"
SIM = ["--backend", "@sim", "--sim-file", str(FIXTURES / "sim-devices.yaml")]
BOARD = "TCPIP0::sim-board::INSTR"


def test_a_nak_is_a_failure_not_a_reply(cli) -> None:
    refused_write, refused_query, strict_ok, strict_refused, unchecked = cli.many(
        ("instrument", "write", BOARD, "REG:MODE 9", *SIM, "--format", "json"),
        ("instrument", "query", BOARD, "NO:SUCH?", *SIM, "--format", "json"),
        ("instrument", "write", BOARD, "REG:MODE 2", "--ack", "OK", *SIM, "--format", "json"),
        ("instrument", "write", BOARD, "REG:MODE 9", "--ack", "OK", *SIM, "--format", "json"),
        ("instrument", "write", BOARD, "REG:MODE 9", "--ack-wait-ms", "0", *SIM,
         "--format", "json"),
    )
    for run, command in ((refused_write, "REG:MODE 9"), (refused_query, "NO:SUCH?")):
        assert run.rc == 1, run.stdout
        err = run.json["error"]
        assert err["code"] == "instrument.nak" and err["reply"] == "ERR"
        assert err["command"] == command and err["audit_id"]
        assert run.json["exit_code"] == {"label": "failure", "value": 1}
    assert strict_ok.rc == 0 and strict_ok.json["reply"] == "OK"
    assert strict_refused.rc == 1
    assert strict_refused.json["error"]["expected_reply"] == "OK"
    assert unchecked.rc == 0  # the caller chose not to wait for an acknowledgement
    bad = cli("instrument", "write", BOARD, "X 1", "--ack-wait-ms", "-1", *SIM,
              "--format", "json")
    assert bad.rc == 3


def test_refused_connections_are_unreachable(cli) -> None:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # VXI-11 (the portmapper on port 111 refuses) and a raw socket on a closed port
    vxi, raw = cli.many(
        ("instrument", "query", "TCPIP0::127.0.0.1::INSTR", "*IDN?", "--backend", "@py",
         "--timeout-ms", "500", "--format", "json"),
        ("instrument", "query", f"TCPIP0::127.0.0.1::{port}::SOCKET", "*IDN?", "--backend",
         "@py", "--timeout-ms", "500", "--format", "json"))
    for run in (vxi, raw):
        assert run.rc == 6, run.stdout
        assert run.json["error"]["code"] == "instrument.unreachable"
        assert "Connection refused" in run.json["error"]["message"]


def test_a_failed_apply_locates_the_failing_register(cli) -> None:
    regmap = FIXTURES / "bad-mode.regmap.toml"
    lines = regmap.read_text("utf-8").splitlines()
    run = cli("instrument", "apply", regmap, *SIM, "--format", "json")
    assert run.rc == 1
    err = run.json["error"]
    loc = err["location"]
    assert loc["path"] == str(regmap)
    assert lines[loc["line"] - 1] == "[registers.MODE]"
    assert lines[loc["line"] - 1][loc["column"] - 1:loc["end_column"] - 1] == "MODE"
    assert err["message"].startswith(f"{regmap}:{loc['line']}:{loc['column']}: ValidationError")
    [issue] = err["issues"]
    assert issue["key"] == "registers.MODE" and issue["code"] == "instrument.validation_error"
    text = cli("instrument", "apply", regmap, *SIM, "--format", "text")
    assert f"{regmap}:{loc['line']}:{loc['column']}:" in text.stderr
