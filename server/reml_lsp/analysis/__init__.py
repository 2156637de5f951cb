"""reml_lsp.analysis"""
