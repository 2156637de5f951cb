"""Run the language server in this process until the client ends the session.

The CLI's ``reml-run lsp`` parses and checks its arguments, then calls :func:`serve` (the one
import from ``cli`` into ``lsp``: docs/architecture.md); ``python -m reml_lsp.lsp`` calls it too.
Logs go to stderr (and, from the server, to ``window/logMessage``); on stdio, stdout carries only
the protocol.
"""

from __future__ import annotations

import logging
import os
import sys


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
    from reml_lsp.lsp import gc_session
    from reml_lsp.lsp.server import create_server

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
    # Skip the interpreter's teardown: freeing the trees of a large document object by object
    # took ~40 s on 5 MB after the client had already said `exit`.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)
