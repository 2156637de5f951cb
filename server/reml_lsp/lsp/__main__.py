"""``python -m reml_lsp.lsp``: the language server on stdio (same as ``reml-run lsp --stdio``)."""

from reml_lsp.cli.main import run

raise SystemExit(run(["lsp", "--stdio", *__import__("sys").argv[1:]]))
