"""Register maps and interrupt masks declared in a config file (TOML or JSON), and their schema.

```toml
[instrument]                       # optional table
resource = "TCPIP0::sim-board::INSTR"   # default resource (--resource overrides)
timeout_ms = 2000                  # per-query timeout
write_ack = "OK"                   # if set, a write is a query whose reply must equal this
watchdog_reset = "WDT:RST"         # fail-safe command (required)
watchdog_ack = "OK"                # optional expected reply of the fail-safe (then it is a query)

[registers.CTRL]                   # one table per register
read = "REG:CTRL?"                 # query returning the value (decimal, 0x.., or float-integral)
write = "REG:CTRL {value}"         # command template; {value} is replaced by the decimal value
value = 5                          # desired value (int; "0x0F" strings accepted)
width = 16                         # optional, bits (1..64, default 32): 0 <= value < 2**width

[interrupts.MASK]                  # same fields, applied after the registers
read = "IRQ:MASK?"
write = "IRQ:MASK {value}"
value = 0x0F
width = 8

[telemetry]                        # optional; defaults shown
voltage = "MEAS:VOLT?"
temperature = "MEAS:TEMP?"
error_flags = "STAT:ERR?"
flags = { 0 = "overvoltage", 1 = "overtemperature", 2 = "watchdog_reset", 3 = "bus_error" }
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.config import ConfigError, load_config
from reml_lsp.runtime.bridge_errors import BridgeError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
DEFAULT_FLAGS = {0: "overvoltage", 1: "overtemperature", 2: "watchdog_reset", 3: "bus_error"}


@attrs.frozen
class TelemetrySpec:
    voltage: str = "MEAS:VOLT?"
    temperature: str = "MEAS:TEMP?"
    error_flags: str = "STAT:ERR?"
    flags: dict[int, str] = attrs.field(factory=lambda: dict(DEFAULT_FLAGS))


@attrs.frozen
class RegField:
    """One register or interrupt mask."""

    group: str  # "registers" or "interrupts"
    name: str
    read: str
    write: str
    value: int
    width: int = 32

    @property
    def key(self) -> str:
        return f"{self.group}.{self.name}"

    def write_command(self, value: int) -> str:
        return self.write.replace("{value}", str(value))


@attrs.frozen
class RegMap:
    path: str
    resource: str | None
    timeout_ms: int | None
    write_ack: str | None
    watchdog_reset: str
    watchdog_ack: str | None
    fields: tuple[RegField, ...]
    telemetry: TelemetrySpec

    def field(self, key: str) -> RegField:
        return next(f for f in self.fields if f.key == key)

    def desired(self) -> dict[str, dict[str, int]]:
        doc: dict[str, dict[str, int]] = {"registers": {}, "interrupts": {}}
        for f in self.fields:
            doc[f.group][f.name] = f.value
        return doc


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def need_str(self, table: dict[str, Any], key: str, where: str, required: bool) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.items.append(f"{where}.{key} is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.items.append(f"{where}.{key} must be a non-empty string")
            return None
        return value

    def need_int(self, value: Any, where: str) -> int | None:
        if isinstance(value, bool):
            self.items.append(f"{where} must be an integer")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str):
            try:
                return int(value, 0)
            except ValueError:
                pass
        self.items.append(f"{where} must be an integer (or a string like \"0x0F\")")
        return None


def _table(doc: dict[str, Any], key: str, problems: _Problems) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.items.append(f"{key} must be a table")
        return {}
    return value


def _field(group: str, name: str, spec: Any, p: _Problems) -> RegField | None:
    where = f"{group}.{name}"
    if not _NAME.fullmatch(name):
        p.items.append(f"{where}: a name must match [A-Za-z_][A-Za-z0-9_]*")
        return None
    if not isinstance(spec, dict):
        p.items.append(f"{where} must be a table with read, write and value")
        return None
    unknown = sorted(set(spec) - {"read", "write", "value", "width"})
    if unknown:
        p.items.append(f"{where}: unknown keys {', '.join(unknown)}")
    read = p.need_str(spec, "read", where, True)
    write = p.need_str(spec, "write", where, True)
    if write is not None and "{value}" not in write:
        p.items.append(f"{where}.write must contain {{value}}")
    value = p.need_int(spec.get("value"), f"{where}.value") if "value" in spec else None
    if "value" not in spec:
        p.items.append(f"{where}.value is required")
    width = p.need_int(spec.get("width", 32), f"{where}.width")
    if width is not None and not 1 <= width <= 64:
        p.items.append(f"{where}.width must be between 1 and 64")
        width = None
    if value is not None and width is not None and not 0 <= value < 2**width:
        p.items.append(f"{where}.value {value} does not fit in {width} bits")
    if read is None or write is None or value is None or width is None:
        return None
    return RegField(group, name, read, write, value, width)


def _telemetry(doc: dict[str, Any], p: _Problems) -> TelemetrySpec:
    table = _table(doc, "telemetry", p)
    base = TelemetrySpec()
    kwargs: dict[str, Any] = {}
    for key in ("voltage", "temperature", "error_flags"):
        if key in table:
            kwargs[key] = p.need_str(table, key, "telemetry", True) or getattr(base, key)
    if "flags" in table:
        flags: dict[int, str] = {}
        raw = table["flags"]
        if not isinstance(raw, dict):
            p.items.append("telemetry.flags must be a table of bit = name")
        else:
            for bit, name in raw.items():
                num = p.need_int(bit, f"telemetry.flags.{bit}")
                if num is not None and isinstance(name, str):
                    flags[num] = name
                elif num is not None:
                    p.items.append(f"telemetry.flags.{bit} must be a string")
        kwargs["flags"] = flags
    return TelemetrySpec(**kwargs)


def parse_regmap(doc: Any, path: str = "<regmap>") -> RegMap:
    p = _Problems()
    if not isinstance(doc, dict):
        raise BridgeError("instrument.regmap.invalid", f"{path}: the root must be a table",
                          "failure", path=path, problems=["the root must be a table"])
    unknown = sorted(set(doc) - {"instrument", "registers", "interrupts", "telemetry"})
    if unknown:
        p.items.append(f"unknown top-level keys: {', '.join(unknown)}")
    inst = _table(doc, "instrument", p)
    timeout = p.need_int(inst["timeout_ms"], "instrument.timeout_ms") if "timeout_ms" in inst \
        else None
    if timeout is not None and timeout <= 0:
        p.items.append("instrument.timeout_ms must be positive")
    fields: list[RegField] = []
    for group in ("registers", "interrupts"):
        for name, spec in _table(doc, group, p).items():
            field = _field(group, str(name), spec, p)
            if field is not None:
                fields.append(field)
    if not any(_table(doc, g, _Problems()) for g in ("registers", "interrupts")):
        p.items.append("declare at least one register or interrupt mask")
    regmap = RegMap(
        path=path,
        resource=p.need_str(inst, "resource", "instrument", False),
        timeout_ms=timeout,
        write_ack=p.need_str(inst, "write_ack", "instrument", False),
        watchdog_reset=p.need_str(inst, "watchdog_reset", "instrument", True) or "",
        watchdog_ack=p.need_str(inst, "watchdog_ack", "instrument", False),
        fields=tuple(fields),
        telemetry=_telemetry(doc, p),
    )
    if p.items:
        raise BridgeError("instrument.regmap.invalid",
                          f"{path}: invalid register map: {'; '.join(p.items)}", "failure",
                          path=path, problems=p.items)
    return regmap


def field_location(regmap: RegMap, key: str) -> dict[str, Any] | None:
    """Where ``key`` (``registers.MODE``) is declared in the map's file: ``path``, 1-based
    ``line``/``column`` (code points) and their ends; None when the file cannot be read."""
    from reml_lsp.config.issue_diagnostics import key_span

    try:
        text = Path(regmap.path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    data = text.encode("utf-8")
    start, end = key_span(text, key)

    def line_col(offset: int) -> tuple[int, int]:
        before = data[:offset].decode("utf-8", "replace")
        return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1

    (line, column), (end_line, end_column) = line_col(start), line_col(end)
    return {"path": regmap.path, "line": line, "column": column, "end_line": end_line,
            "end_column": end_column}


def load_regmap(path: Path) -> RegMap:
    try:
        loaded = load_config(path)
    except ConfigError as err:
        raise BridgeError(err.code, err.message, err.kind, **err.details) from None
    return parse_regmap(loaded.data, str(path))
