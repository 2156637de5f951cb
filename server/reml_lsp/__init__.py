"""reml-lsp: syntax, diagnostics, language server and runtime tooling for Reml.

Layers (dependencies point down only, checked by ``lint-imports``): docs/architecture.md and
``[tool.importlinter]`` in pyproject.toml. Only ``reml_lsp.lsp`` imports pygls.
"""

__version__ = "0.1.0"
