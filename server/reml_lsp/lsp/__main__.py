"""``python -m reml_lsp.lsp``: the language server on stdio with the default GC profile
(``reml-run lsp --stdio`` takes options; ``$REML_LSP_LOG`` sets the log level here)."""

import os

from reml_lsp.lsp.serve import serve

raise SystemExit(serve(log_level=os.environ.get("REML_LSP_LOG", "warning")))
