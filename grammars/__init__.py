"""Package data: the Reml Lark grammar (shipped inside the wheel as reml_lsp.grammars)."""
