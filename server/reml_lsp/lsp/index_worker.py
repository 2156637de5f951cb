"""Imported by the indexer's fork server (``set_forkserver_preload``) before it forks the
workers: the parser's tables are loaded there once, and every worker inherits them instead of
loading its own (about 0.2 s of CPU each, and memory the workers then share). No ``gc.freeze``
here: the parse's own GC pause (``syntax.gcpause``) promotes what a parse allocated only in a
process that froze nothing, and without that promotion a worker was 35 % slower."""

from __future__ import annotations

import logging

from reml_lsp.analysis.file_index import index_bytes
from reml_lsp.lsp import index_tasks  # noqa: F401  (what the workers run: imported once here)

try:
    index_bytes(b"module warm\nfn main() -> Int { 0 }\n", "warm.reml")
except Exception:  # a worker then loads the tables itself; the index is not at stake
    logging.getLogger("reml_lsp.lsp").debug("index worker warm-up failed", exc_info=True)
