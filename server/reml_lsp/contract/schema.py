"""JSON Schema (2020-12) of the runtime results, generated from the attrs classes of
:mod:`reml_lsp.contract.results`, so the schema (and the TypeScript types generated from it)
cannot drift from what the CLI prints. ``scripts/gen_runtime_schema.py`` writes it to
``schemas/runtime-results.schema.json``; a test checks the checked-in file is current.

Every class is a ``$defs`` entry named after it (its ``title``, which json-schema-to-typescript
uses as the interface name); a key is ``required`` unless the field is an optional key
(``omit_if_none``); extra keys are refused except in an error's details.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

import attrs

from reml_lsp.contract.converter import OMIT_IF_NONE
from reml_lsp.contract.results import SCHEMA_ROOTS, ErrorInfo

SCHEMA_ID = "https://reml.dev/schemas/runtime-results.schema.json"
_PRIMITIVES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _ref(cls: type) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{cls.__name__}"}


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp is Any:
        return {}
    if tp is type(None):
        return {"type": "null"}
    if tp in _PRIMITIVES:
        return {"type": _PRIMITIVES[tp]}
    if attrs.has(tp):
        _class_schema(tp, defs)
        return _ref(tp)
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Literal:
        return {"enum": list(args)} if len(args) > 1 else {"const": args[0]}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_type_schema(a, defs) for a in args]}
    if origin is list:
        return {"type": "array", "items": _type_schema(args[0], defs)}
    if origin is dict:
        value = _type_schema(args[1], defs)
        return {"type": "object", "additionalProperties": value or True}
    raise TypeError(f"no JSON Schema for {tp!r}")


def _doc(cls: type) -> str:
    return " ".join((cls.__doc__ or "").split()).replace("``", "`")


def _without_none(tp: Any) -> Any:
    """An optional key is absent, never ``null``: its schema is the type without ``None``."""
    if get_origin(tp) in (Union, types.UnionType):
        rest = tuple(a for a in get_args(tp) if a is not type(None))
        return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
    return tp


def _class_schema(cls: type, defs: dict[str, Any]) -> None:
    name = cls.__name__
    if name in defs:
        return
    defs[name] = {}  # a placeholder against recursion
    hints = typing.get_type_hints(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in attrs.fields(cls):
        if cls is ErrorInfo and field.name == "details":
            continue  # flattened into the error object itself
        optional = bool(field.metadata.get(OMIT_IF_NONE))
        tp = _without_none(hints[field.name]) if optional else hints[field.name]
        prop = _type_schema(tp, defs)
        if field.metadata.get("doc"):
            prop = {**prop, "description": field.metadata["doc"]}
        properties[field.name] = prop
        if not optional:
            required.append(field.name)
    body: dict[str, Any] = {"title": name, "description": _doc(cls), "type": "object",
                            "properties": properties, "required": required,
                            "additionalProperties": cls is ErrorInfo}
    defs[name] = body


def runtime_results_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    for cls in SCHEMA_ROOTS:
        _class_schema(cls, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "RuntimeResults",
        "description": "The JSON that `reml-run … --format json` prints for the runtime "
                       "commands, and the summary the language server sends for them. "
                       "Generated from server/reml_lsp/contract/results.py: do not edit.",
        "anyOf": [_ref(cls) for cls in SCHEMA_ROOTS],
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(runtime_results_schema(), indent=2, ensure_ascii=False) + "\n"


def for_class(schema: dict[str, Any], cls: type) -> dict[str, Any]:
    """``schema`` narrowed to one class (for validating one command's output)."""
    return {"$schema": schema["$schema"], "$defs": schema["$defs"], **_ref(cls)}
