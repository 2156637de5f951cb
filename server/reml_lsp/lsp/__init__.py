"""reml_lsp.lsp"""
