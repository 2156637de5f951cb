"""Register-map schema (fixtures/instruments/*.regmap.*) and reply parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from reml_lsp.runtime.bridge_errors import BridgeError
from reml_lsp.runtime.instruments.regmap import load_regmap, parse_regmap
from reml_lsp.runtime.instruments.replies import parse_float, parse_int
from reml_lsp.runtime.instruments.telemetry import decode_flags

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "instruments"


def test_fixture_regmap_loads() -> None:
    regmap = load_regmap(FIXTURES / "board.regmap.toml")
    assert regmap.resource == "TCPIP0::sim-board::INSTR" and regmap.write_ack == "OK"
    assert regmap.desired() == {"registers": {"CTRL": 5, "GAIN": 4, "MODE": 2},
                                "interrupts": {"MASK": 15}}
    assert regmap.field("registers.CTRL").write_command(5) == "REG:CTRL 5"
    assert regmap.telemetry.flags[2] == "watchdog_reset"


def test_json_and_toml_forms_agree() -> None:
    json_map = load_regmap(FIXTURES / "board.regmap.json")
    assert json_map.field("registers.CTRL").value == 5  # "0x0005"
    assert json_map.telemetry.voltage == "MEAS:VOLT?"  # defaults


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ([], "root must be a table"),
        ({"instrument": {"watchdog_reset": "W"}}, "at least one register"),
        ({"instrument": {"watchdog_reset": "W"}, "registers": {"A": 3}}, "must be a table"),
        ({"instrument": {"watchdog_reset": "W"},
          "registers": {"A": {"read": "A?", "write": "A {value}", "value": True}}},
         "must be an integer"),
        ({"instrument": {"watchdog_reset": "W", "timeout_ms": 0},
          "registers": {"A": {"read": "A?", "write": "A {value}", "value": 1}}},
         "timeout_ms must be positive"),
        ({"instrument": {"watchdog_reset": "W"},
          "registers": {"A": {"read": "A?", "write": "A {value}", "value": 1, "width": 99}}},
         "width must be between 1 and 64"),
        ({"instrument": {"watchdog_reset": "W"},
          "registers": {"A": {"read": "A?", "write": "A {value}", "value": 1, "mask": 1}}},
         "unknown keys mask"),
        ({"instrument": {"watchdog_reset": "W"},
          "registers": {"A.B": {"read": "A?", "write": "A {value}", "value": 1}}},
         "a name must match"),
    ],
)
def test_schema_problems_are_reported(doc, needle) -> None:
    with pytest.raises(BridgeError) as exc:
        parse_regmap(doc)
    assert exc.value.code == "instrument.regmap.invalid"
    assert needle in exc.value.message


def test_reply_parsing() -> None:
    assert parse_int("r", "q", "0x0F") == 15
    assert parse_int("r", "q", "+1.5E+01") == 15
    assert parse_float("r", "q", "3.300") == 3.3
    for bad in ("1.5", "abc", ""):
        with pytest.raises(BridgeError) as exc:
            parse_int("r", "q", bad)
        assert exc.value.code == "instrument.malformed_reply"
    with pytest.raises(BridgeError):
        parse_float("r", "q", "nan")


def test_flag_decoding() -> None:
    names = {0: "overvoltage", 2: "watchdog_reset"}
    assert decode_flags(0, names) == []
    assert decode_flags(5, names) == ["overvoltage", "watchdog_reset"]
    assert decode_flags(2, names) == ["bit1"]
