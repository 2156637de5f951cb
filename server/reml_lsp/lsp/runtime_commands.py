"""Runtime commands: ``reml.diff``, ``reml.reload``, ``reml.rollback``, ``reml.gpu.launch``,
``reml.gpu.kernels``, ``reml.instrument.query|telemetry|apply``.

One module-level handler per command, listed in :data:`COMMANDS`. Each reads its arguments through
:class:`~reml_lsp.lsp.runtime_args.Args` (the checks of :mod:`reml_lsp.lsp.runtime_args`, with the
command's name in every error), runs ``reml-run … --format=json`` through
:func:`reml_lsp.lsp.runtime_run.run_cli` (the command is the ``reml.runtime.command`` setting),
and returns the :class:`~reml_lsp.lsp.runtime_run.RunResult` holding the typed document the child
printed. :func:`execute` does the rest once for all: bad arguments (exit 3), refusals (exit 5) and
unexpected errors (exit 70) become a result, never a JSON-RPC error; the status and audit_id are
shown and the summary is sent as ``reml/runtimeResult``. The commands that change state —
reload, rollback, instrument apply — run a dry run first and apply only after the user chose
**Apply** in a prompt that names the target.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.contract.converter import converter
from reml_lsp.contract.results import DiffDocument, RegmapApplyDocument, ReloadDocument
from reml_lsp.lsp.names import (
    CMD_DIFF,
    CMD_GPU_KERNELS,
    CMD_GPU_LAUNCH,
    CMD_INSTRUMENT_APPLY,
    CMD_INSTRUMENT_QUERY,
    CMD_INSTRUMENT_TELEMETRY,
    CMD_RELOAD,
    CMD_ROLLBACK,
)
from reml_lsp.lsp.runtime_args import Args, BadArguments, Refused, confirm
from reml_lsp.lsp.runtime_run import (
    CliArgs,
    Progress,
    RunResult,
    error_result,
    publish_config_issues,
    report,
    run_cli,
)
from reml_lsp.lsp.server import RemlServer

log = logging.getLogger("reml_lsp.lsp")

Handler = Callable[[Args], Awaitable[RunResult]]


# -- helpers ----------------------------------------------------------------------------------


async def _with_progress(ls: RemlServer, name: str, title: str, args: CliArgs) -> RunResult:
    progress = Progress(ls, title)
    await progress.begin()
    try:
        return await run_cli(ls, name, args, progress)
    finally:
        progress.end("done")


def _declined(dry: RunResult) -> RunResult:
    """The user said no after the dry run: status ``cancelled``, the dry run's document."""
    return attrs.evolve(dry, exit_code=0, declined=True)


def _rel(ls: RemlServer, path: Path) -> str:
    for root in ls.roots:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


async def _instrument_opts(a: Args, cli: CliArgs) -> None:
    cli.opt("--backend", a.backend())
    cli.opt("--sim-file", await a.optional_path("simFile"))
    cli.opt("--timeout-ms", a.integer("timeoutMs", 1, 3_600_000))


def _reload_errors(result: RunResult) -> list[dict[str, Any]]:
    doc = result.document
    return list(doc.result.errors) if isinstance(doc, ReloadDocument) else []


# -- handlers -----------------------------------------------------------------------------------


async def diff(a: Args) -> RunResult:
    old = await a.path("old")
    new = await a.path("new")
    cli = CliArgs(["diff"], [str(old), str(new)])
    cli.opt("--schema", await a.optional_path("schema"))
    cli.opt("--target-schema", await a.optional_path("targetSchema"))
    cli.opt("--audit", a.ls.settings.runtime.audit)
    result = await _with_progress(a.ls, CMD_DIFF, "Reml: config diff", cli)
    doc = result.document
    validation = doc.validation if isinstance(doc, DiffDocument) else None
    publish_config_issues(a.ls, new, validation.target if validation else [], result.audit_id)
    if validation and validation.base:
        publish_config_issues(a.ls, old, validation.base, result.audit_id)
    return result


async def reload(a: Args) -> RunResult:
    state = await a.path("state", writes=True)
    config = await a.optional_path("config")
    diff_path = await a.optional_path("diff")
    if diff_path is None and not (a.given("old") and a.given("new")):
        raise BadArguments("give diff (a diff JSON file) or old and new (configs)")
    inputs = None if diff_path is not None else (await a.path("old"), await a.path("new"))
    progress = Progress(a.ls, "Reml: hot reload")
    await progress.begin()
    try:
        return await _reload(a, state, config, diff_path, inputs, progress)
    finally:
        progress.end("done")


