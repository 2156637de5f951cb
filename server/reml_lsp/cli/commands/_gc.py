"""``--gc-profile`` and the GC session of the long-running commands (``watch``,
``metrics serve``): the profile of ``[run.gc]`` in ``reml.toml`` (or ``--gc-profile``) is
installed for the command's lifetime; ``gc.stats`` events go to the audit store under the
session's ``run_id``; ``gc.pause_budget_exceeded`` is printed on stderr as a warning."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reml_lsp.audit.store import AuditStore
from reml_lsp.cli.commands._config_common import open_audit_store
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.runtime.gc_config import GcConfigError, resolve_gc, start_gc_session
from reml_lsp.runtime.gc_profiles import GcMonitor, audit_sink
from reml_lsp.workspace import find_root


def add_gc_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--gc-profile", metavar="PROFILE", default=None,
                        help="GC profile: game, ide, web, data or one declared in reml.toml "
                             "[run.gc.profiles] (default: [run.gc] profile, else ide)")


def gc_profile_error(err: GcConfigError, from_cli: bool) -> CliError:
    """Unknown ``--gc-profile``: a usage error; a bad ``[run.gc]``: a failure of the manifest."""
    return CliError("run.gc.invalid", str(err), ExitCode.USAGE if from_cli else ExitCode.FAILURE,
                    path=str(err.path) if err.path else None, key=err.key)


@contextmanager
def gc_session(args: argparse.Namespace, *, audit_db: Path | None = None,
               audited: bool = True, root: Path | None = None) -> Iterator[GcMonitor]:
    root = root or find_root(Path.cwd())
    try:
        profile = resolve_gc(root, getattr(args, "gc_profile", None))
    except GcConfigError as err:
        cli_given = bool(getattr(args, "gc_profile", None)) and err.key == "profile"
        raise gc_profile_error(err, cli_given) from None
    store: AuditStore | None = open_audit_store(audit_db) if audited else None
    monitor = start_gc_session(profile, audit_sink(store) if store is not None else None,
                               warn_stream=sys.stderr)
    try:
        yield monitor
    finally:
        try:
            monitor.uninstall()  # flushes what is queued
        finally:
            if store is not None:
                store.close()
