"""Runtime commands: ``reml.diff``, ``reml.reload`` (dry run, confirmation through
``window/showMessageRequest``, then apply), ``reml.rollback``, ``reml.gpu.launch``,
``reml.instrument.query|telemetry|apply``.

Each runs ``reml-run … --format json`` (the command is the ``reml.runtime.command`` setting) as a
subprocess, with work-done progress, a timeout and cancellation (``$/cancelRequest`` or the
progress's cancel button kill it), shows the status and audit_id, sends the whole JSON as a
``reml/runtimeResult`` notification, and turns config validation issues into diagnostics on the
config file under the operation's audit_id. A failure is a message and a result, never a dead
server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types as lsp

from reml_lsp.config.diagnostics import issue_to_diagnostic
from reml_lsp.config.validate import ValidationIssue
from reml_lsp.lsp.convert import to_lsp_diagnostic
from reml_lsp.lsp.names import (
    CMD_DIFF,
    CMD_GPU_LAUNCH,
    CMD_INSTRUMENT_APPLY,
    CMD_INSTRUMENT_QUERY,
    CMD_INSTRUMENT_TELEMETRY,
    CMD_RELOAD,
    CMD_ROLLBACK,
    NOTIFY_RUNTIME_RESULT,
)
from reml_lsp.lsp.server import RemlServer, path_to_uri, uri_to_path
from reml_lsp.workspace import relative_path

log = logging.getLogger("reml_lsp.lsp")
OUTPUT_LIMIT = 2_000_000


@attrs.define
class RunResult:
    command: str
    exit_code: int
    doc: dict[str, Any]

    @property
    def status(self) -> str:
        result = self.doc.get("result")
        if isinstance(result, dict) and result.get("status"):
            return str(result["status"])
        return str(self.doc.get("status", "error"))

    @property
    def audit_id(self) -> str | None:
        for source in (self.doc.get("result"), self.doc, self.doc.get("error")):
            if isinstance(source, dict) and source.get("audit_id"):
                return str(source["audit_id"])
        return None

    @property
    def error(self) -> dict[str, Any] | None:
        err = self.doc.get("error")
        return err if isinstance(err, dict) else None

    def summary(self) -> dict[str, Any]:
        return {"command": self.command, "status": self.status, "audit_id": self.audit_id,
                "exit_code": self.exit_code, "error": self.error, "result": self.doc}


def _error_doc(code: str, message: str, exit_code: int, label: str) -> dict[str, Any]:
    return {"status": "error", "error": {"code": code, "message": message},
            "exit_code": {"label": label, "value": exit_code}}


class _Progress:
    def __init__(self, ls: RemlServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None

    async def begin(self) -> None:
        if not self.ls.work_done:
            return
        token = f"reml-run-{uuid.uuid4()}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception:
            return
        self.token = token
        self.ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(
            title=self.title, cancellable=True, message="starting"))

    def report(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(self.token, lsp.WorkDoneProgressReport(
                message=message))

    def cancelled(self) -> bool:
        if self.token is None:
            return False
        fut = self.ls.work_done_progress.tokens.get(self.token)
        return bool(fut is not None and fut.cancelled())

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, lsp.WorkDoneProgressEnd(message=message))
            self.token = None


async def run_cli(ls: RemlServer, name: str, args: list[str], progress: _Progress,
                  stdin: bytes | None = None) -> RunResult:
    """Run ``reml-run ARGS --format json``; never raises except CancelledError."""
    settings = ls.settings.runtime
    argv = [*settings.command, *args, "--format", "json"]
    cwd = str(ls.roots[0]) if ls.roots else None
    progress.report(" ".join(["reml-run", *args])[:200])
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=cwd, stdin=asyncio.subprocess.PIPE if stdin is not None else None,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    except (FileNotFoundError, PermissionError) as exc:
        return RunResult(name, 6, _error_doc(
            "lsp.runtime.unavailable", f"cannot run {argv[0]!r}: {exc.strerror or exc}; set "
            "reml.runtime.command", 6, "unavailable"))
    communicate = asyncio.ensure_future(proc.communicate(stdin))
    deadline = time.monotonic() + settings.timeout_s
    try:
        while not communicate.done():
            await asyncio.wait({communicate}, timeout=0.1)
            if communicate.done():
                break
            if progress.cancelled():
                _kill(proc)
                await communicate
                return RunResult(name, 130, _error_doc(
                    "lsp.runtime.cancelled", "cancelled by the user", 130, "cancelled"))
            if time.monotonic() > deadline:
                _kill(proc)
                await communicate
                return RunResult(name, 7, _error_doc(
                    "lsp.runtime.timeout",
                    f"reml-run {' '.join(args[:2])} did not finish in {settings.timeout_s:g} s",
                    7, "timeout"))
    except asyncio.CancelledError:  # $/cancelRequest, or the server shutting down
        _kill(proc)
        raise
    out, err = communicate.result()
    text = out[:OUTPUT_LIMIT].decode("utf-8", "replace").strip()
    try:
        doc = json.loads(text) if text else None
    except json.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict):
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        doc = _error_doc("lsp.runtime.bad_output",
                         f"reml-run printed no JSON (exit {proc.returncode}): "
                         + (" | ".join(tail) or text[:200] or "no output"),
                         proc.returncode or 70, "internal")
    return RunResult(name, proc.returncode if proc.returncode is not None else 70, doc)


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass


def report(ls: RemlServer, result: RunResult) -> dict[str, Any]:
    """Show the status and audit_id, send the full result, return the summary."""
    summary = result.summary()
    status = result.status
    audit = f" (audit_id {result.audit_id})" if result.audit_id else ""
    if result.error:
        kind = lsp.MessageType.Error
        text = f"{result.command}: {status} — {result.error.get('code')}: " \
               f"{result.error.get('message')}{audit}"
    elif status in ("warning", "rejected", "failed"):
        kind = lsp.MessageType.Warning
        text = f"{result.command}: {status}{audit}"
    else:
        kind = lsp.MessageType.Info
        text = f"{result.command}: {status}{audit}"
    ls.show(text, kind)
    ls.log_to_client(text)
    try:
        ls.protocol.notify(NOTIFY_RUNTIME_RESULT, summary)
    except Exception:
        pass
    return summary


# -- config diagnostics ----------------------------------------------------------------------
def publish_config_issues(ls: RemlServer, path: Path | None, issues: list[Any],
                          audit_id: str | None) -> None:
    """Validation issues ({code, key, message, severity, …}) as diagnostics on ``path``,
    carrying the operation's audit_id (an empty list clears earlier ones)."""
    if path is None:
        return
    uri = path_to_uri(path)
    open_doc = ls.doc(uri)
    try:
        text = open_doc.doc.text if open_doc is not None else path.read_text(encoding="utf-8")
    except OSError:
        return
    from reml_lsp.analysis.positions import LineIndex

    rel = relative_path(path, ls.root_for(path))
    index = LineIndex(text)
    diagnostics = []
    for raw in issues:
        if not isinstance(raw, dict) or "code" not in raw:
            continue
        issue = ValidationIssue(str(raw["code"]), str(raw.get("key", "$")),
                                str(raw.get("message", raw["code"])),
                                str(raw.get("severity", "error")), raw.get("expected"),
                                raw.get("actual"))
        d = issue_to_diagnostic(issue, rel, text, audit_id=audit_id)
        diagnostics.append(to_lsp_diagnostic(d, index, uri, ls.encoding))
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
        uri=uri, diagnostics=diagnostics))


