"""``reml-run audit show ID | list [--event E] [--since T] | export --format jsonl``.

``--since`` takes an ISO-8601 time (``2025-06-14T12:00:00Z``, offsets converted to UTC) or an age:
``30s``, ``15m``, ``2h``, ``7d``.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reml_lsp.audit.store import AuditEvent
from reml_lsp.cli.commands._config_common import add_audit_db, emit, open_audit_store, short
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.runtime.atomic import atomic_write

_AGE = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="read the audit store")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION")
    show = asub.add_parser("show", help="every event recorded under an audit_id")
    show.add_argument("audit_id", metavar="ID")
    _common(show, ("auto", "json", "table", "text"))
    show.set_defaults(func=run_show)
    lst = asub.add_parser("list", help="events, oldest first")
    _filters(lst)
    lst.add_argument("--limit", type=int, default=None, help="only the newest N events")
    _common(lst, ("auto", "json", "table", "text"))
    lst.set_defaults(func=run_list)
    exp = asub.add_parser("export", help="dump events as JSON Lines")
    _filters(exp)
    exp.add_argument("--output", "-o", type=Path, default=None,
                     help="write to this file (atomically) instead of stdout")
    _common(exp, ("jsonl", "json"), default="jsonl")
    exp.set_defaults(func=run_export)
    p.set_defaults(func=_missing_action)


def _common(p: argparse.ArgumentParser, formats: tuple[str, ...], default: str = "auto") -> None:
    p.add_argument("--format", choices=formats, default=default)
    add_audit_db(p)
    p.add_argument("--db", dest="audit_db", type=Path, help=argparse.SUPPRESS)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--event", default=None, help="only this event name (e.g. reml.reload)")
    p.add_argument("--since", default=None, metavar="T", help="ISO time or age (15m, 2h, 7d)")


def _missing_action(args: argparse.Namespace) -> int:
    raise CliError("cli.usage", "audit needs an action: show, list or export", ExitCode.USAGE)


def parse_since(text: str | None, now: datetime | None = None) -> str | None:
    """The lower bound in the store's timestamp format (UTC, milliseconds, ``Z``)."""
    if text is None:
        return None
    m = _AGE.fullmatch(text.strip())
    if m:
        moment = (now or datetime.now(UTC)) - timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise CliError("cli.usage", f"--since {text!r}: not an ISO time nor an age like 15m",
                           ExitCode.USAGE) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _line(e: AuditEvent) -> str:
    return f"{e.timestamp}  {e.event:<28} {e.audit_id}  {short(e.payload)[:120]}"


def run_show(args: argparse.Namespace) -> int:
    with _store(args) as store:
        events = store.show(args.audit_id)
    doc: dict[str, Any] = {"command": "audit", "action": "show", "audit_id": args.audit_id,
                           "events": [e.as_json() for e in events]}
    if not events:
        doc["status"] = "error"
        doc["error"] = {"code": "audit.not_found",
                        "message": f"no events recorded under {args.audit_id}"}
        return emit(doc, args.format, "", ExitCode.FAILURE)
    doc["status"] = "ok"
    return emit(doc, args.format, "\n".join(_line(e) for e in events), ExitCode.SUCCESS)


def run_list(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    if args.limit is not None and args.limit < 0:
        raise CliError("cli.usage", "--limit must be >= 0", ExitCode.USAGE)
    with _store(args) as store:
        events = store.list(args.event, since)
    if args.limit is not None:
        events = events[-args.limit:] if args.limit else []
    doc = {"command": "audit", "action": "list", "status": "ok", "count": len(events),
           "filters": {"event": args.event, "since": since},
           "events": [e.as_json() for e in events]}
    return emit(doc, args.format, "\n".join(_line(e) for e in events), ExitCode.SUCCESS)


def run_export(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    with _store(args) as store:
        if args.format == "json":
            doc = {"command": "audit", "action": "export", "status": "ok",
                   "events": [e.as_json() for e in store.iter_events(args.event, since)]}
            return emit(doc, "json", "", ExitCode.SUCCESS)
        if args.output is None:
            store.export_jsonl(sys.stdout, args.event, since)
            sys.stdout.flush()
            return int(ExitCode.SUCCESS)
        import io

        buf = io.StringIO()
        count = store.export_jsonl(buf, args.event, since)
    try:
        atomic_write(args.output, buf.getvalue().encode("utf-8"))
    except OSError as exc:
        raise CliError("audit.io.write_failed", f"{args.output}: {exc.strerror or exc}",
                       ExitCode.IO, path=str(args.output)) from None
    sys.stderr.write(f"exported {count} event(s) to {args.output}\n")
    return int(ExitCode.SUCCESS)


class _store:
    """``with _store(args) as store``: the store, closed afterwards; open failures are JSON."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.store = open_audit_store(args.audit_db)

    def __enter__(self):
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()
