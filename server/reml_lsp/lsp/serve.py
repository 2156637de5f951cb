"""Run the language server in this process until the client ends the session.

The CLI's ``reml-run lsp`` parses and checks its arguments, then calls :func:`serve` (the one
import from ``cli`` into ``lsp``: docs/architecture.md); ``python -m reml_lsp.lsp`` calls it too.
Logs go to stderr (and, from the server, to ``window/logMessage``); on stdio, stdout carries only
the protocol. The feature modules import ``lsp.server``; only this module imports them all.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from reml_lsp.lsp import (
    audit_lint_commands,
    code_actions,
    completion,
    gc_session,
    hover,
    lifecycle,
    navigation,
    outline,
    pull,
    runtime_commands,
    semantic_tokens,
    sync,
    workspace_features,
)
from reml_lsp.lsp.indexing import close_indexer
from reml_lsp.lsp.server import RemlServer

log = logging.getLogger("reml_lsp.lsp")

# One module per feature group, each with module-level handlers and ``register(server)``.
FEATURES = (lifecycle, sync, pull, completion, hover, outline, semantic_tokens, navigation,
            code_actions, audit_lint_commands, runtime_commands, workspace_features)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pygls logs every message body at INFO: keep it quiet unless debugging.
    logging.getLogger("pygls").setLevel("DEBUG" if level == "debug" else "WARNING")


def serve(*, log_level: str = "warning", gc_profile: str | None = None,
          tcp: tuple[str, int] | None = None) -> int:
    """Serve on stdio (the process then ends here, with the session's exit status) or on
    ``tcp`` (host, port); ``gc_profile`` was checked by the caller."""
    configure_logging(log_level)
    gc_session.set_cli_profile(gc_profile)
    server = create_server()
    if tcp is not None:
        server.start_tcp(*tcp)
        return 0
    # Anything printed by mistake must not corrupt the protocol stream.
    stdout = sys.stdout.buffer
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, stdout)  # closes the audit log before returning
    code = int(server.exit_code)  # LSP: 1 when `exit` came without `shutdown`
    close_indexer(server)  # `exit` without `shutdown`: no worker outlives us
    # Skip the interpreter's teardown: freeing the trees of a large document object by object
    # took ~40 s on 5 MB after the client had already said `exit`.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


def warm_up() -> None:
    """Load the grammar tables and the parser's fast tables, so the first didOpen does not pay
    for them (~0.2-0.3 s)."""
    try:
        from reml_lsp.syntax.incremental import ParsedDocument

        ParsedDocument("fn main() -> Int {\n  let x = 1\n  x\n}\n")
    except Exception as exc:  # never fatal: the first parse would load them anyway
        log.warning("warm-up failed: %s", exc)


class _WarmUp:
    """``warm_up`` in a background thread from process start; ``wait()`` joins it (initialize)."""

    def __init__(self) -> None:
        self._thread = threading.Thread(target=warm_up, name="reml-warm-up", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = 30.0) -> None:
        self._thread.join(timeout)


def create_server() -> RemlServer:
    """The server with every feature group's handlers registered (grammar tables warming)."""
    warming = _WarmUp()
    server = RemlServer()
    server.warming = warming
    for module in FEATURES:
        module.register(server)
    return server
