"""Deterministic ``audit_id`` (DESIGN.md): UUIDv5 over a canonical JSON of the finding, so the CLI
and the server name the same finding the same way without talking to each other."""

from __future__ import annotations

import hashlib
import json
import uuid

# Fixed namespace of this project (itself a UUIDv5 in the URL namespace).
AUDIT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reml-lang.org/reml-lsp/audit-id")


def document_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def compute_audit_id(path: str, digest: str, code: str, start: int, end: int) -> str:
    """``path`` is workspace-relative with ``/``; ``digest`` the SHA-256 of the document text;
    ``start``/``end`` the byte span of the finding."""
    name = json.dumps(
        {"path": path, "sha256": digest, "code": code, "start": start, "end": end},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return str(uuid.uuid5(AUDIT_NAMESPACE, name))
