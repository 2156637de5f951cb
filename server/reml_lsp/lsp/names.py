"""Names other components rely on (the VS Code extension reads them): command ids and the
semantic token legend. Keep them stable; add, never rename."""

from __future__ import annotations

from reml_lsp.analysis.semantic import TOKEN_MODIFIERS, TOKEN_TYPES

SERVER_NAME = "reml-lsp"
CONFIG_SECTION = "reml"
DIAGNOSTIC_IDENTIFIER = "reml"

CMD_APPLY_FIX = "reml.applyFix"
CMD_SHOW_AUDIT_ENTRY = "reml.showAuditEntry"
CMD_LINT_WORKSPACE = "reml.lintWorkspace"
CMD_DIFF = "reml.diff"
CMD_RELOAD = "reml.reload"
CMD_ROLLBACK = "reml.rollback"
CMD_GPU_LAUNCH = "reml.gpu.launch"
CMD_GPU_KERNELS = "reml.gpu.kernels"
CMD_INSTRUMENT_QUERY = "reml.instrument.query"
CMD_INSTRUMENT_TELEMETRY = "reml.instrument.telemetry"
CMD_INSTRUMENT_APPLY = "reml.instrument.apply"

COMMANDS = (
    CMD_APPLY_FIX, CMD_SHOW_AUDIT_ENTRY, CMD_LINT_WORKSPACE, CMD_DIFF, CMD_RELOAD, CMD_ROLLBACK,
    CMD_GPU_LAUNCH, CMD_INSTRUMENT_QUERY, CMD_INSTRUMENT_TELEMETRY, CMD_INSTRUMENT_APPLY,
    CMD_GPU_KERNELS,
)

# Custom notification carrying the result of a runtime command (status bar, output channel).
NOTIFY_RUNTIME_RESULT = "reml/runtimeResult"

__all__ = ["COMMANDS", "TOKEN_MODIFIERS", "TOKEN_TYPES"]