async def _reload(a: Args, state: Path, config: Path | None, diff_path: Path | None,
                  inputs: tuple[Path, Path] | None, progress: Progress) -> RunResult:
    """Diff (when given two configs) → dry run → the user's Apply → reload; a temporary diff
    file is removed whatever happens."""
    ls = a.ls
    temp: Path | None = None
    try:
        if inputs is not None:
            old, new = inputs
            config = config or new
            made = await run_cli(ls, CMD_RELOAD, CliArgs(["diff"], [str(old), str(new)]),
                                 progress)
            if not isinstance(made.document, DiffDocument) or made.status == "error":
                target = made.document.validation.target \
                    if isinstance(made.document, DiffDocument) else []
                publish_config_issues(ls, new, target, made.audit_id)
                return made
            temp = _write_diff(made.document)
            diff_path = temp
        assert diff_path is not None
        base = CliArgs(["reload"], [str(state), str(diff_path)])
        base.opt("--allow-dangerous", a.flag("allowDangerous"))
        dry = await run_cli(ls, CMD_RELOAD, base.plus("--dry-run"), progress)
        publish_config_issues(ls, config, _reload_errors(dry), dry.audit_id)
        if dry.error or dry.status != "dry-run" or not isinstance(dry.document, ReloadDocument):
            return dry
        outcome = dry.document.result
        dangerous = [str(d.get("key")) for d in outcome.dangerous]
        warning = f", including {len(dangerous)} DANGEROUS: {', '.join(dangerous[:5])}" \
            if dangerous else ""
        question = (f"Apply the reload of {_rel(ls, state)}: {outcome.change_count()} "
                    f"change(s){warning}, version {outcome.version_before} → "
                    f"{outcome.version_after} (audit_id {dry.audit_id})?")
        if not await confirm(ls, question, "Apply"):
            return _declined(dry)
        base.opt("--audit", ls.settings.runtime.audit)
        done = await run_cli(ls, CMD_RELOAD, base, progress)
        publish_config_issues(ls, config, _reload_errors(done), done.audit_id)
        return done
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def _write_diff(document: DiffDocument) -> Path:
    """The diff document as ``reml-run reload`` reads it (without the server's ``pid``)."""
    body = converter.unstructure(document)
    body.pop("pid", None)
    fd, name = tempfile.mkstemp(prefix="reml-diff-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(body, fh)
    return Path(name)


async def rollback(a: Args) -> RunResult:
    state = await a.path("state", writes=True)
    cli = CliArgs(["reload"], [str(state)]).opt("--rollback")
    dry = await _with_progress(a.ls, CMD_ROLLBACK, "Reml: rollback (dry run)",
                               cli.plus("--dry-run"))
    if a.flag("dryRun") or dry.error or dry.status != "dry-run" \
            or not isinstance(dry.document, ReloadDocument):
        return dry
    outcome = dry.document.result
    question = (f"Roll back {_rel(a.ls, state)} from version {outcome.version_before} "
                f"to {outcome.version_after}, undoing the operation {dry.audit_id}?")
    if not await confirm(a.ls, question, "Apply"):
        return _declined(dry)
    cli.opt("--audit", a.ls.settings.runtime.audit)
    return await _with_progress(a.ls, CMD_ROLLBACK, "Reml: rollback", cli)


async def gpu_launch(a: Args) -> RunResult:
    kernel = a.name("kernel")
    cli = CliArgs(["gpu", "launch"], [kernel])
    for key, value in a.params().items():
        cli.opt("--param", f"{key}={value}")
    cli.opt("--backend", a.choice("backend", ("auto", "numpy", "cupy")))
    cli.opt("--device", a.integer("device", 0, 1024))
    cli.opt("--repeat", a.integer("repeat", 1, 100_000))
    cli.opt("--warmup", a.integer("warmup", 0, 100_000))
    cli.opt("--max-memory-mb", a.number("maxMemoryMb"))
    return await _with_progress(a.ls, CMD_GPU_LAUNCH, f"Reml: GPU {kernel}", cli)


async def gpu_kernels(a: Args) -> RunResult:
    """``gpu kernels``: the list behind an editor's kernel picker (a query: see COMMANDS)."""
    return await _with_progress(a.ls, CMD_GPU_KERNELS, "Reml: GPU kernels",
                                CliArgs(["gpu", "kernels"]))


async def instrument_query(a: Args) -> RunResult:
    cli = CliArgs(["instrument", "query"], [a.resource(), a.text("command")])
    await _instrument_opts(a, cli)
    return await _with_progress(a.ls, CMD_INSTRUMENT_QUERY, "Reml: instrument query", cli)


async def instrument_telemetry(a: Args) -> RunResult:
    cli = CliArgs(["instrument", "telemetry"])
    resource = a.optional_resource()
    if resource:
        cli.positionals.append(resource)
    cli.opt("--regmap", await a.optional_path("regmap"))
    cli.opt("--samples", a.integer("samples", 1, 1_000_000))
    cli.opt("--interval-ms", a.number("intervalMs"))
    await _instrument_opts(a, cli)
    return await _with_progress(a.ls, CMD_INSTRUMENT_TELEMETRY, "Reml: instrument telemetry",
                                cli)


async def instrument_apply(a: Args) -> RunResult:
    regmap = await a.path("regmap")
    cli = CliArgs(["instrument", "apply"], [str(regmap)])
    cli.opt("--resource", a.optional_resource())
    await _instrument_opts(a, cli)
    dry = await _with_progress(a.ls, CMD_INSTRUMENT_APPLY, "Reml: register map (dry run)",
                               cli.plus("--dry-run"))
    result = dry
    plan = dry.document
    items = plan.change_items() if isinstance(plan, RegmapApplyDocument) else []
    if isinstance(plan, RegmapApplyDocument) and not a.flag("dryRun") and dry.error is None \
            and items:
        changes = ", ".join(f"{i.get('key')} {i.get('previous')}→{i.get('current')}"
                            for i in items[:6]) + (" …" if len(items) > 6 else "")
        question = (f"Write register map {_rel(a.ls, regmap)} to {plan.resource}: "
                    f"{len(items)} change(s): {changes}?")
        if not await confirm(a.ls, question, "Apply"):
            return _declined(dry)
        result = await _with_progress(a.ls, CMD_INSTRUMENT_APPLY, "Reml: apply register map",
                                      cli)
    issues: list[dict[str, Any]] = []
    if result.error is not None:
        issues = [{"code": result.error.code, "key": "$", "message": p}
                  for p in result.error.problems()] + result.error.issues()
    publish_config_issues(a.ls, regmap, issues, result.audit_id)
    return result


# -- the table and the one wrapper ------------------------------------------------------------


@attrs.frozen
class RuntimeCommand:
    name: str
    handler: Handler
    quiet: bool = False  # a query: only the answer (no message, no reml/runtimeResult)


COMMANDS: tuple[RuntimeCommand, ...] = (
    RuntimeCommand(CMD_DIFF, diff),
    RuntimeCommand(CMD_RELOAD, reload),
    RuntimeCommand(CMD_ROLLBACK, rollback),
    RuntimeCommand(CMD_GPU_LAUNCH, gpu_launch),
    RuntimeCommand(CMD_GPU_KERNELS, gpu_kernels, quiet=True),
    RuntimeCommand(CMD_INSTRUMENT_QUERY, instrument_query),
    RuntimeCommand(CMD_INSTRUMENT_TELEMETRY, instrument_telemetry),
    RuntimeCommand(CMD_INSTRUMENT_APPLY, instrument_apply),
)


async def execute(ls: RemlServer, command: RuntimeCommand, args: tuple[Any, ...],
                  ) -> dict[str, Any]:
    """Check the arguments, run the handler, and answer with the summary; every failure is a
    reported result."""
    _follow_request_cancel(ls)
    name = command.name
    try:
        result = await command.handler(Args.of(ls, name, args))
    except BadArguments as exc:
        return report(ls, error_result(name, "lsp.runtime.bad_argument", f"{name}: {exc}", 3,
                                       "usage"))
    except Refused as exc:
        return report(ls, error_result(name, exc.code, f"{name}: {exc}", 5, "rejected"))
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("%s failed", name)
        return report(ls, error_result(name, "lsp.runtime.internal",
                                       f"{type(exc).__name__}: {exc}", 70, "internal"))
    return result.summary() if command.quiet else report(ls, result)


def _follow_request_cancel(ls: RemlServer) -> None:
    """pygls runs a command as a separate task behind the ``workspace/executeCommand`` request,
    and ``$/cancelRequest`` (or shutdown) only cancels the request's future: link the two, so
    that the command task — and through it the ``reml-run`` child — is cancelled too."""
    task = asyncio.current_task()
    request = ls.protocol._request_futures.get(ls.protocol.msg_id)  # the msg_id is a contextvar
    if task is None or request is None:
        return
    request.add_done_callback(lambda done: task.cancel() if done.cancelled() else None)


def _entry(command: RuntimeCommand) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def run(ls: RemlServer, *args: Any) -> dict[str, Any]:
        return await execute(ls, command, args)

    return run


def register(server: RemlServer) -> None:
    for command in COMMANDS:
        server.command(command.name)(_entry(command))
