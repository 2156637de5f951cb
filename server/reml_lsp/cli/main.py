"""Entry point of ``reml-run``: parses the command line, runs a subcommand, maps every outcome to
the shared exit-code table. No Python traceback reaches the user (set ``REML_DEBUG=1`` to see one
on stderr when reporting a bug)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from reml_lsp.cli.errors import CliError, from_reported
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.cli.output import report_error, resolve_format
from reml_lsp.errors import ReportedError
from reml_lsp.runtime import cancel, parent_watch

# Each module registers one subcommand (or a group) through ``register(subparsers)``.
COMMAND_MODULES = [
    "lint",
    "lsp",
    "diff",
    "reload",
    "state",
    "watch",
    "audit",
    "gpu",
    "instrument",
    "metrics",
    "cache",
]


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors get our exit code and JSON; no
    abbreviated options (``--back`` is not ``--backend``: argv is parsed strictly)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise CliError("cli.usage", f"{message}\n{self.format_usage().strip()}", ExitCode.USAGE)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command``, only that subcommand's module is imported (each
    pulls in its own libraries: a run of one command does not pay for the others' start-up)."""
    parser = _Parser(prog="reml-run", description="Reml linter, language server and runtime tools")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name in [command] if command in COMMAND_MODULES else COMMAND_MODULES:
        qualified = f"reml_lsp.cli.commands.{name}"
        if importlib.util.find_spec(qualified) is None:  # a command not shipped in this build
            continue
        importlib.import_module(qualified).register(sub)
    return parser


def _requested_format(argv: Sequence[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--":  # what follows is positional, never an option
            break
        if arg == "--format" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--format="):
            return arg.split("=", 1)[1]
    return "auto"


def run(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), "reml-run")
    # errors before parsing follow the same --format auto rule (lsp: stdout is the protocol)
    fmt = "text" if command == "lsp" else resolve_format(_requested_format(argv))
    try:
        if command != "lsp":
            cancel.install()  # SIGTERM: clean stop before a commit point, ignored after it
            parent_watch.install_from_env()  # a child of the language server dies with it
        parser = build_parser(command)
        args = parser.parse_args(argv)
        if isinstance(getattr(args, "format", None), str):
            args.format = fmt = resolve_format(args.format)
        if args.version:
            from reml_lsp import __version__

            print(__version__)
            return ExitCode.SUCCESS
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            raise CliError("cli.usage", "a command is required", ExitCode.USAGE)
        return int(args.func(args))
    except CliError as err:
        return int(report_error(command, err, fmt))
    except ReportedError as err:  # a library failure that escaped its command (a damaged store)
        return int(report_error(command, from_reported(err), fmt))
    except cancel.Cancelled:
        return int(report_error(command, CliError(
            cancel.Cancelled.code, "cancelled (SIGTERM) before the commit point; nothing was "
            "changed", ExitCode.CANCELLED), fmt))
    except KeyboardInterrupt:
        return int(report_error(command, CliError("cli.interrupted", "interrupted"), fmt))
    except BrokenPipeError:
        return int(ExitCode.IO)
    except ModuleNotFoundError as exc:  # e.g. numpy in the VSIX's bundle (docs/vscode.md)
        return int(report_error(command, missing_package(command, exc), fmt))
    except Exception as exc:  # the last line of defence: still JSON, never a traceback
        if os.environ.get("REML_DEBUG"):
            traceback.print_exc()
        err = CliError("cli.internal", f"internal error: {type(exc).__name__}: {exc}",
                       ExitCode.INTERNAL)
        return int(report_error(command, err, fmt))


def missing_package(command: str, exc: ModuleNotFoundError) -> CliError:
    """A runtime dependency that this installation lacks: exit 6, naming the package. The VS
    Code extension bundles only the pure-Python packages of the language server and lint."""
    name = (exc.name or "?").split(".")[0]
    return CliError(
        "cli.dependency_missing",
        f"`reml-run {command}` needs the Python package `{name}`, which is not installed for "
        f"{sys.executable}: install the full tool (`pip install reml-lsp`, or `pip install {name}`"
        f" into that environment) and point `reml.runtime.command` at its reml-run",
        ExitCode.UNAVAILABLE, package=name)


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
