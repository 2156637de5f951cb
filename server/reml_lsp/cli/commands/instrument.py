"""``reml-run instrument list | query | write | telemetry | apply`` — the instrument bus (VISA)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reml_lsp.cli.argtypes import visa_resource
from reml_lsp.cli.commands._bridge import add_format, audit_store, emit, table
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode

# pyvisa is imported inside the handlers so that other commands stay fast.
DEFAULT_TIMEOUT_MS = 2000  # = reml_lsp.runtime.instruments.session.DEFAULT_TIMEOUT_MS


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--backend", default=None,
                   help="@py (pyvisa-py), @sim (pyvisa-sim), FILE.yaml@sim, or a VISA library "
                        "path (default: $REML_VISA_BACKEND or @py)")
    p.add_argument("--sim-file", default=None, help="pyvisa-sim YAML (with --backend @sim)")
    p.add_argument("--timeout-ms", type=int, default=None,
                   help=f"per-command timeout (default {DEFAULT_TIMEOUT_MS})")
    add_format(p)


def register(subparsers: Any) -> None:
    inst = subparsers.add_parser("instrument", help="instrument bus (VISA): query, telemetry, "
                                                    "register maps")
    sub = inst.add_subparsers(dest="instrument_command", metavar="ACTION", required=True)

    p = sub.add_parser("list", help="list the backend's resources")
    p.add_argument("--identify", action="store_true", help="ask each one *IDN?")
    _common(p)
    p.set_defaults(func=run_list)

    for name, func, helptext in (("query", run_query, "send a command and read the reply"),
                                 ("write", run_write, "send a command (no reply expected)")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("resource", type=visa_resource,
                       help="VISA resource, e.g. TCPIP0::10.0.0.5::INSTR")
        p.add_argument("instrument_cmd", metavar="COMMAND", help="e.g. '*IDN?'")
        if name == "write":
            p.add_argument("--ack", default=None, metavar="TEXT",
                           help="the reply that acknowledges the write (e.g. OK); another "
                                "reply is a NAK (exit 1), none a timeout (exit 7)")
            p.add_argument("--ack-wait-ms", type=int, default=100, metavar="MS",
                           help="without --ack: how long to wait for a NAK such as ERR after "
                                "the write (0: do not wait; default 100)")
        _common(p)
        p.set_defaults(func=func)

    p = sub.add_parser("telemetry", help="read voltage, temperature and error flags")
    p.add_argument("resource", nargs="?", default=None, type=visa_resource,
                   help="VISA resource (default: instrument.resource of --regmap)")
    p.add_argument("--regmap", type=Path, default=None,
                   help="register map whose [telemetry] table overrides the commands")
    p.add_argument("--samples", type=int, default=1)
    p.add_argument("--interval-ms", type=float, default=0.0)
    _common(p)
    p.set_defaults(func=run_telemetry)

    p = sub.add_parser("apply", help="apply a register map (verified, rolled back on failure)")
    p.add_argument("regmap", type=Path, help="register map (TOML or JSON)")
    p.add_argument("--resource", default=None, type=visa_resource,
                   help="override instrument.resource")
    p.add_argument("--dry-run", action="store_true", help="compute and show the change set only")
    _common(p)
    p.set_defaults(func=run_apply)


def _timeout(args: argparse.Namespace) -> int:
    return args.timeout_ms if args.timeout_ms is not None else DEFAULT_TIMEOUT_MS


def run_list(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.instruments.ops import list_instruments
    from reml_lsp.runtime.instruments.session import backend_spec

    doc = list_instruments(backend_spec(args.backend, args.sim_file), args.identify,
                           _timeout(args))
    return emit("instrument list", doc, args.format, lambda d: table(
        [[r["resource"], r.get("idn") or (r.get("error") or {}).get("code")]
         for r in d["resources"]], ["resource", "idn"]))


def _render_command(doc: dict[str, Any]) -> str:
    reply = "" if doc["reply"] is None else f" -> {doc['reply']}"
    return (f"{doc['resource']}: {doc['scpi']}{reply}  ({doc['latency_ms']:.2f} ms, "
            f"audit_id {doc['audit_id']})")


def run_query(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.instruments.ops import query
    from reml_lsp.runtime.instruments.session import backend_spec

    with audit_store() as store:
        doc = query(backend_spec(args.backend, args.sim_file), args.resource, args.instrument_cmd,
                    _timeout(args), store)
    return emit("instrument query", doc, args.format, _render_command)


def run_write(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.instruments.ops import write
    from reml_lsp.runtime.instruments.session import backend_spec

    with audit_store() as store:
        if args.ack_wait_ms < 0:
            raise CliError("cli.usage", "--ack-wait-ms must be >= 0", ExitCode.USAGE)
        doc = write(backend_spec(args.backend, args.sim_file), args.resource, args.instrument_cmd,
                    _timeout(args), store, ack=args.ack, ack_wait_ms=args.ack_wait_ms)
    return emit("instrument write", doc, args.format, _render_command)


def run_telemetry(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.instruments.regmap import TelemetrySpec, load_regmap
    from reml_lsp.runtime.instruments.session import backend_spec
    from reml_lsp.runtime.instruments.telemetry import read_telemetry

    with audit_store() as store:
        spec = TelemetrySpec()
        resource = args.resource
        timeout = args.timeout_ms
        if args.regmap is not None:
            regmap = load_regmap(args.regmap)
            spec = regmap.telemetry
            resource = resource or regmap.resource
            timeout = timeout or regmap.timeout_ms
        if not resource:
            raise CliError("instrument.no_resource",
                           "no resource: pass RESOURCE or --regmap with instrument.resource",
                           ExitCode.USAGE)
        doc = read_telemetry(backend_spec(args.backend, args.sim_file), resource, spec,
                             samples=args.samples, interval_ms=args.interval_ms,
                             timeout_ms=timeout or DEFAULT_TIMEOUT_MS, store=store)
    return emit("instrument telemetry", doc, args.format, _render_telemetry)


def _render_telemetry(doc: dict[str, Any]) -> str:
    latest = doc["latest"]
    flags = ", ".join(latest["flags_set"]) or "none"
    return (f"{doc['resource']}: {latest['voltage_v']} V, {latest['temperature_c']} °C, "
            f"error flags {latest['error_flags']} ({flags}); {len(doc['samples'])} sample(s), "
            f"audit_id {doc['audit_id']}")


def run_apply(args: argparse.Namespace) -> int:
    from reml_lsp.runtime.instruments.apply import apply_regmap
    from reml_lsp.runtime.instruments.regmap import load_regmap
    from reml_lsp.runtime.instruments.session import backend_spec

    with audit_store() as store:
        regmap = load_regmap(args.regmap)
        doc = apply_regmap(backend_spec(args.backend, args.sim_file), regmap, args.resource,
                           timeout_ms=args.timeout_ms, dry_run=args.dry_run, store=store)
    return emit("instrument apply", doc, args.format, _render_apply)


def _render_apply(doc: dict[str, Any]) -> str:
    items = doc["change_set"]["items"]
    lines = [f"{doc['resource']}: {len(items)} change(s)"
             + (" (dry run)" if doc["dry_run"] else ", applied and verified")]
    lines += [f"  {i['key']}: {i.get('previous')} -> {i.get('current')}" for i in items]
    lines.append(f"  audit_id {doc['audit_id']}")
    return "\n".join(lines)
