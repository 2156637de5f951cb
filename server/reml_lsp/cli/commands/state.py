"""``reml-run state init STATE --config CONFIG [--schema S]`` and ``reml-run state show STATE``.

The state file schema is in ``reml_lsp.runtime.state_file`` and docs/runtime-config.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reml_lsp.cli.commands._config_common import add_format, emit, short
from reml_lsp.cli.errors import CliError
from reml_lsp.cli.exit_codes import ExitCode
from reml_lsp.config.diff_document import operation_audit_id
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import load_config
from reml_lsp.config.schema import load_schema
from reml_lsp.config.validate import validate
from reml_lsp.runtime.atomic import atomic_write
from reml_lsp.runtime.filelock import exclusive_lock
from reml_lsp.runtime.rollback import RollbackStack
from reml_lsp.runtime.state_file import new_state, parse_state
from reml_lsp.runtime.transaction import commit_file, read_current


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("state", help="create or show a runtime state file")
    ssub = p.add_subparsers(dest="state_command", metavar="ACTION")
    init = ssub.add_parser("init", help="create STATE from a config (and schema)")
    init.add_argument("state", type=Path, metavar="STATE")
    init.add_argument("--config", type=Path, required=True, metavar="CONFIG")
    init.add_argument("--schema", type=Path, metavar="SCHEMA")
    init.add_argument("--force", action="store_true",
                      help="replace an existing STATE (kept as a RollbackInfo)")
    add_format(init)
    init.set_defaults(func=run_init)
    show = ssub.add_parser("show", help="print STATE and its rollback stack")
    show.add_argument("state", type=Path, metavar="STATE")
    add_format(show)
    show.set_defaults(func=run_show)
    p.set_defaults(func=_missing_action)


def _missing_action(args: argparse.Namespace) -> int:
    raise CliError("cli.usage", "state needs an action: init or show", ExitCode.USAGE)


def run_init(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    schema = load_schema(args.schema) if args.schema else None
    doc: dict[str, Any] = {"command": "state", "action": "init", "path": str(args.state)}
    issues = validate(config.data, schema) if schema else []
    if issues:
        doc.update(status="error", errors=[i.as_json() for i in issues],
                   error={"code": "config.schema.invalid",
                          "message": f"{args.config} breaks the schema ({len(issues)} issue(s))"})
        return emit(doc, args.format, _issues_text(doc["errors"]), ExitCode.FAILURE)
    state = new_state(config.data, str(args.config), config.format,
                      schema.raw if schema else None)
    data = state.to_bytes()
    with exclusive_lock(args.state):
        if args.state.exists():
            if not args.force:
                raise ConfigError("state.exists", f"{args.state} exists; pass --force to replace "
                                  "it", "rejected", path=str(args.state))
            commit_file(args.state, read_current(args.state), data,
                        audit_id=operation_audit_id(args.state, "state.init", state.to_json()),
                        operation="state.init", summary={})
        else:
            try:
                atomic_write(args.state, data)
            except OSError as exc:
                raise ConfigError("state.io.write_failed",
                                  f"{args.state}: {exc.strerror or exc}", "io",
                                  path=str(args.state)) from None
    doc.update(status="ok", state={"version": state.version, "run_id": state.run_id,
                                    "config_digest": state.config_digest,
                                    "schema": schema.summary() if schema else None})
    return emit(doc, args.format, f"created {args.state} (version 1, run_id {state.run_id})",
                ExitCode.SUCCESS)


def run_show(args: argparse.Namespace) -> int:
    state = parse_state(read_current(args.state), args.state)
    stack = RollbackStack.load(args.state)
    doc: dict[str, Any] = {
        "command": "state", "action": "show", "status": "ok", "path": str(args.state),
        "state": state.to_json(),
        "rollback": {"path": str(stack.path), "depth": len(stack.entries),
                     "entries": [e.brief() for e in stack.entries]},
    }
    lines = [f"{args.state}: version {state.version}, run_id {state.run_id}",
             f"config ({state.config_source.get('format')}): {short(state.config)}",
             f"schema: {state.schema_doc.get('name') if state.schema_doc else None}",
             f"history: {len(state.history)} reload(s); rollback depth {len(stack.entries)}"]
    lines += [f"  v{h.get('version')} {h.get('at')} {h.get('event')} {h.get('audit_id')}"
              for h in state.history[-10:]]
    return emit(doc, args.format, "\n".join(lines), ExitCode.SUCCESS)


def _issues_text(issues: list[dict[str, Any]]) -> str:
    return "\n".join(f"{i['code']}: {i['message']}" for i in issues)
