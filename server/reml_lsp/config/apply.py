"""``Config.apply_diff``: apply a change set to a value, refusing when the value is not the base
the change set was computed from (a *stale* diff)."""

from __future__ import annotations

from typing import Any

from reml_lsp.config.compare import ChangeSet
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.flatten import flatten, same_value, unflatten

_MISSING = object()


def stale_conflicts(value: Any, change_set: ChangeSet) -> list[dict[str, Any]]:
    """Items whose ``previous`` (or absence, for added keys) does not match ``value``."""
    leaves = flatten(value)
    conflicts: list[dict[str, Any]] = []
    for change in change_set.changes:
        have = leaves.get(change.key, _MISSING)
        if change.kind == "added":
            if have is not _MISSING:
                conflicts.append({"key": change.key, "expected": "absent", "found": have})
        elif have is _MISSING:
            conflicts.append({"key": change.key, "expected": change.previous, "found": "absent"})
        elif not same_value(have, change.previous):
            conflicts.append({"key": change.key, "expected": change.previous, "found": have})
    return conflicts


def apply_diff(value: Any, change_set: ChangeSet) -> Any:
    """The new value. Raises ``config.diff.stale`` (kind ``rejected``) when ``value`` does not match
    the change set's base, ``config.diff.invalid`` when the result would be inconsistent."""
    conflicts = stale_conflicts(value, change_set)
    if conflicts:
        keys = ", ".join(c["key"] for c in conflicts[:5])
        raise ConfigError(
            "config.diff.stale",
            f"the diff was not computed from this config ({len(conflicts)} conflicting keys: "
            f"{keys})",
            "rejected",
            conflicts=conflicts,
        )
    leaves = flatten(value)
    for change in change_set.changes:
        if change.kind == "removed":
            del leaves[change.key]
        else:
            leaves[change.key] = change.current
    return unflatten(leaves)
