"""``reml-run watch STATE CONFIG``: hot-reload STATE on every change of CONFIG (push mode of the
streaming runner, ``reml_lsp.syntax.streaming.StreamDriver``).

Prints one JSON object per line (``--format json``) or one text line per event: ``watch.started``,
``parser.stream.progress|pending|error`` for each version of CONFIG, ``watch.stopped`` with counts.
Stops cleanly (exit 0) on SIGINT or SIGTERM, or after ``--max-versions`` versions.
Runs under the GC profile of ``[run.gc]`` in ``reml.toml`` or ``--gc-profile`` (``gc.stats`` in
the audit store, ``gc.pause_budget_exceeded`` on stderr).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from reml_lsp.cli.commands._config_common import add_audit_db, open_audit_store
from reml_lsp.cli.commands._gc import add_gc_profile, gc_session
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.runtime.watch import Watcher, push_flow
from reml_lsp.syntax.streaming import FlowController, StreamFailure


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("watch", help="hot-reload STATE whenever CONFIG changes (push mode)")
    p.add_argument("state", type=Path, metavar="STATE")
    p.add_argument("config", type=Path, metavar="CONFIG")
    p.add_argument("--debounce-ms", type=float, default=4.0)
    p.add_argument("--max-lag-ms", type=float, default=16.0)
    p.add_argument("--high-watermark", type=int, default=64 * 1024)
    p.add_argument("--low-watermark", type=int, default=16 * 1024)
    p.add_argument("--poll-ms", type=float, default=2.0, help="how often CONFIG is checked")
    p.add_argument("--max-versions", type=int, default=None,
                   help="stop after handling N versions of CONFIG")
    p.add_argument("--allow-dangerous", action="store_true")
    p.add_argument("--no-audit", action="store_true",
                   help="do not record parser.stream / reml.reload events")
    add_audit_db(p)
    add_gc_profile(p)
    p.add_argument("--format", choices=("auto", "json", "text", "table"), default="auto",
                   help="default auto: text on a terminal, JSON lines otherwise")
    p.set_defaults(func=run)


def _flow(args: argparse.Namespace) -> FlowController:
    if min(args.debounce_ms, args.max_lag_ms, args.poll_ms) < 0 or args.poll_ms == 0:
        raise CliError("cli.usage", "durations must be >= 0 (and --poll-ms > 0)", ExitCode.USAGE)
    if min(args.high_watermark, args.low_watermark) < 0:
        raise CliError("cli.usage", "watermarks must be >= 0", ExitCode.USAGE)
    try:
        return push_flow(args.high_watermark, args.low_watermark,
                         max_lag=args.max_lag_ms / 1000, debounce=args.debounce_ms / 1000)
    except StreamFailure as exc:
        raise CliError("cli.usage", exc.error.message, ExitCode.USAGE) from None


def _printer(fmt: str):
    def emit(event: dict[str, Any]) -> None:
        if fmt == "json":
            line = json.dumps(event, ensure_ascii=False, default=str)
        else:
            status = event.get("status") or ""
            err = (event.get("error") or {}).get("message") or ""
            line = f"{event['event']} {status} {event.get('audit_id')} {err}".rstrip()
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    return emit


def run(args: argparse.Namespace) -> int:
    flow = _flow(args)
    with gc_session(args, audit_db=args.audit_db, audited=not args.no_audit):
        return _watch(args, flow)


def _watch(args: argparse.Namespace, flow: FlowController) -> int:
    store = None if args.no_audit else open_audit_store(args.audit_db)
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        watcher = Watcher(args.state, args.config, flow=flow, emit=_printer(args.format),
                          audit=store, allow_dangerous=args.allow_dangerous,
                          poll_s=args.poll_ms / 1000)
        watcher.run(stop, args.max_versions)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if store is not None:
            store.close()
    return int(ExitCode.SUCCESS)
