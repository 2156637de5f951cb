"""``RollbackInfo``: the bytes of a file before an operation changed it, kept in a stack beside the
file (``NAME.rollback.json``) so ``reml-run reload --rollback`` can restore them.

Ordering makes the pair (file, stack) crash-safe without a two-file transaction:

* an operation saves its RollbackInfo *before* it replaces the file, so a replaced file always has
  the entry that restores it;
* a rollback replaces the file *before* it pops the entry.

A kill between the two steps leaves an *orphan*: the top entry's ``from_digest`` equals the file
(the change never happened, or was already undone). :meth:`RollbackStack.repair` drops orphans
before every reload and rollback.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.config.depth import wrapper_too_deep
from reml_lsp.config.errors import ConfigError
from reml_lsp.runtime.atomic import atomic_write

STACK_FORMAT = "reml.runtime.rollback/v1"
MAX_ENTRIES = 32


def stack_path(target: Path) -> Path:
    return target.parent / f"{target.name}.rollback.json"


@attrs.frozen
class RollbackInfo:
    audit_id: str
    operation: str  # "reload" | "diff.apply"
    saved_at: str
    from_digest: str  # sha256 of the file before the operation (the bytes restored)
    to_digest: str  # sha256 of the file the operation writes
    content: bytes
    summary: dict[str, Any] = attrs.field(factory=dict)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "audit_id": self.audit_id,
            "operation": self.operation,
            "saved_at": self.saved_at,
            "from_digest": self.from_digest,
            "to_digest": self.to_digest,
            "summary": self.summary,
        }
        try:
            body["content"] = self.content.decode("utf-8")
        except UnicodeDecodeError:
            body["content_b64"] = base64.b64encode(self.content).decode("ascii")
        return body

    def brief(self) -> dict[str, Any]:
        body = self.as_json()
        body.pop("content", None)
        body.pop("content_b64", None)
        return body

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> RollbackInfo:
        if "content" in body:
            content = str(body["content"]).encode("utf-8")
        else:
            content = base64.b64decode(body["content_b64"])
        return cls(
            audit_id=str(body["audit_id"]),
            operation=str(body.get("operation", "reload")),
            saved_at=str(body.get("saved_at", "")),
            from_digest=str(body["from_digest"]),
            to_digest=str(body["to_digest"]),
            content=content,
            summary=dict(body.get("summary") or {}),
        )


@attrs.define
class RollbackStack:
    target: Path
    entries: list[RollbackInfo]

    @property
    def path(self) -> Path:
        return stack_path(self.target)

    @classmethod
    def load(cls, target: Path) -> RollbackStack:
        path = stack_path(target)
        try:
            text = path.read_text("utf-8")
            if wrapper_too_deep(text):  # json.loads would raise RecursionError
                raise json.JSONDecodeError("nested too deeply", text, 0)
            doc = json.loads(text)
        except FileNotFoundError:
            return cls(target, [])
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError("reload.rollback.unreadable", f"{path}: {exc}", "io",
                              path=str(path)) from None
        except json.JSONDecodeError as exc:
            raise ConfigError("reload.rollback.invalid", f"{path}: invalid JSON: {exc.msg}",
                              path=str(path)) from None
        try:
            if doc.get("format") != STACK_FORMAT:
                raise ValueError(f"format is not {STACK_FORMAT}")
            entries = [RollbackInfo.from_json(e) for e in doc["entries"]]
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ConfigError("reload.rollback.invalid", f"{path}: not a rollback stack ({exc})",
                              path=str(path)) from None
        return cls(target, entries)

    def save(self) -> None:
        doc = {"format": STACK_FORMAT, "target": self.target.name,
               "entries": [e.as_json() for e in self.entries[-MAX_ENTRIES:]]}
        atomic_write(self.path, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode())

    def repair(self, current_digest: str) -> list[RollbackInfo]:
        """Drop orphan entries (see the module doc); returns what was dropped."""
        dropped = []
        while self.entries and self.entries[-1].from_digest == current_digest \
                and self.entries[-1].to_digest != current_digest:
            dropped.append(self.entries.pop())
        return dropped

    def top(self) -> RollbackInfo | None:
        return self.entries[-1] if self.entries else None
