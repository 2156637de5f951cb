"""``[run.gc]`` of ``reml.toml`` (RunConfig.gc, runtime-bridges §10.1) and the GC session of a
long-running process (language server, ``watch``, ``metrics serve``).

```toml
[run.gc]
profile = "game"          # game | ide | web | data | a custom id declared below
pause_target_ms = 6.0     # optional overrides of the profile's template
heap_max_bytes = 268435456
policy = "Incremental"    # optional: Incremental | Generational | Rc | Region

[run.gc.profiles.editor]  # a custom profile must be declared before use (§10.1)
policy = "Generational"
pause_target_ms = 12.0
heap_max_bytes = 1073741824
```

A ``--gc-profile`` on the command line wins over ``profile``; the overrides still apply. A
missing ``reml.toml`` (or no ``[run.gc]``) gives the command's default profile. Anything invalid
is a :class:`GcConfigError` naming the file and the key — never silently ignored.
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import attrs

from reml_lsp.runtime.gc_profiles import (
    POLICIES,
    PROFILES,
    GcMonitor,
    GcProfile,
    Sink,
)

MANIFEST = "reml.toml"
_UNSET: Any = object()


class GcConfigError(ValueError):
    """``[run.gc]`` is invalid (unknown profile or policy, wrong type, unreadable manifest)."""

    def __init__(self, message: str, path: Path | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.key = key


@attrs.frozen
class GcSettings:
    """What ``[run.gc]`` says (``None``/unset: not given)."""

    profile: str | None = None
    policy: str | None = None
    pause_target_ms: Any = _UNSET
    heap_max_bytes: Any = _UNSET
    custom: dict[str, GcProfile] = attrs.Factory(dict)
    source: Path | None = None


def _number(value: Any, key: str, path: Path, kind: type) -> Any:
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                         and (kind is float or isinstance(value, int))):
        return None if value is None else kind(value)
    what = "a number" if kind is float else "an integer"
    raise GcConfigError(f"{path}: [run.gc] {key} must be {what}, got {value!r}", path, key)


def _custom(name: str, table: Any, path: Path) -> GcProfile:
    key = f"profiles.{name}"
    if not isinstance(table, dict):
        raise GcConfigError(f"{path}: [run.gc.{key}] must be a table", path, key)
    policy = table.get("policy")
    if policy not in POLICIES:
        raise GcConfigError(f"{path}: [run.gc.{key}] policy must be one of "
                            f"{', '.join(POLICIES)}, got {policy!r}", path, f"{key}.policy")
    base = next(p for p in PROFILES.values() if p.policy == policy)
    return GcProfile(
        name, policy,
        _number(table.get("pause_target_ms"), f"{key}.pause_target_ms", path, float),
        _number(table.get("heap_max_bytes"), f"{key}.heap_max_bytes", path, int),
        base.thresholds)


def load_gc_settings(root: Path | None) -> GcSettings:
    """``[run.gc]`` of ``<root>/reml.toml`` (empty settings when there is none)."""
    if root is None:
        return GcSettings()
    path = Path(root) / MANIFEST
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return GcSettings()
    except (OSError, UnicodeDecodeError) as exc:
        raise GcConfigError(f"{path}: cannot read ({exc})", path) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GcConfigError(f"{path}: invalid TOML ({exc})", path) from None
    run = doc.get("run")
    gc_table = run.get("gc") if isinstance(run, dict) else None
    if gc_table is None:
        return GcSettings(source=path)
    if not isinstance(gc_table, dict):
        raise GcConfigError(f"{path}: [run.gc] must be a table", path, "gc")
    known = {"profile", "policy", "pause_target_ms", "heap_max_bytes", "profiles"}
    unknown = sorted(set(gc_table) - known)
    if unknown:
        raise GcConfigError(f"{path}: [run.gc] unknown key(s) {', '.join(unknown)} "
                            f"(known: {', '.join(sorted(known))})", path, unknown[0])
    profile = gc_table.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise GcConfigError(f"{path}: [run.gc] profile must be a string", path, "profile")
    policy = gc_table.get("policy")
    if policy is not None and policy not in POLICIES:
        raise GcConfigError(f"{path}: [run.gc] policy must be one of {', '.join(POLICIES)}, "
                            f"got {policy!r}", path, "policy")
    customs = gc_table.get("profiles") or {}
    if not isinstance(customs, dict):
        raise GcConfigError(f"{path}: [run.gc.profiles] must be a table", path, "profiles")
    return GcSettings(
        profile=profile, policy=policy,
        pause_target_ms=_number(gc_table["pause_target_ms"], "pause_target_ms", path, float)
        if "pause_target_ms" in gc_table else _UNSET,
        heap_max_bytes=_number(gc_table["heap_max_bytes"], "heap_max_bytes", path, int)
        if "heap_max_bytes" in gc_table else _UNSET,
        custom={name: _custom(name, table, path) for name, table in customs.items()},
        source=path)


def resolve_gc(root: Path | None, cli_profile: str | None = None,
               default: str = "ide") -> GcProfile:
    """The profile a process runs with: ``--gc-profile``, else ``[run.gc] profile``, else
    ``default``; ``[run.gc]`` overrides applied; custom ids looked up in ``[run.gc.profiles]``."""
    settings = load_gc_settings(root)
    chosen = cli_profile or settings.profile or default
    known = {**PROFILES, **settings.custom}
    if chosen not in known:
        where = f" ({settings.source})" if settings.source and not cli_profile else ""
        raise GcConfigError(f"unknown GC profile {chosen!r}{where}; known: "
                            f"{', '.join(sorted(known))} (declare a custom one under "
                            f"[run.gc.profiles.{chosen}])", settings.source, "profile")
    changes: dict[str, Any] = {}
    for key in ("pause_target_ms", "heap_max_bytes"):
        value = getattr(settings, key)
        if value is _UNSET:
            continue
        if value is not None and value <= 0:
            raise GcConfigError(f"{settings.source}: [run.gc] {key} must be positive",
                                settings.source, key)
        changes[key] = value
    if settings.policy is not None:
        changes["policy"] = settings.policy
        changes["thresholds"] = next(p.thresholds for p in PROFILES.values()
                                     if p.policy == settings.policy)
    return attrs.evolve(known[chosen], **changes)


def start_gc_session(profile: GcProfile, sink: Sink | None, *,
                     warn_stream: TextIO | None = sys.stderr, flush_interval_s: float = 2.0,
                     stats_interval_s: float = 1.0,
                     on_warning: Callable[[str, dict[str, Any]], None] | None = None
                     ) -> GcMonitor:
    """Install ``profile`` with a background flusher delivering events to ``sink``; a
    ``gc.stats`` snapshot (``total_collections: 0``) records which profile the run uses.
    Keep the monitor and call ``uninstall()`` at the end (it flushes what is queued)."""
    monitor = GcMonitor(profile, sink, warn_stream=warn_stream,
                        stats_interval_s=stats_interval_s, on_warning=on_warning)
    monitor.install()
    monitor.snapshot()
    monitor.start_flusher(flush_interval_s)
    return monitor
