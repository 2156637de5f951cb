"""Dangerous-change classification (upstream leaves "dangerous" undefined; digest §3.5).

A change is dangerous when it

* ``required_removed`` — removes a field the schema marks ``required``;
* ``type_changed`` — changes the JSON type of a value (``2`` → ``"2"``, a scalar → an object);
* ``field_dangerous`` — touches a field the schema marks ``dangerous: true``;
* ``schema_major`` — comes with a schema whose major version differs from the base schema's;
* ``register_map`` / ``interrupt_mask`` — touches an embedded-target field with that schema
  ``role``, or any key segment named ``register_map``/``registers`` or
  ``interrupt_mask``/``interrupt_masks``/``irq_mask`` (the runtime-bridges checklist, §6).

``restart_required`` fields are not dangerous; they are listed separately.
"""

from __future__ import annotations

from typing import Any

import attrs

from reml_lsp.config.compare import ChangeSet
from reml_lsp.config.flatten import type_tag
from reml_lsp.config.paths import Segment, format_path
from reml_lsp.config.schema import Schema, SchemaVersion
from reml_lsp.config.validate import resolve

REGISTER_NAMES = frozenset({"register_map", "registers"})
INTERRUPT_NAMES = frozenset({"interrupt_mask", "interrupt_masks", "irq_mask"})


@attrs.frozen
class DangerousChange:
    key: str
    reason: str
    message: str
    details: dict[str, Any] = attrs.field(factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "reason": self.reason, "message": self.message, **self.details}


def type_changes(old: Any, new: Any) -> list[tuple[tuple[Segment, ...], str, str]]:
    """The highest paths present in both values whose JSON type differs."""
    found: list[tuple[tuple[Segment, ...], str, str]] = []

    def walk(a: Any, b: Any, at: tuple[Segment, ...]) -> None:
        ta, tb = type_tag(a), type_tag(b)
        if ta != tb:
            found.append((at, ta, tb))
        elif isinstance(a, dict):
            for k in a.keys() & b.keys():
                walk(a[k], b[k], (*at, k))
        elif isinstance(a, list):
            for i in range(min(len(a), len(b))):
                walk(a[i], b[i], (*at, i))

    walk(old, new, ())
    return found


def classify(
    old: Any,
    new: Any,
    change_set: ChangeSet,
    schema: Schema | None = None,
    target_version: SchemaVersion | None = None,
) -> list[DangerousChange]:
    """``schema`` describes the base; ``target_version`` is the version of the schema the new
    value is meant for (defaults to the base schema's, i.e. no major change)."""
    out: list[DangerousChange] = []
    for segs, before, after in type_changes(old, new):
        key = format_path(segs)
        out.append(DangerousChange(key, "type_changed", f"{key} changes type {before} → {after}",
                                   {"previous_type": before, "current_type": after}))
    if schema is not None:
        for field in schema.fields:
            if not field.required:
                continue
            had = {format_path(p) for p, _ in resolve(old, field.segments)}
            has = {format_path(p) for p, _ in resolve(new, field.segments)}
            for key in sorted(had - has):
                out.append(DangerousChange(key, "required_removed",
                                           f"required field {key} is removed"))
    for change in change_set.changes:
        fields = schema.fields_covering(change.segments) if schema else []
        for field in fields:
            if field.dangerous:
                out.append(DangerousChange(change.key, "field_dangerous",
                                           f"{change.key} is marked dangerous ({field.path})",
                                           {"field": field.path}))
        names = {s for s in change.segments if isinstance(s, str)}
        roles = {f.role for f in fields if f.role}
        if "register_map" in roles or names & REGISTER_NAMES:
            out.append(DangerousChange(change.key, "register_map",
                                       f"{change.key} changes a register map"))
        if "interrupt_mask" in roles or names & INTERRUPT_NAMES:
            out.append(DangerousChange(change.key, "interrupt_mask",
                                       f"{change.key} changes an interrupt mask"))
    if schema and schema.version and target_version \
            and schema.version.major != target_version.major:
        out.append(DangerousChange(
            "$", "schema_major",
            f"schema major version changes {schema.version} → {target_version}",
            {"previous_version": str(schema.version), "current_version": str(target_version)},
        ))
    return _unique(out)


def restart_required(change_set: ChangeSet, schema: Schema | None) -> list[str]:
    if schema is None:
        return []
    return [c.key for c in change_set.changes
            if any(f.restart_required for f in schema.fields_covering(c.segments))]


def _unique(items: list[DangerousChange]) -> list[DangerousChange]:
    seen: set[tuple[str, str]] = set()
    out = []
    for item in items:
        if (item.key, item.reason) not in seen:
            seen.add((item.key, item.reason))
            out.append(item)
    return out
