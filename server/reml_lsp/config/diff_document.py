"""The diff document: what ``reml-run diff --format json`` prints and ``reml-run reload`` reads.

It is the upstream ``remlc config diff`` JSON (``command``, ``base``, ``target``, ``summary``,
``change_set``, ``schema_diff``) plus: ``status``, ``audit_id``, ``base.digest``/``target.digest``
(for the stale check), ``schema``/``target_schema`` (name and version), ``dangerous``,
``restart_required`` and ``validation``. docs/runtime-config.md is the reference.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from reml_lsp.config.canonical import canonical_json, digest
from reml_lsp.config.compare import ChangeSet, compare
from reml_lsp.config.dangerous import DangerousChange, classify, restart_required
from reml_lsp.config.flatten import flatten
from reml_lsp.config.loader import LoadedConfig
from reml_lsp.config.schema import Schema
from reml_lsp.config.validate import validate
from reml_lsp.diagnostics import compute_audit_id
from reml_lsp.workspace import relative_path


def operation_audit_id(path: Path, code: str, content: Any) -> str:
    """The DESIGN.md UUIDv5 for an operation on ``path``: the same inputs give the same id in the
    CLI and the server (a dry run and its apply share it)."""
    sha = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    return compute_audit_id(relative_path(Path(path)), sha, code, 0, 0)


def side(config: LoadedConfig, shown_path: str) -> dict[str, Any]:
    return {"path": shown_path, "format": config.format, "entries": len(flatten(config.data)),
            "digest": digest(config.data)}


def diff_document(
    old: LoadedConfig,
    new: LoadedConfig,
    *,
    schema: Schema | None = None,
    target_schema: Schema | None = None,
    shown_paths: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], ChangeSet, list[DangerousChange]]:
    change_set = compare(old.data, new.data)
    target_schema = target_schema or schema
    dangerous = classify(old.data, new.data, change_set, schema,
                         target_schema.version if target_schema else None)
    base_path, target_path = shown_paths or (str(old.path), str(new.path))
    base, target = side(old, base_path), side(new, target_path)
    doc: dict[str, Any] = {
        "command": "diff",
        "status": "changed" if change_set else "unchanged",
        "audit_id": operation_audit_id(old.path, "config.diff",
                                       {"base": base["digest"], "target": target["digest"]}),
        "base": base,
        "target": target,
        "schema": schema.summary() if schema else None,
        "target_schema": target_schema.summary() if target_schema else None,
        "summary": change_set.summary(),
        "change_set": change_set.change_set_json(),
        "schema_diff": change_set.schema_diff_json(),
        "dangerous": [d.as_json() for d in dangerous],
        "restart_required": restart_required(change_set, target_schema),
        "validation": {
            "base": [i.as_json() for i in validate(old.data, schema)] if schema else [],
            "target": [i.as_json() for i in validate(new.data, target_schema)]
            if target_schema else [],
        },
    }
    return doc, change_set, dangerous