# -- arguments -------------------------------------------------------------------------------
class BadArguments(Exception):
    pass


def _arg(args: tuple[Any, ...]) -> dict[str, Any]:
    if not args:
        return {}
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]
    raise BadArguments("expected one object argument")


def _path(ls: RemlServer, value: Any, what: str) -> Path:
    if not isinstance(value, str) or not value:
        raise BadArguments(f"{what} is required (a path or a file URI)")
    path = uri_to_path(value) if value.startswith("file:") else Path(value)
    if path is None:
        raise BadArguments(f"{what}: not a file: {value}")
    if not path.is_absolute() and ls.roots:
        path = ls.roots[0] / path
    return path


def _opt(args: list[str], flag: str, value: Any) -> None:
    if value is not None and value != "":
        args.extend([flag, str(value)])


def _bad(ls: RemlServer, name: str, exc: Exception) -> dict[str, Any]:
    return report(ls, RunResult(name, 3, _error_doc("lsp.runtime.bad_argument",
                                                    f"{name}: {exc}", 3, "usage")))


async def _with_progress(ls: RemlServer, name: str, title: str, args: list[str],
                         stdin: bytes | None = None) -> RunResult:
    progress = _Progress(ls, title)
    await progress.begin()
    try:
        result = await run_cli(ls, name, args, progress, stdin)
    finally:
        progress.end("done")
    return result


