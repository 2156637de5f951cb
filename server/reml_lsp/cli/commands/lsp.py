"""``reml-run lsp --stdio | --tcp HOST:PORT``: the language server.

Logs go to stderr (and, from the server, to ``window/logMessage``); stdout carries only the
protocol. ``--log-level`` sets the level (default: warning; ``REML_LSP_LOG`` too).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from reml_lsp.cli.commands._gc import add_gc_profile, gc_profile_error
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.runtime.gc_config import GcConfigError, resolve_gc
from reml_lsp.workspace import find_root


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lsp", help="run the Reml language server")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--stdio", action="store_true", help="speak LSP on stdin/stdout (default)")
    mode.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port (debugging)")
    p.add_argument("--log-level", default=os.environ.get("REML_LSP_LOG", "warning"),
                   choices=("debug", "info", "warning", "error"))
    add_gc_profile(p)
    p.set_defaults(func=run)


def _configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # pygls logs every message body at INFO: keep it quiet unless debugging.
    logging.getLogger("pygls").setLevel("DEBUG" if level == "debug" else "WARNING")


def run(args: argparse.Namespace) -> int:
    _configure_logging(args.log_level)
    if args.gc_profile:  # fail now, not after the client connected
        try:
            resolve_gc(find_root(Path.cwd()), args.gc_profile)
        except GcConfigError as err:
            raise gc_profile_error(err, err.key == "profile") from None
    from reml_lsp.lsp import gc_session

    gc_session.set_cli_profile(args.gc_profile)
    from reml_lsp.lsp.server import create_server

    server = create_server()
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            raise CliError("cli.usage", f"--tcp expects HOST:PORT, got {args.tcp!r}",
                           ExitCode.USAGE)
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        # Anything printed by mistake must not corrupt the protocol stream.
        stdout = sys.stdout.buffer
        sys.stdout = sys.stderr
        server.start_io(sys.stdin.buffer, stdout)  # closes the audit log before returning
        code = int(server.exit_code)  # LSP: 1 when `exit` came without `shutdown`
        # Skip the interpreter's teardown: freeing the trees of a large document object by
        # object took ~40 s on 5 MB after the client had already said `exit`.
        logging.shutdown()
        sys.stderr.flush()
        os._exit(code)
    return int(ExitCode.SUCCESS)
