"""Seed §7 step 3: after a severe GPU error, return the runtime to a safe state with the same
mechanism as ``reml-run reload --rollback`` (the state file's last RollbackInfo).

Severe: the kernel failed or ran out of memory while running, or NVML reported Xid error events
during the launch. Refusals before anything ran (bad parameters, a missing backend) are not.
The rollback is audited twice: ``reml.rollback`` under the reload's audit_id (as ``reload
--rollback`` does) and ``gpu.rollback`` under the launch's audit_id, so ``audit show`` of either
operation tells the story.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.reload import Reloader

SEVERE_CODES = frozenset({"gpu.kernel_failed", "gpu.out_of_memory", "gpu.device_error"})


def is_severe(code: str | None, error_events: list[dict[str, Any]] | None = None) -> bool:
    return code in SEVERE_CODES or bool(error_events)


def rollback_after_gpu_error(state: Path, store: AuditStore | None, launch_audit_id: str,
                             reason: str) -> dict[str, Any]:
    """Roll ``state`` back; the outcome in brief (never raises for a refused rollback: the GPU
    error stays the command's error, the rollback's own failure is reported next to it)."""
    outcome = Reloader(Path(state), store).rollback()
    brief: dict[str, Any] = {"status": outcome.status, "state": str(state),
                             "audit_id": outcome.audit_id, "reason": reason,
                             "version_before": outcome.version_before,
                             "version_after": outcome.version_after}
    if outcome.error is not None:
        brief["error"] = outcome.error.as_json()
    if store is not None:
        try:
            store.record("gpu.rollback", launch_audit_id, brief)
        except Exception as exc:  # the rollback happened; the report says the audit failed
            brief["audit_error"] = str(exc)
    return brief
