"""reml_lsp.syntax"""
