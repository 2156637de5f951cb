"""Loading and writing config files (JSON, TOML).

TOML dates and times have no JSON counterpart; they are loaded as ISO-8601 strings so that every
config is plain JSON data from here on.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import attrs
import tomli_w

from reml_lsp.config.depth import text_too_deep, too_deep_message, value_depth_path
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.paths import format_path

ConfigFormat = Literal["json", "toml"]


@attrs.frozen
class LoadedConfig:
    path: Path
    format: ConfigFormat
    data: Any
    raw: bytes  # the exact bytes read, for rollback snapshots and stale checks


def detect_format(path: Path, text: str) -> ConfigFormat:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return "toml"
    if suffix == ".json":
        return "json"
    return "json" if text.lstrip()[:1] in ("{", "[") else "toml"


def read_bytes(path: Path, what: str = "config") -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what}.io.not_found", f"{path}: no such file", "io",
                          path=str(path)) from None
    except IsADirectoryError:
        raise ConfigError(f"{what}.io.unreadable", f"{path}: is a directory", "io",
                          path=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"{what}.io.unreadable", f"{path}: {exc.strerror or exc}", "io",
                          path=str(path)) from None


def decode_text(path: Path, raw: bytes, what: str = "config") -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what}.parse.encoding", f"{path}: not UTF-8 ({exc.reason})",
                          path=str(path)) from None


def parse_text(path: Path, text: str, fmt: ConfigFormat, what: str = "config") -> Any:
    """The plain JSON data of ``text``; ``{what}.parse.too_deep`` past ``MAX_DEPTH`` nesting."""
    at = text_too_deep(text, fmt)
    if at is not None:
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise _too_deep(path, what, f"{path}:{line}:{column}", line=line, column=column)
    try:
        data = _parse(path, text, fmt, what)
    except RecursionError:  # a backstop: the scan above should leave none
        raise _too_deep(path, what, str(path)) from None
    deep = value_depth_path(data)
    if deep is not None:
        key = format_path(deep[:8]) + "…"
        raise _too_deep(path, what, f"{path}: at {key}", key=key)
    return _plain(data) if fmt == "toml" else data


def _too_deep(path: Path, what: str, where: str, **details: Any) -> ConfigError:
    return ConfigError(f"{what}.parse.too_deep", too_deep_message(where), path=str(path),
                       **details)


def _parse(path: Path, text: str, fmt: ConfigFormat, what: str) -> Any:
    if fmt == "toml":
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{what}.parse.invalid_toml", f"{path}: invalid TOML: {exc}",
                              path=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{what}.parse.invalid_json",
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}",
            path=str(path), line=exc.lineno, column=exc.colno,
        ) from None


def load_config(path: Path) -> LoadedConfig:
    path = Path(path)
    raw = read_bytes(path)
    text = decode_text(path, raw)
    fmt = detect_format(path, text)
    return LoadedConfig(path, fmt, parse_text(path, text, fmt), raw)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def dump_config(data: Any, fmt: ConfigFormat) -> bytes:
    """Serialise for writing; TOML cannot hold ``null`` or a non-table root."""
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if not isinstance(data, dict):
        raise ConfigError("config.write.unrepresentable", "a TOML document must be a table")
    try:
        return tomli_w.dumps(data).encode("utf-8")
    except TypeError as exc:
        raise ConfigError("config.write.unrepresentable",
                          f"cannot write this value as TOML: {exc}") from None
