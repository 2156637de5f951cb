"""The single JSON shape of a diagnostic, produced by the one cattrs converter (in
``reml_lsp.contract``, shared with the runtime results) for CLI and server."""

from __future__ import annotations

from typing import Any

from cattrs.gen import make_dict_unstructure_fn, override

from reml_lsp.contract.converter import converter
from reml_lsp.diagnostics.model import Diagnostic, Location, Severity

converter.register_unstructure_hook(Severity, lambda s: s.value)
converter.register_unstructure_hook(
    Location,
    make_dict_unstructure_fn(
        Location,
        converter,
        end_line=override(rename="endLine"),
        end_column=override(rename="endColumn"),
    ),
)
converter.register_structure_hook(
    Location,
    lambda d, _: Location(d["file"], d["line"], d["column"], d["endLine"], d["endColumn"]),
)


def to_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """Unstructure a diagnostic; ``codes`` mirrors ``code`` as in the reference goldens."""
    body = converter.unstructure(diagnostic)
    body["codes"] = diagnostic.codes
    return body


def from_json(body: dict[str, Any]) -> Diagnostic:
    body = {k: v for k, v in body.items() if k != "codes"}
    return converter.structure(body, Diagnostic)
