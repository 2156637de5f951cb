"""The JSON documents ``reml-run … --format json`` prints for the runtime commands the language
server runs (diff, reload/rollback, gpu launch, instrument query/telemetry/apply), the error
envelope every command prints on failure, and the summary the server sends to its client
(``reml/runtimeResult`` and the ``workspace/executeCommand`` answer).

Field names and values are the ones documented in docs/runtime-*.md and tested in tests/cli: the
classes describe the output, they do not rename it. Parts whose inner shape belongs to another
component (a change set, NVML readings, metric records) are typed as objects here; the fields a
reader acts on are typed precisely.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from reml_lsp.contract.converter import converter, doc, optional, register_omitting

PID_DOC = "the reml-run child's process id, added by the language server"


class _StatusDocument:
    """What the server reads of most documents: their own ``audit_id`` and ``status``."""

    __slots__ = ()
    audit_id: str
    status: str

    def audit(self) -> str | None:
        return self.audit_id

    def outcome(self) -> str:
        return self.status


@attrs.define
class ExitCodeInfo:
    """The exit code of the command, with its label from the one exit-code table."""

    label: str = attrs.field(
        metadata=doc("success, failure, warning, usage, io, rejected, unavailable, …"))
    value: int = attrs.field(metadata=doc("the process exit status"))


@attrs.define
class ErrorInfo:
    """A failure: a stable dotted ``code``, a message, the operation's ``audit_id`` when one was
    recorded, and details that depend on the code (``path``, ``issues``, ``problems``, …)."""

    code: str = attrs.field(metadata=doc("stable dotted code, e.g. config.diff.stale"))
    message: str = attrs.field(metadata=doc("one line for a person"))
    audit_id: str | None = attrs.field(
        default=None, metadata=optional("the audited operation that failed"))
    details: dict[str, Any] = attrs.field(
        factory=dict, metadata=doc("the code's own details (flattened)"))

    def issues(self) -> list[dict[str, Any]]:
        raw = self.details.get("issues")
        return [i for i in raw if isinstance(i, dict)] if isinstance(raw, list) else []

    def problems(self) -> list[str]:
        raw = self.details.get("problems")
        return [str(p) for p in raw] if isinstance(raw, list) else []


_ERROR_KEYS = ("code", "message", "audit_id")


def _unstructure_error(err: ErrorInfo) -> dict[str, Any]:
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.audit_id is not None:
        body["audit_id"] = err.audit_id
    body.update({k: v for k, v in err.details.items() if k not in _ERROR_KEYS})
    return body


def _structure_error(value: Any, _: Any) -> ErrorInfo:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object, got {type(value).__name__}")
    missing = [k for k in ("code", "message") if k not in value]
    if missing:
        raise TypeError(f"an error object needs {' and '.join(missing)}")
    head = {k: value[k] for k in _ERROR_KEYS if k in value}
    details = {k: v for k, v in value.items() if k not in _ERROR_KEYS}
    return ErrorInfo(**{k: converter.structure(v, str | None if k == "audit_id" else str)
                        for k, v in head.items()}, details=details)


converter.register_unstructure_hook(ErrorInfo, _unstructure_error)
converter.register_structure_hook(ErrorInfo, _structure_error)


def error_info(body: dict[str, Any]) -> ErrorInfo:
    """An :class:`ErrorInfo` from a library error's ``as_json()`` body."""
    return converter.structure(body, ErrorInfo)


@register_omitting
@attrs.define(kw_only=True)
class ErrorDocument:
    """What every command prints when it fails before producing its own result (a usage error,
    an unreadable input, a bridge failure), and what the server reports for a child it could not
    run, stopped, or could not read."""

    command: str = attrs.field(metadata=doc("the reml-run command (or the editor command)"))
    status: Literal["error"] = attrs.field(metadata=doc("always error"))
    error: ErrorInfo
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))

    def audit(self) -> str | None:
        return self.error.audit_id

    def outcome(self) -> str:
        if self.error.code in ("runtime.cancelled", "lsp.runtime.cancelled"):
            return "cancelled"
        return self.status


@attrs.define
class ValidationReport:
    """Schema validation issues of the two configs (``{code, key, message, severity, …}``)."""

    base: list[dict[str, Any]] = attrs.field(factory=list)
    target: list[dict[str, Any]] = attrs.field(factory=list)


