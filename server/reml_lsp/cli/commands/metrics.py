"""``reml-run metrics serve [--port P] [--host H] [--file F] [--duration S]`` exposes the metrics
JSONL file to Prometheus (127.0.0.1 by default); ``reml-run metrics show`` prints its last lines.

``serve`` prints one line when it listens — with ``--format json`` a compact JSON object
``{"command": "metrics serve", "status": "serving", "url", "host", "port", "file"}`` — then serves
until SIGTERM/SIGINT or ``--duration`` seconds, and exits 0. It runs under the GC profile of
``[run.gc]`` in ``reml.toml`` or ``--gc-profile``.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from reml_lsp.cli.commands._bridge import add_format, emit, table
from reml_lsp.cli.commands._gc import add_gc_profile, gc_session
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.runtime.metrics import metrics_path, read_metrics


def register(subparsers: Any) -> None:
    metrics = subparsers.add_parser("metrics", help="runtime metrics (JSONL, Prometheus)")
    sub = metrics.add_subparsers(dest="metrics_command", metavar="ACTION", required=True)

    serve = sub.add_parser("serve", help="expose the metrics to Prometheus")
    serve.add_argument("--port", type=int, default=9464, help="TCP port (0 = any free port)")
    serve.add_argument("--host", default="127.0.0.1", help="bind address (default loopback)")
    serve.add_argument("--file", type=Path, default=None, help="metrics JSONL file")
    serve.add_argument("--duration", type=float, default=None,
                       help="stop after this many seconds (default: until interrupted)")
    add_format(serve)
    add_gc_profile(serve)
    serve.set_defaults(func=run_serve)

    show = sub.add_parser("show", help="print the last metrics lines")
    show.add_argument("--file", type=Path, default=None, help="metrics JSONL file")
    show.add_argument("--event", default=None, help="only this event (e.g. gpu.kernel)")
    show.add_argument("--limit", type=int, default=20, help="at most this many lines (newest)")
    add_format(show)
    show.set_defaults(func=run_show)


def _file(arg: Path | None) -> Path:
    path = arg or metrics_path()
    if path is None:
        raise CliError("metrics.no_file", "REML_METRICS_FILE disables the metrics file; "
                       "pass --file", ExitCode.USAGE)
    return path


def run_serve(args: argparse.Namespace) -> int:
    with gc_session(args):  # a bad [run.gc] / --gc-profile fails before listening
        return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from prometheus_client.exposition import start_http_server

    from reml_lsp.runtime.metrics_exporter import build_registry

    path = _file(args.file)
    if not 0 <= args.port <= 65535:
        raise CliError("metrics.bad_port", f"port {args.port} is not in 0..65535", ExitCode.USAGE)
    try:
        server, thread = start_http_server(args.port, addr=args.host,
                                           registry=build_registry(path))
    except OSError as exc:
        raise CliError("metrics.port_unavailable",
                       f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                       ExitCode.UNAVAILABLE, host=args.host, port=args.port) from None
    host, port = server.server_address[:2]
    info = {"command": "metrics serve", "status": "serving", "url": f"http://{host}:{port}/metrics",
            "host": host, "port": port, "file": str(path)}
    if args.format == "json":
        sys.stdout.write(json.dumps(info) + "\n")
    else:
        sys.stdout.write(f"serving {info['url']} from {path} (Ctrl-C to stop)\n")
    sys.stdout.flush()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait(args.duration)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    return int(ExitCode.SUCCESS)


def run_show(args: argparse.Namespace) -> int:
    path = _file(args.file)
    if args.limit < 1:
        raise CliError("metrics.bad_limit", "--limit must be at least 1", ExitCode.USAGE)
    records, _ = read_metrics(path)
    if args.event:
        records = [r for r in records if r.get("event") == args.event]
    doc = {"status": "ok", "file": str(path), "metrics": records[-args.limit:]}
    return emit("metrics show", doc, args.format, lambda d: table(
        [[r.get("timestamp"), r["event"], r.get("latency_ms"), r.get("error_rate"),
          r.get("audit_id")] for r in d["metrics"]],
        ["timestamp", "event", "latency_ms", "error_rate", "audit_id"]))
