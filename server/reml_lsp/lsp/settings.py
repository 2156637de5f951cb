"""Server settings (section ``reml`` of ``workspace/configuration``), validated with cattrs.

A bad value never stops the server: it is reported in a clear message and that one setting falls
back to its default.
"""

from __future__ import annotations

import sys
from typing import Any

import attrs
import cattrs

from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS


def default_runtime_command() -> list[str]:
    """``reml-run`` as this server's own interpreter runs it (no PATH lookup)."""
    return [sys.executable, "-m", "reml_lsp.cli.main"]


@attrs.define
class BackpressureSpec:
    """Debounce and maximum lag of didChange → diagnostics (spec 2-7 ``BackpressureSpec``)."""

    debounce_ms: float = attrs.field(default=0.0, validator=attrs.validators.ge(0))
    max_lag_ms: float = attrs.field(default=50.0, validator=attrs.validators.ge(0))


@attrs.define
class RuntimeSettings:
    command: list[str] = attrs.Factory(default_runtime_command)
    timeout_s: float = attrs.field(default=120.0, validator=attrs.validators.gt(0))
    audit: bool = True  # pass --audit to diff/reload/rollback


@attrs.define
class Settings:
    locale: str | None = None  # reml.language.locale; None = initialize → $REML_LOCALE → $LANG
    backpressure: BackpressureSpec = attrs.Factory(BackpressureSpec)
    runtime: RuntimeSettings = attrs.Factory(RuntimeSettings)
    audit_db: str | None = None  # default: $REML_AUDIT_DB or <workspace>/.reml/audit.db
    # VISA library for instrument commands: the user's own (machine-scoped) setting, never a
    # request's (docs/security.md); None: $REML_VISA_BACKEND, else @py
    instrument_backend: str | None = None
    # reml.diagnostics.maxPerFile: findings published per file, then one summary (0: no cap)
    max_diagnostics: int = attrs.field(default=DEFAULT_MAX_DIAGNOSTICS,
                                       validator=attrs.validators.ge(0))


_converter = cattrs.Converter(forbid_extra_keys=False)

# Client-facing names (camelCase, as VS Code settings are written) → (section, field).
_FIELDS: dict[tuple[str, ...], tuple[str | None, str, Any]] = {
    ("language", "locale"): (None, "locale", str | None),
    ("backpressure", "debounceMs"): ("backpressure", "debounce_ms", float),
    ("backpressure", "maxLagMs"): ("backpressure", "max_lag_ms", float),
    ("runtime", "command"): ("runtime", "command", list[str]),
    ("runtime", "timeoutSeconds"): ("runtime", "timeout_s", float),
    ("runtime", "audit"): ("runtime", "audit", bool),
    ("audit", "database"): (None, "audit_db", str | None),
    ("instrument", "backend"): (None, "instrument_backend", str | None),
    ("diagnostics", "maxPerFile"): (None, "max_diagnostics", int),
}


def _lookup(raw: dict[str, Any], path: tuple[str, ...]) -> tuple[bool, Any]:
    cur: Any = raw
    for part in path:
        if not isinstance(cur, dict) or part not in cur:
            return False, None
        cur = cur[part]
    return True, cur


def load_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from the ``reml`` section; the second value lists the problems found."""
    settings = Settings()
    problems: list[str] = []
    if raw is None:
        return settings, problems
    if not isinstance(raw, dict):
        return settings, [f"reml: expected an object of settings, got {type(raw).__name__}; "
                          "using the defaults"]
    for path, (section, field, typ) in _FIELDS.items():
        present, value = _lookup(raw, path)
        if not present:
            continue
        name = "reml." + ".".join(path)
        if field == "command" and isinstance(value, str):
            value = value.split()
        try:
            if typ is bool and not isinstance(value, bool):
                raise TypeError("expected true or false")
            if typ is float and isinstance(value, bool):
                raise TypeError("expected a number")
            if typ is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError("expected a whole number")
            structured = _converter.structure(value, typ)
            if field == "command" and not structured:
                raise ValueError("expected a non-empty list of strings")
            target = settings if section is None else getattr(settings, section)
            setattr(target, field, structured)
            attrs.validate(target)
        except Exception as exc:  # any bad value: explain, keep the default
            default = getattr(Settings() if section is None else getattr(Settings(), section),
                              field)
            if section is not None:
                setattr(getattr(settings, section), field, default)
            else:
                setattr(settings, field, default)
            problems.append(f"{name}: invalid value {value!r} ({_reason(exc)}); "
                            f"using the default {default!r}")
    return settings, problems


def _reason(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        inner = [str(e) for e in exc.exceptions] or [str(exc)]
        return "; ".join(inner)
    return str(exc) or type(exc).__name__
