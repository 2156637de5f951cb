"""``Config.compare``: the leaf-by-leaf difference of two config values.

The JSON shapes follow upstream ``remlc config diff`` (``diff.expected.json``): a ``change_set`` of
``collections.diff.*`` items and a ``schema_diff`` (``MapDiff``) of
``Added``/``Removed``/``Updated`` changes with a ``type_tag``. Items are ordered by key path,
array indices numerically. Arrays are compared index by index (no move detection), so removals are
always at the end of an array.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import attrs

from reml_lsp.config.errors import ConfigError
from reml_lsp.config.flatten import flatten_segments, same_value, type_tag
from reml_lsp.config.paths import Segment, format_path, parse_path, sort_key

ChangeKind = Literal["added", "removed", "updated"]
_MISSING = object()

# Constant envelope of the upstream change set (core.collections audit policy v1).
CHANGE_SET_ENVELOPE = {
    "origin": "core.collections",
    "policy": "core.collections.audit.v1",
    "category": "collections.diff",
    "stage": "stable",
    "kind": "collections.diff.map",
}
_SCHEMA_KIND = {"added": "Added", "removed": "Removed", "updated": "Updated"}
_FROM_SCHEMA_KIND = {v: k for k, v in _SCHEMA_KIND.items()}


@attrs.frozen
class Change:
    kind: ChangeKind
    key: str
    segments: tuple[Segment, ...]
    previous: Any = None  # meaningful for removed/updated
    current: Any = None  # meaningful for added/updated

    @property
    def type_tag(self) -> str:
        return type_tag(self.previous if self.kind == "removed" else self.current)

    def item_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"kind": f"collections.diff.{self.kind}", "key": self.key}
        if self.kind != "added":
            item["previous"] = self.previous
        if self.kind != "removed":
            item["current"] = self.current
        return item

    def schema_json(self) -> dict[str, Any]:
        return {
            "kind": _SCHEMA_KIND[self.kind],
            "key": self.key,
            "previous": None if self.kind == "added" else self.previous,
            "current": None if self.kind == "removed" else self.current,
            "type_tag": self.type_tag,
            "mem_bytes": 0,
        }


@attrs.frozen
class ChangeSet:
    changes: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.changes)

    def summary(self) -> dict[str, int]:
        counts = {k: sum(1 for c in self.changes if c.kind == k)
                  for k in ("added", "removed", "updated")}
        return {**counts, "total": len(self.changes)}

    def change_set_json(self) -> dict[str, Any]:
        summary = self.summary()
        return {
            **CHANGE_SET_ENVELOPE,
            "summary": summary,
            "metadata": {
                k: CHANGE_SET_ENVELOPE[k] for k in ("stage", "category", "kind", "origin")
            },
            "items": [c.item_json() for c in self.changes],
            "total": summary["total"],
        }

    def schema_diff_json(self) -> dict[str, Any]:
        meta = {k: CHANGE_SET_ENVELOPE[k] for k in ("origin", "policy", "category", "stage")}
        return {
            "kind": "MapDiff",
            "metadata": {**meta, "total": len(self.changes), "mem_bytes": 0},
            "changes": [c.schema_json() for c in self.changes],
        }


def compare(old: Any, new: Any) -> ChangeSet:
    """Every differing leaf, added/removed/updated, sorted by key path."""
    before, after = flatten_segments(old), flatten_segments(new)
    changes: list[Change] = []
    for segs in sorted(before.keys() | after.keys(), key=sort_key):
        prev, cur = before.get(segs, _MISSING), after.get(segs, _MISSING)
        key = format_path(segs)
        if prev is _MISSING:
            changes.append(Change("added", key, segs, current=cur))
        elif cur is _MISSING:
            changes.append(Change("removed", key, segs, previous=prev))
        elif not same_value(prev, cur):
            changes.append(Change("updated", key, segs, previous=prev, current=cur))
    return ChangeSet(tuple(changes))


def change_set_from_json(doc: Any) -> ChangeSet:
    """Read a change set back from a diff document: its ``change_set.items`` (upstream shape) or,
    failing that, its ``schema_diff.changes``. Raises ``config.diff.invalid``."""
    if not isinstance(doc, dict):
        raise _invalid("the diff must be a JSON object")
    items = (doc.get("change_set") or {}).get("items") if isinstance(doc.get("change_set"),
                                                                      dict) else None
    changes: list[Change] = []
    if isinstance(items, list):
        for i, item in enumerate(items):
            kind = str(item.get("kind", "")).removeprefix("collections.diff.") \
                if isinstance(item, dict) else ""
            changes.append(_change(item, kind, f"change_set.items[{i}]"))
    elif isinstance((doc.get("schema_diff") or {}).get("changes"), list):
        for i, item in enumerate(doc["schema_diff"]["changes"]):
            kind = _FROM_SCHEMA_KIND.get(item.get("kind"), "") if isinstance(item, dict) else ""
            changes.append(_change(item, kind, f"schema_diff.changes[{i}]"))
    else:
        raise _invalid("no change_set.items or schema_diff.changes in the diff")
    counts = Counter(c.key for c in changes)  # list.count per key made big diffs quadratic
    dupes = sorted(k for k, n in counts.items() if n > 1)
    if dupes:
        raise _invalid(f"keys changed more than once: {', '.join(dupes)}", keys=dupes)
    return ChangeSet(tuple(sorted(changes, key=lambda c: sort_key(c.segments))))


def _change(item: Any, kind: str, where: str) -> Change:
    if not isinstance(item, dict) or kind not in ("added", "removed", "updated"):
        raise _invalid(f"{where}: kind must be added, removed or updated")
    key = item.get("key")
    if not isinstance(key, str):
        raise _invalid(f"{where}: 'key' must be a string")
    try:
        segs = parse_path(key)
    except ConfigError as exc:
        raise _invalid(f"{where}: {exc.message}") from None
    for field in (("previous",) if kind == "removed" else ("current",) if kind == "added"
                  else ("previous", "current")):
        if field not in item:
            raise _invalid(f"{where}: a {kind} change needs '{field}'")
    return Change(kind, format_path(segs), segs, item.get("previous"),  # type: ignore[arg-type]
                  item.get("current"))


def _invalid(why: str, **details: Any) -> ConfigError:
    return ConfigError("config.diff.invalid", f"invalid diff: {why}", **details)