@register_omitting
@attrs.define(kw_only=True)
class DiffDocument(_StatusDocument):
    """``reml-run diff OLD NEW``: the diff document (docs/runtime-config.md) that ``reml-run
    reload`` reads back."""

    command: Literal["diff"]
    status: Literal["changed", "unchanged", "applied", "error"]
    audit_id: str = attrs.field(metadata=doc("the diff operation's id"))
    base: dict[str, Any] = attrs.field(metadata=doc("OLD: path, format, digest"))
    target: dict[str, Any] = attrs.field(metadata=doc("NEW: path, format, digest"))
    schema: dict[str, Any] | None = attrs.field(metadata=doc("summary of --schema"))
    target_schema: dict[str, Any] | None = attrs.field(metadata=doc("summary of --target-schema"))
    summary: dict[str, int] = attrs.field(metadata=doc("added, removed, updated, total"))
    change_set: dict[str, Any] = attrs.field(
        metadata=doc("the change set (items: kind, key, previous, current)"))
    schema_diff: dict[str, Any]
    dangerous: list[dict[str, Any]] = attrs.field(
        metadata=doc("dangerous changes: key, reason, message"))
    restart_required: list[str]
    validation: ValidationReport
    audited: bool
    applied: dict[str, Any] | None = attrs.field(
        metadata=doc("with --apply: path, format, rollback"))
    error: ErrorInfo | None = attrs.field(default=None, metadata=optional())
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))


ReloadStatus = Literal["applied", "dry-run", "rejected", "failed", "rolled-back"]


@attrs.define
class ReloadResult:
    """The outcome of a reload or rollback (``runtime/reload.py:ReloadOutcome``)."""

    status: ReloadStatus
    audit_id: str | None = attrs.field(
        metadata=doc("the reload operation's id (null if nothing was found)"))
    errors: list[dict[str, Any]] = attrs.field(
        factory=list, metadata=doc("config issues or the refusal"))
    change_set: dict[str, Any] | None = None
    dangerous: list[dict[str, Any]] = attrs.field(factory=list)
    restart_required: list[str] = attrs.field(factory=list)
    version_before: int | None = None
    version_after: int | None = None
    rolled_back: bool = attrs.field(
        default=False, metadata=doc("a failure after the write was undone"))
    rollback: dict[str, Any] | None = attrs.field(
        default=None, metadata=doc("the RollbackInfo saved/restored"))
    diff_audit_id: str | None = attrs.field(
        default=None, metadata=doc("the applied diff document's own id"))
    diff_sha256: str | None = None
    audited: bool = False

    def change_count(self) -> int:
        change_set = self.change_set or {}
        summary = change_set.get("summary")
        if isinstance(summary, dict) and isinstance(summary.get("total"), int):
            return int(summary["total"])
        items = change_set.get("items")
        return len(items) if isinstance(items, list) else 0


@register_omitting
@attrs.define(kw_only=True)
class ReloadDocument:
    """``reml-run reload STATE DIFF`` and ``reml-run reload STATE --rollback``: every outcome
    has a ``result``, so ``jq '.result | {status, audit_id}'`` works whatever happened."""

    command: Literal["reload"]
    status: Literal["ok", "error"]
    result: ReloadResult
    error: ErrorInfo | None = attrs.field(default=None, metadata=optional())
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))

    def audit(self) -> str | None:
        return self.result.audit_id or (self.error.audit_id if self.error else None)

    def outcome(self) -> str:
        return self.result.status


@register_omitting
@attrs.define(kw_only=True)
class GpuLaunchDocument(_StatusDocument):
    """``reml-run gpu launch KERNEL``: one kernel's timing, checksum, buffers and NVML state."""

    command: Literal["gpu launch"]
    status: Literal["ok", "warning"] = attrs.field(
        metadata=doc("warning when a defect (leak, …) was found"))
    audit_id: str
    kernel: str
    backend: str = attrs.field(metadata=doc("numpy or cupy"))
    device: dict[str, Any] = attrs.field(metadata=doc("id, name, memory"))
    params: dict[str, Any]
    latency_ms: float = attrs.field(metadata=doc("median of the timed launches"))
    latencies_ms: list[float]
    total_ms: float
    repeat: int
    warmup: int
    gflops: float | None
    error_code: str | None
    checksum: float
    summary: dict[str, Any]
    buffers: dict[str, Any]
    defects: list[dict[str, Any]] = attrs.field(metadata=doc("code, message, …"))
    nvml: dict[str, Any] = attrs.field(metadata=doc("before, after, error_events"))
    metrics: dict[str, Any]
    rollback: dict[str, Any] | None = attrs.field(
        default=None, metadata=optional("with --rollback-state after a GPU error"))
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))


@attrs.define(kw_only=True)
class KernelParam:
    """One parameter of a GPU kernel, as ``--param NAME=VALUE`` takes it."""

    name: str
    type: str = attrs.field(metadata=doc("int, float or str"))
    default: Any
    help: str
    minimum: float | None
    maximum: float | None
    choices: list[Any] | None


@attrs.define(kw_only=True)
class KernelInfo:
    """A kernel the launcher knows: built in, or from a plugin."""

    name: str
    description: str
    origin: str = attrs.field(metadata=doc("builtin, or the plugin that provides it"))
    params: list[KernelParam]


@attrs.define(kw_only=True)
class PluginError:
    """A kernel plugin that could not be loaded (the built-ins still work)."""

    plugin: str
    error: str


