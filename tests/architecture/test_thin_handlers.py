"""Handlers are module-level functions (one module per feature group), and the document
features' handlers only convert and call the analysis host: from ``reml_lsp.analysis`` they
import types and constants (and position helpers), never an analysis function to call."""

from __future__ import annotations

import ast
from pathlib import Path

from reml_lsp.lsp import serve

LSP = Path(serve.__file__).parent
# The feature groups whose requests are answered by AnalysisHost queries.
HOST_FEATURES = ("hover", "completion", "navigation", "outline", "semantic_tokens",
                 "workspace_features", "code_actions", "pull", "sync")
CONVERSION_HELPERS = {"reml_lsp.analysis.positions"}  # code points ↔ lines/UTF-16 units


def _tree(name: str) -> ast.Module:
    return ast.parse((LSP / f"{name}.py").read_text(encoding="utf-8"))


def test_every_feature_group_registers_module_level_handlers():
    for module in serve.FEATURES:
        name = module.__name__.rsplit(".", 1)[1]
        register = [n for n in _tree(name).body
                    if isinstance(n, ast.FunctionDef) and n.name == "register"]
        assert register, f"lsp/{name}.py has no register(server)"
        nested = [n.name for n in ast.walk(register[0])
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                  and n is not register[0]]
        assert nested == [], f"lsp/{name}.py defines handlers inside register(): {nested}"


def test_document_handlers_call_the_host_not_analysis_functions():
    for name in HOST_FEATURES:
        for node in ast.walk(_tree(name)):
            if not isinstance(node, ast.ImportFrom) or node.module is None:
                continue
            if not node.module.startswith("reml_lsp.analysis"):
                continue
            if node.module in CONVERSION_HELPERS:
                continue
            functions = [a.name for a in node.names if not a.name[:1].isupper()]
            assert functions == [], (
                f"lsp/{name}.py imports {functions} from {node.module}: ask AnalysisHost "
                "(analysis/host.py) instead")
