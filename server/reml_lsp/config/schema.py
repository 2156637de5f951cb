"""The config schema format: the upstream ``schema.json`` shape plus per-field extensions.

Upstream (``examples/core_config/cli/schema.json``)::

    {"name", "version": {"major", "minor", "patch"}, "description",
     "fields": {"<key>": {"name", "data_type", "required", "description"}}, "metadata"}

Extensions (documented in docs/runtime-config.md):

* a field key (or its ``name``) is a flattened path, ``limits.cpu`` or ``ports[*]``;
* ``dangerous: true`` — any change at or under the field is a dangerous change;
* ``restart_required: true`` — a change is applied but reported as needing a restart;
* ``role: "register_map" | "interrupt_mask"`` — embedded-target fields whose changes are dangerous;
* ``version`` may also be a ``"major.minor.patch"`` string.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import decode_text, parse_text, read_bytes
from reml_lsp.config.paths import Segment, is_under, parse_path

# data_type (case-insensitive) → the JSON type tags it accepts.
DATA_TYPES: dict[str, frozenset[str]] = {
    "string": frozenset({"string"}),
    "str": frozenset({"string"}),
    "number": frozenset({"number"}),
    "float": frozenset({"number"}),
    "double": frozenset({"number"}),
    "int": frozenset({"number"}),
    "integer": frozenset({"number"}),
    "bool": frozenset({"bool"}),
    "boolean": frozenset({"bool"}),
    "object": frozenset({"object"}),
    "map": frozenset({"object"}),
    "table": frozenset({"object"}),
    "record": frozenset({"object"}),
    "array": frozenset({"array"}),
    "list": frozenset({"array"}),
    "null": frozenset({"null"}),
    "any": frozenset({"string", "number", "bool", "object", "array", "null"}),
}
INTEGER_TYPES = frozenset({"int", "integer"})
ROLES = frozenset({"register_map", "interrupt_mask"})
_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:[-+].*)?")


@attrs.frozen(order=True)
class SchemaVersion:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@attrs.frozen
class FieldSpec:
    path: str
    segments: tuple[Segment, ...]
    data_type: str
    required: bool = False
    description: str = ""
    dangerous: bool = False
    restart_required: bool = False
    role: str | None = None

    def covers(self, segments: tuple[Segment, ...]) -> bool:
        """True when a change at ``segments`` is at or under this field."""
        return is_under(segments, self.segments)


@attrs.frozen
class Schema:
    name: str
    version: SchemaVersion | None
    description: str
    fields: tuple[FieldSpec, ...]
    metadata: dict[str, Any]
    raw: dict[str, Any]  # the document as read, kept in state snapshots

    def summary(self) -> dict[str, Any]:
        return {"name": self.name, "version": str(self.version) if self.version else None}

    def fields_covering(self, segments: tuple[Segment, ...]) -> list[FieldSpec]:
        return [f for f in self.fields if f.covers(segments)]


def load_schema(path: Path) -> Schema:
    path = Path(path)
    text = decode_text(path, read_bytes(path, "schema"), "schema")
    doc = parse_text(path, text, "json", "schema")  # schema.parse.invalid_json / too_deep
    return parse_schema(doc, source=str(path))


def parse_schema(doc: Any, source: str = "<schema>") -> Schema:
    if not isinstance(doc, dict):
        raise _invalid(source, "the schema must be a JSON object")
    name = doc.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid(source, "'name' must be a non-empty string")
    fields_doc = doc.get("fields", {})
    if not isinstance(fields_doc, dict):
        raise _invalid(source, "'fields' must be an object")
    fields = tuple(_parse_field(key, spec, source) for key, spec in fields_doc.items())
    metadata = doc.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _invalid(source, "'metadata' must be an object")
    return Schema(
        name=name,
        version=parse_version(doc.get("version"), source),
        description=str(doc.get("description", "")),
        fields=fields,
        metadata=metadata,
        raw=doc,
    )


def parse_version(value: Any, source: str = "<schema>") -> SchemaVersion | None:
    if value is None:
        return None
    if isinstance(value, str):
        m = _SEMVER.fullmatch(value.strip())
        if not m:
            raise _invalid(source, f"version {value!r} is not major.minor.patch")
        return SchemaVersion(*(int(g) for g in m.groups()))
    if isinstance(value, dict):
        parts = [value.get(k, 0) for k in ("major", "minor", "patch")]
        if all(isinstance(p, int) and not isinstance(p, bool) and p >= 0 for p in parts):
            return SchemaVersion(*parts)
    raise _invalid(source, "'version' must be {major, minor, patch} or \"x.y.z\"")


def _parse_field(key: str, spec: Any, source: str) -> FieldSpec:
    if not isinstance(spec, dict):
        raise _invalid(source, f"field {key!r} must be an object")
    path = spec.get("name") if isinstance(spec.get("name"), str) and spec.get("name") else key
    try:
        segments = parse_path(path, allow_wildcard=True)
    except ConfigError as exc:
        raise _invalid(source, f"field {key!r}: {exc.message}") from None
    data_type = spec.get("data_type", "Any")
    if not isinstance(data_type, str) or data_type.lower() not in DATA_TYPES:
        raise _invalid(source, f"field {key!r}: unknown data_type {data_type!r} "
                               f"(one of {', '.join(sorted(DATA_TYPES))})")
    role = spec.get("role")
    if role is not None and role not in ROLES:
        raise _invalid(source, f"field {key!r}: role must be one of {sorted(ROLES)}")
    flags = {}
    for flag in ("required", "dangerous", "restart_required"):
        value = spec.get(flag, False)
        if not isinstance(value, bool):
            raise _invalid(source, f"field {key!r}: {flag!r} must be true or false")
        flags[flag] = value
    return FieldSpec(
        path=path,
        segments=segments,
        data_type=data_type.lower(),
        description=str(spec.get("description", "")),
        role=role,
        **flags,
    )


def _invalid(source: str, why: str) -> ConfigError:
    return ConfigError("schema.invalid", f"{source}: {why}", path=source)
