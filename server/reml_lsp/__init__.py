"""reml-lsp: syntax, diagnostics, language server and runtime tooling for Reml.

Layers (dependencies point down only): ``lsp`` and ``cli`` → ``analysis`` → ``syntax`` /
``diagnostics`` / ``audit`` / ``config`` / ``runtime``. Only ``reml_lsp.lsp`` imports pygls.
"""

__version__ = "0.1.0"