# -- the commands ----------------------------------------------------------------------------
def _guarded(server: RemlServer, name: str):
    """Register ``fn`` as command ``name``; bad arguments and unexpected errors become a
    reported result (exit 3 / 70), never a JSON-RPC error with a traceback."""

    def wrap(fn):
        async def command(ls: RemlServer, *args: Any) -> dict[str, Any]:
            try:
                return await fn(ls, *args)
            except BadArguments as exc:
                return _bad(ls, name, exc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("%s failed", name)
                return report(ls, RunResult(name, 70, _error_doc(
                    "lsp.runtime.internal", f"{type(exc).__name__}: {exc}", 70, "internal")))

        server.command(name)(command)
        return fn

    return wrap


def register(server: RemlServer) -> None:
    @_guarded(server, CMD_DIFF)
    async def diff(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            old, new = _path(ls, a.get("old"), "old"), _path(ls, a.get("new"), "new")
        except BadArguments as exc:
            return _bad(ls, CMD_DIFF, exc)
        cli = ["diff", str(old), str(new)]
        _opt(cli, "--schema", a.get("schema"))
        _opt(cli, "--target-schema", a.get("targetSchema"))
        if ls.settings.runtime.audit:
            cli.append("--audit")
        result = await _with_progress(ls, CMD_DIFF, "Reml: config diff", cli)
        validation = result.doc.get("validation") or {}
        publish_config_issues(ls, new, list(validation.get("target") or []), result.audit_id)
        if validation.get("base"):
            publish_config_issues(ls, old, list(validation["base"]), result.audit_id)
        return report(ls, result)

    @_guarded(server, CMD_RELOAD)
    async def reload(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            state = _path(ls, a.get("state"), "state")
            config = _path(ls, a["config"], "config") if a.get("config") else None
            diff_path = _path(ls, a["diff"], "diff") if a.get("diff") else None
            if diff_path is None and not (a.get("old") and a.get("new")):
                raise BadArguments("give diff (a diff JSON file) or old and new (configs)")
        except BadArguments as exc:
            return _bad(ls, CMD_RELOAD, exc)
        progress = _Progress(ls, "Reml: hot reload")
        await progress.begin()
        try:
            return await _reload(ls, a, state, config, diff_path, progress)
        finally:
            progress.end("done")

    @_guarded(server, CMD_ROLLBACK)
    async def rollback(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            state = _path(ls, a.get("state"), "state")
        except BadArguments as exc:
            return _bad(ls, CMD_ROLLBACK, exc)
        cli = ["reload", str(state), "--rollback"]
        if ls.settings.runtime.audit:
            cli.append("--audit")
        if a.get("dryRun"):
            cli.append("--dry-run")
        return report(ls, await _with_progress(ls, CMD_ROLLBACK, "Reml: rollback", cli))

    @_guarded(server, CMD_GPU_LAUNCH)
    async def gpu_launch(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            kernel = a.get("kernel")
            if not isinstance(kernel, str) or not kernel:
                raise BadArguments("kernel is required")
            params = a.get("params") or {}
            if not isinstance(params, dict):
                raise BadArguments("params must be an object")
        except BadArguments as exc:
            return _bad(ls, CMD_GPU_LAUNCH, exc)
        cli = ["gpu", "launch", kernel]
        for key, value in params.items():
            cli.extend(["--param", f"{key}={value}"])
        for flag, key in (("--device", "device"), ("--backend", "backend"),
                          ("--repeat", "repeat"), ("--warmup", "warmup"),
                          ("--max-memory-mb", "maxMemoryMb")):
            _opt(cli, flag, a.get(key))
        return report(ls, await _with_progress(ls, CMD_GPU_LAUNCH, f"Reml: GPU {kernel}", cli))

    @_guarded(server, CMD_INSTRUMENT_QUERY)
    async def instrument_query(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            if not a.get("resource") or not a.get("command"):
                raise BadArguments("resource and command are required")
        except BadArguments as exc:
            return _bad(ls, CMD_INSTRUMENT_QUERY, exc)
        cli = ["instrument", "query", str(a["resource"]), str(a["command"])]
        _instrument_opts(ls, cli, a)
        return report(ls, await _with_progress(ls, CMD_INSTRUMENT_QUERY,
                                               "Reml: instrument query", cli))

    @_guarded(server, CMD_INSTRUMENT_TELEMETRY)
    async def instrument_telemetry(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
        except BadArguments as exc:
            return _bad(ls, CMD_INSTRUMENT_TELEMETRY, exc)
        cli = ["instrument", "telemetry"]
        if a.get("resource"):
            cli.append(str(a["resource"]))
        if a.get("regmap"):
            cli.extend(["--regmap", str(_path(ls, a["regmap"], "regmap"))])
        _opt(cli, "--samples", a.get("samples"))
        _opt(cli, "--interval-ms", a.get("intervalMs"))
        _instrument_opts(ls, cli, a)
        return report(ls, await _with_progress(ls, CMD_INSTRUMENT_TELEMETRY,
                                               "Reml: instrument telemetry", cli))

    @_guarded(server, CMD_INSTRUMENT_APPLY)
    async def instrument_apply(ls: RemlServer, *args: Any) -> dict[str, Any]:
        try:
            a = _arg(args)
            regmap = _path(ls, a.get("regmap"), "regmap")
        except BadArguments as exc:
            return _bad(ls, CMD_INSTRUMENT_APPLY, exc)
        cli = ["instrument", "apply", str(regmap)]
        _opt(cli, "--resource", a.get("resource"))
        if a.get("dryRun"):
            cli.append("--dry-run")
        _instrument_opts(ls, cli, a)
        result = await _with_progress(ls, CMD_INSTRUMENT_APPLY, "Reml: apply register map",
                                      cli)
        err = result.error or {}
        problems = err.get("problems") if isinstance(err.get("problems"), list) else []
        issues = [{"code": err.get("code", "instrument.regmap.invalid"), "key": "$",
                   "message": str(p)} for p in problems]
        issues += [i for i in (err.get("issues") or []) if isinstance(i, dict)]
        publish_config_issues(ls, regmap, issues, result.audit_id)
        return report(ls, result)


def _instrument_opts(ls: RemlServer, cli: list[str], a: dict[str, Any]) -> None:
    _opt(cli, "--backend", a.get("backend"))
    if a.get("simFile"):
        cli.extend(["--sim-file", str(_path(ls, a["simFile"], "simFile"))])
    _opt(cli, "--timeout-ms", a.get("timeoutMs"))


async def _reload(ls: RemlServer, a: dict[str, Any], state: Path, config: Path | None,
                  diff_path: Path | None, progress: _Progress) -> dict[str, Any]:
    temp: Path | None = None
    try:
        if diff_path is None:
            old, new = _path(ls, a["old"], "old"), _path(ls, a["new"], "new")
            config = config or new
            made = await run_cli(ls, CMD_RELOAD, ["diff", str(old), str(new)], progress)
            if made.error or made.status == "error":
                publish_config_issues(ls, new, list((made.doc.get("validation") or {})
                                                    .get("target") or []), made.audit_id)
                return report(ls, made)
            fd, name = tempfile.mkstemp(prefix="reml-diff-", suffix=".json")
            temp = Path(name)
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump(made.doc, fh)
            diff_path = temp
        base = ["reload", str(state), str(diff_path)]
        if a.get("allowDangerous"):
            base.append("--allow-dangerous")
        dry = await run_cli(ls, CMD_RELOAD, [*base, "--dry-run"], progress)
        errors = list((dry.doc.get("result") or {}).get("errors") or [])
        publish_config_issues(ls, config, errors, dry.audit_id)
        if dry.error or dry.status != "dry-run":
            return report(ls, dry)
        result = dry.doc.get("result") or {}
        summary = (result.get("change_set") or {}).get("summary") or {}
        changes = summary.get("total", len((result.get("change_set") or {}).get("items") or []))
        question = (f"Apply the reload of {state.name}: {changes} change(s), version "
                    f"{result.get('version_before')} → {result.get('version_after')} "
                    f"(audit_id {dry.audit_id})?")
        answer = None
        if ls.show_message_actions:
            answer = await ls.window_show_message_request_async(lsp.ShowMessageRequestParams(
                type=lsp.MessageType.Warning, message=question,
                actions=[lsp.MessageActionItem(title="Apply"),
                         lsp.MessageActionItem(title="Cancel")]))
        if answer is None or answer.title != "Apply":
            doc = {"status": "ok", "result": {**result, "status": "cancelled"},
                   "audit_id": dry.audit_id}
            return report(ls, RunResult(CMD_RELOAD, 0, doc))
        apply = [*base, "--audit"] if ls.settings.runtime.audit else base
        done = await run_cli(ls, CMD_RELOAD, apply, progress)
        errors = list((done.doc.get("result") or {}).get("errors") or [])
        publish_config_issues(ls, config, errors, done.audit_id)
        return report(ls, done)
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)
