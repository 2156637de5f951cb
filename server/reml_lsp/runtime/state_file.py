"""The runtime state file read and written by ``reml-run state`` / ``reload`` / ``watch``.

Schema (``format: "reml.runtime.state/v1"``, documented in docs/runtime-config.md)::

    {"format", "version": int (1 at init, +1 per applied reload), "run_id": uuid (per state),
     "created_at", "updated_at", "config_source": {"path", "format"}, "config": <JSON value>,
     "config_digest": "sha256:…", "schema": <schema document> | null,
     "history": [{"audit_id", "event", "version", "at", "config_digest", "summary"}]}

``config_digest`` is recomputed on load; a mismatch means the file was edited by hand and is
reported, not trusted.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.audit.store import now_iso
from reml_lsp.config.canonical import digest
from reml_lsp.config.depth import wrapper_too_deep
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.schema import Schema, parse_schema

STATE_FORMAT = "reml.runtime.state/v1"
MAX_HISTORY = 100


@attrs.define
class RuntimeState:
    version: int
    run_id: str
    created_at: str
    updated_at: str
    config_source: dict[str, Any]
    config: Any
    schema_doc: dict[str, Any] | None
    history: list[dict[str, Any]]

    @property
    def config_digest(self) -> str:
        return digest(self.config)

    def schema(self) -> Schema | None:
        return parse_schema(self.schema_doc, "state schema") if self.schema_doc else None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "version": self.version,
            "run_id": self.run_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "config_source": self.config_source,
            "config": self.config,
            "config_digest": self.config_digest,
            "schema": self.schema_doc,
            "history": self.history[-MAX_HISTORY:],
        }

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def advanced(self, config: Any, *, audit_id: str, event: str,
                 summary: dict[str, Any]) -> RuntimeState:
        """The next state: ``config`` applied, version + 1, the event appended to history."""
        at = now_iso()
        entry = {"audit_id": audit_id, "event": event, "version": self.version + 1, "at": at,
                 "config_digest": digest(config), "summary": summary}
        return attrs.evolve(self, version=self.version + 1, updated_at=at, config=config,
                            history=[*self.history, entry])


def new_state(config: Any, source_path: str, source_format: str,
              schema_doc: dict[str, Any] | None) -> RuntimeState:
    at = now_iso()
    return RuntimeState(1, str(uuid.uuid4()), at, at,
                        {"path": source_path, "format": source_format}, config, schema_doc, [])


def parse_state(raw: bytes, path: Path) -> RuntimeState:
    try:
        text = raw.decode("utf-8")
        if wrapper_too_deep(text):  # json.loads would raise RecursionError
            raise ConfigError("reload.state.invalid", f"{path}: nested too deeply for a state "
                              "file", path=str(path))
        doc = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError("reload.state.invalid", f"{path}: not a JSON state file ({exc})",
                          path=str(path)) from None
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT:
        raise ConfigError("reload.state.invalid",
                          f"{path}: not a runtime state (format must be {STATE_FORMAT!r}); "
                          "create one with `reml-run state init`", path=str(path))
    try:
        state = RuntimeState(
            version=_int(doc["version"]),
            run_id=str(doc["run_id"]),
            created_at=str(doc.get("created_at", "")),
            updated_at=str(doc.get("updated_at", "")),
            config_source=dict(doc.get("config_source") or {}),
            config=doc["config"],
            schema_doc=doc.get("schema"),
            history=list(doc.get("history") or []),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError("reload.state.invalid", f"{path}: malformed state ({exc})",
                          path=str(path)) from None
    stored = doc.get("config_digest")
    if stored is not None and stored != state.config_digest:
        raise ConfigError("reload.state.digest_mismatch",
                          f"{path}: config_digest does not match config (edited by hand?)",
                          path=str(path), stored=stored, computed=state.config_digest)
    if state.schema_doc is not None:
        state.schema()  # raises schema.invalid early
    return state


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("version must be an integer")
    return value
