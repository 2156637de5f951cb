"""One diagnostic model for the CLI and the editor: attrs classes, one cattrs converter, message
catalogs (en-US, ja-JP) and the deterministic ``audit_id``."""

from reml_lsp.diagnostics.audit_id import compute_audit_id
from reml_lsp.diagnostics.model import (
    Alternative,
    Diagnostic,
    Expectation,
    FixIt,
    Location,
    Note,
    Severity,
    Span,
)
from reml_lsp.diagnostics.serialize import converter, to_json

__all__ = [
    "Alternative",
    "Diagnostic",
    "Expectation",
    "FixIt",
    "Location",
    "Note",
    "Severity",
    "Span",
    "compute_audit_id",
    "converter",
    "to_json",
]
