"""``reml-run lsp --stdio | --tcp HOST:PORT``: the language server.

Logs go to stderr (and, from the server, to ``window/logMessage``); stdout carries only the
protocol. ``--log-level`` sets the level (default: warning; ``REML_LSP_LOG`` too).
"""

from __future__ import annotations

import argparse
import os
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


def run(args: argparse.Namespace) -> int:
    if args.gc_profile:  # fail now, not after the client connected
        try:
            resolve_gc(find_root(Path.cwd()), args.gc_profile)
        except GcConfigError as err:
            raise gc_profile_error(err, err.key == "profile") from None
    tcp = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        if not port.isdigit():
            raise CliError("cli.usage", f"--tcp expects HOST:PORT, got {args.tcp!r}",
                           ExitCode.USAGE)
        tcp = (host or "127.0.0.1", int(port))
    from reml_lsp.lsp.serve import serve  # the server is this command's only use of lsp

    return serve(log_level=args.log_level, gc_profile=args.gc_profile, tcp=tcp)
