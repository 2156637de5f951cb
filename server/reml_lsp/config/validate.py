"""Validating a config value against a schema: required fields and data types.

Issues are plain data (``code``, ``key``, ``message``); :func:`issue_to_diagnostic` turns one into
the project's ``Diagnostic`` (domain ``config``) so the editor can show it on the config file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs

from reml_lsp.config.flatten import type_tag
from reml_lsp.config.paths import WILDCARD, Segment, format_path
from reml_lsp.config.schema import DATA_TYPES, INTEGER_TYPES, FieldSpec, Schema


@attrs.frozen
class ValidationIssue:
    code: str  # config.schema.required_missing | config.schema.type_mismatch
    key: str
    message: str
    severity: str = "error"
    expected: str | None = None
    actual: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in attrs.asdict(self).items() if v is not None}


def resolve(value: Any, segments: tuple[Segment, ...]) -> Iterator[tuple[tuple[Segment, ...], Any]]:
    """Every concrete path matching ``segments`` (``*`` expands over array elements)."""

    def walk(node: Any, rest: tuple[Segment, ...], done: tuple[Segment, ...]):
        if not rest:
            yield done, node
            return
        seg, tail = rest[0], rest[1:]
        if seg == WILDCARD:
            if isinstance(node, list):
                for i, child in enumerate(node):
                    yield from walk(child, tail, (*done, i))
        elif isinstance(seg, int):
            if isinstance(node, list) and 0 <= seg < len(node):
                yield from walk(node[seg], tail, (*done, seg))
        elif isinstance(node, dict) and seg in node:
            yield from walk(node[seg], tail, (*done, seg))

    yield from walk(value, segments, ())


def _parents(value: Any, segments: tuple[Segment, ...]) -> list[tuple[tuple[Segment, ...], Any]]:
    """Where a required field must exist: the root, or every element its last ``*`` matches."""
    if WILDCARD not in segments:
        return [((), value)]
    last_wild = max(i for i, s in enumerate(segments) if s == WILDCARD)
    return list(resolve(value, segments[: last_wild + 1]))


def _type_ok(field: FieldSpec, node: Any) -> bool:
    tag = type_tag(node)
    if tag not in DATA_TYPES[field.data_type]:
        return False
    return not (field.data_type in INTEGER_TYPES and isinstance(node, float))


def validate(value: Any, schema: Schema) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for field in schema.fields:
        matches = list(resolve(value, field.segments))
        if field.required:
            for parent, node in _parents(value, field.segments):
                rest = field.segments[len(parent):]
                if next(resolve(node, rest), None) is None:
                    key = format_path((*parent, *rest))
                    issues.append(ValidationIssue(
                        "config.schema.required_missing", key,
                        f"required field {key} is missing", expected=field.data_type,
                    ))
        for path, node in matches:
            if not _type_ok(field, node):
                key = format_path(path)
                issues.append(ValidationIssue(
                    "config.schema.type_mismatch", key,
                    f"{key} must be {field.data_type}, found {type_tag(node)}",
                    expected=field.data_type, actual=type_tag(node),
                ))
    return issues