@register_omitting
@attrs.define(kw_only=True)
class GpuKernelsDocument:
    """``reml-run gpu kernels``: the kernels and their parameters (an editor's kernel picker)."""

    command: Literal["gpu kernels"]
    status: Literal["ok"]
    kernels: list[KernelInfo]
    plugin_errors: list[PluginError]
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))

    def audit(self) -> str | None:
        return None

    def outcome(self) -> str:
        return self.status


@register_omitting
@attrs.define(kw_only=True)
class InstrumentCommandDocument(_StatusDocument):
    """``reml-run instrument query|write RESOURCE SCPI``."""

    command: Literal["instrument query", "instrument write"]
    status: Literal["ok"]
    audit_id: str
    resource: str = attrs.field(metadata=doc("the VISA resource name"))
    backend: str = attrs.field(metadata=doc("the pyvisa library spec (@py, @sim, …)"))
    scpi: str = attrs.field(metadata=doc("the SCPI command sent"))
    reply: str | None = attrs.field(
        metadata=doc("the reply (null for a write without acknowledgement)"))
    latency_ms: float
    metrics: dict[str, Any]
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))


@register_omitting
@attrs.define(kw_only=True)
class TelemetryDocument(_StatusDocument):
    """``reml-run instrument telemetry``: samples and the latest voltage, temperature, flags."""

    command: Literal["instrument telemetry"]
    status: Literal["ok", "warning"] = attrs.field(
        metadata=doc("warning when an error flag is set"))
    audit_id: str
    resource: str
    samples: list[dict[str, Any]]
    latest: dict[str, Any] = attrs.field(
        metadata=doc("voltage_v, temperature_c, error_flags, flags_set"))
    alerts: list[str] = attrs.field(metadata=doc("the error flags set in any sample"))
    metrics: dict[str, Any]
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))


@register_omitting
@attrs.define(kw_only=True)
class RegmapApplyDocument(_StatusDocument):
    """``reml-run instrument apply REGMAP``: the planned (``--dry-run``) or applied and verified
    register/interrupt changes. A failure is an :class:`ErrorDocument` whose error carries the
    ``audit_id``, the ``change_set``, what failed and the rollback."""

    command: Literal["instrument apply"]
    status: Literal["ok"]
    audit_id: str
    resource: str
    backend: str
    regmap: str = attrs.field(metadata=doc("the register map's path"))
    dry_run: bool
    current: dict[str, Any] = attrs.field(
        metadata=doc("registers and interrupts read from the instrument"))
    desired: dict[str, Any] = attrs.field(metadata=doc("registers and interrupts of the map"))
    change_set: dict[str, Any] = attrs.field(metadata=doc("items: key, previous, current"))
    applied: list[dict[str, Any]] = attrs.field(
        metadata=doc("the writes done and verified (empty on a dry run)"))
    latency_ms: float
    metrics: dict[str, Any]
    exit_code: ExitCodeInfo
    pid: int | None = attrs.field(default=None, metadata=optional(PID_DOC))

    def change_items(self) -> list[dict[str, Any]]:
        items = self.change_set.get("items")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


RuntimeDocument = (DiffDocument | ReloadDocument | GpuLaunchDocument | GpuKernelsDocument
                   | InstrumentCommandDocument | TelemetryDocument | RegmapApplyDocument
                   | ErrorDocument)

# The command words of ``reml-run`` → the document it prints on success.
DOCUMENTS: dict[str, type] = {
    "diff": DiffDocument,
    "reload": ReloadDocument,
    "gpu launch": GpuLaunchDocument,
    "gpu kernels": GpuKernelsDocument,
    "instrument query": InstrumentCommandDocument,
    "instrument write": InstrumentCommandDocument,
    "instrument telemetry": TelemetryDocument,
    "instrument apply": RegmapApplyDocument,
}


@register_omitting
@attrs.define(kw_only=True)
class RuntimeCommandSummary:
    """What the language server answers to a runtime command (``reml.reload``, ``reml.diff``, …)
    and sends as ``reml/runtimeResult``: the status and audit_id a person needs, and the child's
    whole document as ``result``."""

    command: str = attrs.field(metadata=doc("the editor command, e.g. reml.reload"))
    status: str = attrs.field(
        metadata=doc("the outcome: the document's status, a reload's result.status, or "
                            "cancelled (stopped, or the user declined after the dry run)"))
    audit_id: str | None = attrs.field(metadata=doc("the operation's id in the audit store"))
    exit_code: int = attrs.field(metadata=doc("the child's exit status (130 when cancelled)"))
    error: ErrorInfo | None
    result: RuntimeDocument = attrs.field(metadata=doc("the document reml-run printed"))


SCHEMA_ROOTS: tuple[type, ...] = (
    DiffDocument, ReloadDocument, GpuLaunchDocument, GpuKernelsDocument, InstrumentCommandDocument,
    TelemetryDocument, RegmapApplyDocument, ErrorDocument, RuntimeCommandSummary,
)
