"""Runtime commands: ``reml.diff``, ``reml.reload``, ``reml.rollback``, ``reml.gpu.launch``,
``reml.gpu.kernels``, ``reml.instrument.query|telemetry|apply``.

Each checks its arguments (:mod:`reml_lsp.lsp.runtime_args`), runs ``reml-run … --format=json``
through :func:`reml_lsp.lsp.runtime_run.run_cli` (the command is the ``reml.runtime.command``
setting), shows the status and audit_id, and turns config validation issues into diagnostics under
the operation's audit_id. The commands that change state — reload, rollback, instrument apply —
run a dry run first and apply only after the user chose **Apply** in a prompt that names the
target. A failure is a message and a result, never a dead server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from pathlib import Path
from typing import Any

from reml_lsp.lsp import runtime_args as check
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
from reml_lsp.lsp.runtime_args import BadArguments, Refused
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


async def _with_progress(ls: RemlServer, name: str, title: str, args: CliArgs) -> RunResult:
    progress = Progress(ls, title)
    await progress.begin()
    try:
        return await run_cli(ls, name, args, progress)
    finally:
        progress.end("done")


def _cancelled(name: str, dry: RunResult, result: dict[str, Any]) -> RunResult:
    return RunResult(name, 0, {"status": "ok", "result": {**result, "status": "cancelled"},
                               "audit_id": dry.audit_id})


def _guarded(server: RemlServer, name: str):
    """Register ``fn`` as command ``name``; bad arguments (exit 3), refusals (exit 5) and
    unexpected errors (exit 70) become a reported result, never a JSON-RPC error."""

    def wrap(fn):
        async def command(ls: RemlServer, *args: Any) -> dict[str, Any]:
            _follow_request_cancel(ls)
            try:
                return await fn(ls, check.one_object(args))
            except BadArguments as exc:
                return report(ls, error_result(name, "lsp.runtime.bad_argument",
                                               f"{name}: {exc}", 3, "usage"))
            except Refused as exc:
                return report(ls, error_result(name, exc.code, f"{name}: {exc}", 5,
                                               "rejected"))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("%s failed", name)
                return report(ls, error_result(name, "lsp.runtime.internal",
                                               f"{type(exc).__name__}: {exc}", 70, "internal"))

        server.command(name)(command)
        return fn

    return wrap


def _follow_request_cancel(ls: RemlServer) -> None:
    """pygls runs a command as a separate task behind the ``workspace/executeCommand`` request,
    and ``$/cancelRequest`` (or shutdown) only cancels the request's future: link the two, so
    that the command task — and through it the ``reml-run`` child — is cancelled too."""
    task = asyncio.current_task()
    request = ls.protocol._request_futures.get(ls.protocol.msg_id)  # the msg_id is a contextvar
    if task is None or request is None:
        return
    request.add_done_callback(lambda done: task.cancel() if done.cancelled() else None)


def _rel(ls: RemlServer, path: Path) -> str:
    for root in ls.roots:
        try:
            return path.relative_to(root.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def register(server: RemlServer) -> None:
    @_guarded(server, CMD_DIFF)
    async def diff(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        old = await check.path(ls, a.get("old"), "old", CMD_DIFF)
        new = await check.path(ls, a.get("new"), "new", CMD_DIFF)
        cli = CliArgs(["diff"], [str(old), str(new)])
        for flag, key in (("--schema", "schema"), ("--target-schema", "targetSchema")):
            if a.get(key):
                cli.opt(flag, await check.path(ls, a[key], key, CMD_DIFF))
        cli.opt("--audit", ls.settings.runtime.audit)
        result = await _with_progress(ls, CMD_DIFF, "Reml: config diff", cli)
        validation = result.doc.get("validation") or {}
        publish_config_issues(ls, new, list(validation.get("target") or []), result.audit_id)
        if validation.get("base"):
            publish_config_issues(ls, old, list(validation["base"]), result.audit_id)
        return report(ls, result)

    @_guarded(server, CMD_RELOAD)
    async def reload(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        state = await check.path(ls, a.get("state"), "state", CMD_RELOAD, writes=True)
        config = await check.path(ls, a["config"], "config", CMD_RELOAD) \
            if a.get("config") else None
        diff_path = await check.path(ls, a["diff"], "diff", CMD_RELOAD) if a.get("diff") else None
        if diff_path is None and not (a.get("old") and a.get("new")):
            raise BadArguments("give diff (a diff JSON file) or old and new (configs)")
        inputs = None
        if diff_path is None:
            inputs = (await check.path(ls, a["old"], "old", CMD_RELOAD),
                      await check.path(ls, a["new"], "new", CMD_RELOAD))
        progress = Progress(ls, "Reml: hot reload")
        await progress.begin()
        try:
            return await _reload(ls, a, state, config, diff_path, inputs, progress)
        finally:
            progress.end("done")

    @_guarded(server, CMD_ROLLBACK)
    async def rollback(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        state = await check.path(ls, a.get("state"), "state", CMD_ROLLBACK, writes=True)
        cli = CliArgs(["reload"], [str(state)]).opt("--rollback")
        dry = await _with_progress(ls, CMD_ROLLBACK, "Reml: rollback (dry run)",
                                   CliArgs(cli.command, cli.positionals,
                                           [*cli.options, "--dry-run"]))
        if a.get("dryRun") or dry.error or dry.status != "dry-run":
            return report(ls, dry)
        result = dry.doc.get("result") or {}
        question = (f"Roll back {_rel(ls, state)} from version {result.get('version_before')} "
                    f"to {result.get('version_after')}, undoing the operation {dry.audit_id}?")
        if not await check.confirm(ls, question, "Apply"):
            return report(ls, _cancelled(CMD_ROLLBACK, dry, result))
        cli.opt("--audit", ls.settings.runtime.audit)
        return report(ls, await _with_progress(ls, CMD_ROLLBACK, "Reml: rollback", cli))

    @_guarded(server, CMD_GPU_LAUNCH)
    async def gpu_launch(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        kernel = check.name(a.get("kernel"), "kernel")
        params = a.get("params") or {}
        if not isinstance(params, dict):
            raise BadArguments("params must be an object")
        cli = CliArgs(["gpu", "launch"], [kernel])
        for key, value in params.items():
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise BadArguments(f"params.{key} must be a string or a number")
            cli.opt("--param", f"{check.name(key, 'parameter name')}={value}")
        backend = a.get("backend")
        if backend not in (None, "", "auto", "numpy", "cupy"):
            raise BadArguments(f"backend must be auto, numpy or cupy, got {backend!r}")
        cli.opt("--backend", backend)
        cli.opt("--device", check.integer(a.get("device"), "device", 0, 1024))
        cli.opt("--repeat", check.integer(a.get("repeat"), "repeat", 1, 100_000))
        cli.opt("--warmup", check.integer(a.get("warmup"), "warmup", 0, 100_000))
        cli.opt("--max-memory-mb", check.number(a.get("maxMemoryMb"), "maxMemoryMb"))
        return report(ls, await _with_progress(ls, CMD_GPU_LAUNCH, f"Reml: GPU {kernel}", cli))

    @_guarded(server, CMD_GPU_KERNELS)
    async def gpu_kernels(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        """``gpu kernels``: the list behind an editor's kernel picker. A query, so no message
        and no ``reml/runtimeResult``: only the result (``result.kernels``)."""
        return (await _with_progress(ls, CMD_GPU_KERNELS, "Reml: GPU kernels",
                                     CliArgs(["gpu", "kernels"]))).summary()

    @_guarded(server, CMD_INSTRUMENT_QUERY)
    async def instrument_query(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        cli = CliArgs(["instrument", "query"], [check.visa_resource(a.get("resource")),
                                                check.text(a.get("command"), "command")])
        await _instrument_opts(ls, cli, a, CMD_INSTRUMENT_QUERY)
        return report(ls, await _with_progress(ls, CMD_INSTRUMENT_QUERY,
                                               "Reml: instrument query", cli))

    @_guarded(server, CMD_INSTRUMENT_TELEMETRY)
    async def instrument_telemetry(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        cli = CliArgs(["instrument", "telemetry"])
        if a.get("resource"):
            cli.positionals.append(check.visa_resource(a["resource"]))
        if a.get("regmap"):
            cli.opt("--regmap", await check.path(ls, a["regmap"], "regmap",
                                                 CMD_INSTRUMENT_TELEMETRY))
        cli.opt("--samples", check.integer(a.get("samples"), "samples", 1, 1_000_000))
        cli.opt("--interval-ms", check.number(a.get("intervalMs"), "intervalMs"))
        await _instrument_opts(ls, cli, a, CMD_INSTRUMENT_TELEMETRY)
        return report(ls, await _with_progress(ls, CMD_INSTRUMENT_TELEMETRY,
                                               "Reml: instrument telemetry", cli))

    @_guarded(server, CMD_INSTRUMENT_APPLY)
    async def instrument_apply(ls: RemlServer, a: dict[str, Any]) -> dict[str, Any]:
        regmap = await check.path(ls, a.get("regmap"), "regmap", CMD_INSTRUMENT_APPLY)
        cli = CliArgs(["instrument", "apply"], [str(regmap)])
        if a.get("resource"):
            cli.opt("--resource", check.visa_resource(a["resource"]))
        await _instrument_opts(ls, cli, a, CMD_INSTRUMENT_APPLY)
        dry = await _with_progress(ls, CMD_INSTRUMENT_APPLY, "Reml: register map (dry run)",
                                   CliArgs(cli.command, cli.positionals,
                                           [*cli.options, "--dry-run"]))
        result = dry
        items = (dry.doc.get("change_set") or {}).get("items") or []
        if not a.get("dryRun") and dry.error is None and items:
            changes = ", ".join(f"{i.get('key')} {i.get('previous')}→{i.get('current')}"
                                for i in items[:6]) + (" …" if len(items) > 6 else "")
            question = (f"Write register map {_rel(ls, regmap)} to "
                        f"{dry.doc.get('resource')}: {len(items)} change(s): {changes}?")
            if not await check.confirm(ls, question, "Apply"):
                return report(ls, _cancelled(CMD_INSTRUMENT_APPLY, dry, dry.doc))
            result = await _with_progress(ls, CMD_INSTRUMENT_APPLY, "Reml: apply register map",
                                          cli)
        err = result.error or {}
        problems = err.get("problems") if isinstance(err.get("problems"), list) else []
        issues = [{"code": err.get("code", "instrument.regmap.invalid"), "key": "$",
                   "message": str(p)} for p in problems]
        issues += [i for i in (err.get("issues") or []) if isinstance(i, dict)]
        publish_config_issues(ls, regmap, issues, result.audit_id)
        return report(ls, result)


async def _instrument_opts(ls: RemlServer, cli: CliArgs, a: dict[str, Any], command: str) -> None:
    cli.opt("--backend", check.backend(ls, a.get("backend")))
    if a.get("simFile"):
        cli.opt("--sim-file", await check.path(ls, a["simFile"], "simFile", command))
    cli.opt("--timeout-ms", check.integer(a.get("timeoutMs"), "timeoutMs", 1, 3_600_000))


async def _reload(ls: RemlServer, a: dict[str, Any], state: Path, config: Path | None,
                  diff_path: Path | None, inputs: tuple[Path, Path] | None,
                  progress: Progress) -> dict[str, Any]:
    temp: Path | None = None
    try:
        if inputs is not None:
            old, new = inputs
            config = config or new
            made = await run_cli(ls, CMD_RELOAD, CliArgs(["diff"], [str(old), str(new)]),
                                 progress)
            if made.error or made.status == "error":
                publish_config_issues(ls, new, list((made.doc.get("validation") or {})
                                                    .get("target") or []), made.audit_id)
                return report(ls, made)
            fd, name = tempfile.mkstemp(prefix="reml-diff-", suffix=".json")
            temp = Path(name)
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump(made.doc, fh)
            diff_path = temp
        assert diff_path is not None
        base = CliArgs(["reload"], [str(state), str(diff_path)])
        base.opt("--allow-dangerous", bool(a.get("allowDangerous")))
        dry = await run_cli(ls, CMD_RELOAD, CliArgs(base.command, base.positionals,
                                                    [*base.options, "--dry-run"]), progress)
        errors = list((dry.doc.get("result") or {}).get("errors") or [])
        publish_config_issues(ls, config, errors, dry.audit_id)
        if dry.error or dry.status != "dry-run":
            return report(ls, dry)
        result = dry.doc.get("result") or {}
        summary = (result.get("change_set") or {}).get("summary") or {}
        changes = summary.get("total", len((result.get("change_set") or {}).get("items") or []))
        dangerous = [str(d.get("key")) for d in result.get("dangerous") or []
                     if isinstance(d, dict)]
        warning = f", including {len(dangerous)} DANGEROUS: {', '.join(dangerous[:5])}" \
            if dangerous else ""
        question = (f"Apply the reload of {_rel(ls, state)}: {changes} change(s){warning}, "
                    f"version {result.get('version_before')} → {result.get('version_after')} "
                    f"(audit_id {dry.audit_id})?")
        if not await check.confirm(ls, question, "Apply"):
            return report(ls, _cancelled(CMD_RELOAD, dry, result))
        base.opt("--audit", ls.settings.runtime.audit)
        done = await run_cli(ls, CMD_RELOAD, base, progress)
        errors = list((done.doc.get("result") or {}).get("errors") or [])
        publish_config_issues(ls, config, errors, done.audit_id)
        return report(ls, done)
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
