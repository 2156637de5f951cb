"""Running one ``reml-run`` child for a runtime command and reporting its result.

:func:`run_cli` builds a strict argv (``SUBCOMMAND --opt=value … --format=json -- POSITIONAL…``,
so no value from a client or a file can become an option), runs it as a
:class:`~reml_lsp.lsp.children.Child` with work-done progress, a timeout and cancellation
(``$/cancelRequest`` or the progress's Cancel button end the child's whole process group), and
structures the JSON it prints into the typed document of that command
(:mod:`reml_lsp.contract.results`; output that is not JSON or does not match is a
``lsp.runtime.bad_output`` error naming the bad fields, never a traceback). :func:`report` shows
the status and audit_id and sends the :class:`~reml_lsp.contract.results.RuntimeCommandSummary`
as ``reml/runtimeResult``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types as lsp

from reml_lsp.config.issue_diagnostics import issue_to_diagnostic
from reml_lsp.config.validate import ValidationIssue
from reml_lsp.contract.converter import converter
from reml_lsp.contract.documents import ContractError, read_document
from reml_lsp.contract.results import (
    ErrorDocument,
    ErrorInfo,
    ExitCodeInfo,
    RuntimeCommandSummary,
    RuntimeDocument,
)
from reml_lsp.lsp.children import Child
from reml_lsp.lsp.convert import to_lsp_diagnostic
from reml_lsp.lsp.names import NOTIFY_RUNTIME_RESULT
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.uris import path_to_uri
from reml_lsp.workspace import relative_path

log = logging.getLogger("reml_lsp.lsp")
CANCELLED_EXIT = 130
BAD_OUTPUT = "lsp.runtime.bad_output"


@attrs.define
class RunResult:
    """A finished runtime command: the typed document its child printed (or the server's own
    :class:`ErrorDocument` when the child could not run, was stopped or printed garbage)."""

    command: str  # the editor command, e.g. reml.reload
    exit_code: int
    document: RuntimeDocument
    declined: bool = False  # the user answered no after the dry run: nothing was changed

    @property
    def status(self) -> str:
        return "cancelled" if self.declined else self.document.outcome()

    @property
    def audit_id(self) -> str | None:
        return self.document.audit()

    @property
    def error(self) -> ErrorInfo | None:
        return getattr(self.document, "error", None)

    def summary(self) -> dict[str, Any]:
        """The :class:`RuntimeCommandSummary` as JSON, for the client."""
        return converter.unstructure(RuntimeCommandSummary(
            command=self.command, status=self.status, audit_id=self.audit_id,
            exit_code=self.exit_code, error=self.error, result=self.document))


def error_document(name: str, code: str, message: str, exit_code: int, label: str,
                   **details: Any) -> ErrorDocument:
    return ErrorDocument(command=name, status="error",
                         error=ErrorInfo(code=code, message=message, details=details),
                         exit_code=ExitCodeInfo(label, exit_code))


def error_result(name: str, code: str, message: str, exit_code: int, label: str) -> RunResult:
    return RunResult(name, exit_code, error_document(name, code, message, exit_code, label))


class Progress:
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


@attrs.define
class CliArgs:
    """``reml-run`` arguments: subcommand words, ``--opt=value`` options, positionals (after
    ``--``). Values never become options: an option is always one ``--name=value`` word."""

    command: list[str]
    positionals: list[str] = attrs.Factory(list)
    options: list[str] = attrs.Factory(list)

    def opt(self, name: str, value: Any = True) -> CliArgs:
        if value is True:
            self.options.append(name)
        elif value is not None and value is not False and value != "":
            self.options.append(f"{name}={value}")
        return self

    def plus(self, *options: str) -> CliArgs:
        """A copy with more options (``--dry-run`` for the dry run of the same command)."""
        return CliArgs(list(self.command), list(self.positionals), [*self.options, *options])

    def argv(self) -> list[str]:
        # `--` only before positionals: a subcommand without any (`gpu kernels`) refuses it
        separator = ["--"] if self.positionals else []
        return [*self.command, *self.options, "--format=json", *separator, *self.positionals]

    def title(self) -> str:
        return " ".join(["reml-run", *self.command, *self.positionals])[:200]


async def run_cli(ls: RemlServer, name: str, args: CliArgs, progress: Progress) -> RunResult:
    """Run ``reml-run ARGS``; never raises except CancelledError (after ending the child)."""
    settings = ls.settings.runtime
    argv = [*settings.command, *args.argv()]
    cwd = str(ls.roots[0]) if ls.roots else None
    progress.report(args.title())
    starting = asyncio.ensure_future(Child.start(argv, cwd))
    try:
        child = await asyncio.shield(starting)
    except OSError as exc:
        return error_result(name, "lsp.runtime.unavailable", f"cannot run {argv[0]!r}: "
                            f"{exc.strerror or exc}; set reml.runtime.command", 6, "unavailable")
    except asyncio.CancelledError:
        # while spawning: the child may already run (the fork is done, its pipes are not yet
        # connected), so it is ended as a group and reported like any other cancelled child
        started = await Child.settled(starting)
        if started is None:
            report(ls, _cancelled(name))
        else:
            await started.stop()
            report(ls, _outcome(name, args, started, _cancelled(name)))
        raise
    deadline = time.monotonic() + settings.timeout_s
    try:
        while not await child.wait(0.05):
            if progress.cancelled():
                await child.stop()
                return _outcome(name, args, child, error_result(
                    name, "lsp.runtime.cancelled", "cancelled by the user", CANCELLED_EXIT,
                    "cancelled"))
            if time.monotonic() > deadline:
                await child.stop()
                return _outcome(name, args, child, error_result(
                    name, "lsp.runtime.timeout", f"{args.title()} did not finish in "
                    f"{settings.timeout_s:g} s", 7, "timeout"))
    except asyncio.CancelledError:  # $/cancelRequest, or the server shutting down
        await child.stop()
        report(ls, _outcome(name, args, child, _cancelled(name)))
        raise
    return _parsed(name, args, child)


def _cancelled(name: str) -> RunResult:
    return error_result(name, "lsp.runtime.cancelled", "cancelled by the client", CANCELLED_EXIT,
                        "cancelled")


def _outcome(name: str, args: CliArgs, child: Child, stopped: RunResult) -> RunResult:
    """After a stop: what the child reported when it was past its commit point (it finished:
    ``applied``, or its own failure), else ``stopped`` (cancelled or timeout: nothing changed)."""
    if child.committed:
        parsed = _parsed(name, args, child)
        if parsed.error is None or parsed.error.code != BAD_OUTPUT:
            return parsed
    stopped.document.pid = child.pid
    return stopped


def _parsed(name: str, args: CliArgs, child: Child) -> RunResult:
    """The child's stdout as the typed document of its command."""
    code = child.proc.returncode
    words = " ".join(args.command)
    text = bytes(child.stdout).decode("utf-8", "replace").strip()
    try:
        document = read_document(json.loads(text), words)
    except (json.JSONDecodeError, RecursionError):
        tail = bytes(child.stderr).decode("utf-8", "replace").strip().splitlines()[-3:]
        document = error_document(
            name, BAD_OUTPUT, f"reml-run {words} printed no JSON (exit {code}): "
            + (" | ".join(tail) or text[:200] or "no output"), code or 70, "internal")
    except ContractError as exc:
        document = error_document(
            name, BAD_OUTPUT, f"reml-run {words} printed a result that does not match "
            f"the contract (schemas/runtime-results.schema.json): {exc}", code or 70,
            "internal", contract_problems=exc.problems)
    document.pid = child.pid
    return RunResult(name, code if code is not None else 70, document)


def report(ls: RemlServer, result: RunResult) -> dict[str, Any]:
    """Show the status and audit_id, send the full result, return the summary."""
    summary = result.summary()
    status = result.status
    audit = f" (audit_id {result.audit_id})" if result.audit_id else ""
    if result.error:
        kind = lsp.MessageType.Error if status != "cancelled" else lsp.MessageType.Info
        text = f"{result.command}: {status} — {result.error.code}: " \
               f"{result.error.message}{audit}"
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


def publish_config_issues(ls: RemlServer, path: Path | None, issues: list[dict[str, Any]],
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
