"""``audit_id`` of one runtime operation (a reload, a rollback of it, a watch session).

A diff's own ``audit_id`` names the *diff* (its base and target configs): two state files that
receive the same diff must not share it, or ``audit show`` mixes their events. An operation id
is therefore a UUIDv5 over the operation kind, the state's identity (its ``run_id``, fixed at
``state init``, and its resolved path), the state's version and the SHA-256 of the content
applied. It stays deterministic — a ``--dry-run`` and the apply that follows it at the same
version share it, and the CLI and the server compute the same one — while two states, or two
versions of one state, always get different ids. (Re-applying a diff after a rollback to the
very same version and content names the same operation again: its events read
apply → rollback → apply under one id.)

Finding ids (diagnostics) are a different contract: ``reml_lsp.diagnostics.audit_id``.
"""

from __future__ import annotations

import uuid
from pathlib import Path

OPERATION_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://reml-lang.org/reml-lsp/operation")


def operation_id(kind: str, state_path: Path, content_sha: str, *, run_id: str | None = None,
                 version: int | None = None) -> str:
    """The UUIDv5 naming one ``kind`` operation on one version of one state file
    (``content_sha``: ``reml_lsp.config.canonical.digest`` of what it applies)."""
    try:
        where = str(Path(state_path).resolve())
    except OSError:
        where = str(Path(state_path).absolute())
    name = "\x1f".join([kind, run_id or "", where, "" if version is None else str(version),
                        content_sha])
    return str(uuid.uuid5(OPERATION_NAMESPACE, name))
