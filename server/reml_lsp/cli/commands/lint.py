"""``reml-run lint PATH... [--format json|text] [--locale L] [--fail-on-warning]``."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS
from reml_lsp.analysis.lint_batch import LintJob, LintResult, Reported
from reml_lsp.cli.argtypes import non_negative_int
from reml_lsp.cli.exit_codes import ExitCode, worst
from reml_lsp.cli.lint_domains import add_arguments as add_domain_arguments
from reml_lsp.cli.lint_domains import check_domain, expand_config, lint_config_files
from reml_lsp.cli.lint_jobs import add_arguments as add_job_arguments
from reml_lsp.cli.lint_jobs import run_jobs, v2_text
from reml_lsp.cli.lint_report import CI_FORMATS, paint_for, write_ci_report
from reml_lsp.cli.lint_report import add_arguments as add_report_arguments
from reml_lsp.cli.output import dumps
from reml_lsp.cli.textreport import render, render_table
from reml_lsp.diagnostics.catalog import message, resolve_locale
from reml_lsp.diagnostics.envelope import utc_timestamp
from reml_lsp.diagnostics.model import Diagnostic, Location, Severity, Span
from reml_lsp.workspace import SKIP_DIRS, find_root, relative_path, resolve_in_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint", help="report diagnostics (syntax, names, runtime-bridges rules) "
                                    "of Reml files and folders, or config files (--domain config)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files, or folders walked for *.reml")
    p.add_argument("--format", choices=("auto", "json", "text", "table", *CI_FORMATS),
                   default="auto",
                   help="json (the shared diagnostic model), text (with source lines) or table; "
                        "default auto: text on a terminal, json otherwise; sarif (SARIF 2.1.0), "
                        "github (Actions annotations)")
    add_report_arguments(p)
    p.add_argument("--locale", help="en-US or ja-JP (default: $REML_LOCALE, $LANG, en-US)")
    p.add_argument("--fail-on-warning", action="store_true", help="exit 1 when there are warnings")
    add_domain_arguments(p)
    p.add_argument("--allow-top-level-expr", action="store_true",
                   help="accept expression statements at the top level (spec 1-1 §B.4)")
    add_job_arguments(p)
    p.add_argument("--max-diagnostics", type=non_negative_int, default=DEFAULT_MAX_DIAGNOSTICS,
                   metavar="N", help="report at most N diagnostics per file, then one summary "
                                     f"(default {DEFAULT_MAX_DIAGNOSTICS}; 0: no limit)")
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[tuple[str, Path | None]]:
    """(display path, real path or None when missing) for every input file, in a stable order."""
    out: list[tuple[str, Path | None]] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = []
            for f in p.rglob("*.reml"):
                if f.is_file() and not any(
                        part in SKIP_DIRS for part in f.relative_to(p).parts[:-1]):
                    found.append(f)
            for f in sorted(found):
                out.append((str(Path(given) / f.relative_to(p)), f))
        else:
            out.append((given, p if p.exists() else None))
    return out


def _input_error(display: str, key: str, args: list[str], locale: str, code: str) -> Diagnostic:
    return Diagnostic(code=code, severity=Severity.ERROR, message=message(key, locale, args),
                      message_key=key, locale=locale, domain="cli", span=Span(0, 0),
                      location=Location(display, 1, 1, 1, 1), locale_args=args,
                      recoverability="fatal")


def _emit_metrics(started: float, files: int, diagnostics: list[Reported]) -> None:
    """Seed §6: one ``RuntimeMetrics`` line per lint run (see docs/runtime-bridges.md)."""
    from reml_lsp.runtime.metrics import RuntimeMetrics, emit_metrics

    failed = len({d.file for d in diagnostics if d.severity is Severity.ERROR})
    elapsed = (time.perf_counter() - started) * 1000
    emit_metrics("reml.lint", RuntimeMetrics.for_operation(
        elapsed, operations=max(files, 1), errors=failed,
        audit_id=next((d.audit_id for d in diagnostics if d.audit_id), None),
        custom={"files": files, "diagnostics": len(diagnostics)}))


def _reported(d: Diagnostic) -> list[Reported]:
    return LintResult(d.location.file, [d], {}).reported()


def _print_json(doc: dict[str, Any], printed: list[str]) -> None:
    """``print_json(doc)`` with the diagnostics already printed (``v2_text``: by the workers or
    from the cache): the same text, without encoding tens of thousands of objects here."""
    if not printed:
        text = dumps(doc)
    else:
        mark = f"reml-diagnostics-{uuid.uuid4().hex}"  # random: no input contains it
        doc["diagnostics"] = [mark]
        text = dumps(doc).replace(f'"{mark}"', ",\n    ".join(printed), 1)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    locale, fell_back = resolve_locale(args.locale)
    warnings: list[dict[str, Any]] = []
    if fell_back:
        asked = args.locale or "environment"
        warnings.append({"message_key": "cli.locale.default",
                         "message": message("cli.locale.default", locale, [asked])})
        if args.format == "text":
            sys.stderr.write(warnings[-1]["message"] + "\n")
    diagnostics: list[Reported] = []  # the full Diagnostic only for the formats that need it
    inputs: list[str] = []
    lines: dict[str, LintResult] = {}
    code = ExitCode.SUCCESS
    cwd = Path.cwd()
    started = time.perf_counter()
    domain = check_domain(args)
    files = expand_config(args.paths, SKIP_DIRS) if domain == "config" else expand(args.paths)
    roots: dict[Path, Path] = {}  # resolved folder → its workspace root (one walk per folder)
    folders: dict[Path, Path] = {}  # folder as given → resolved (one resolve per folder)

    def job_of(display: str, path: Path) -> LintJob:
        real = resolve_in_folder(path, folders)
        root = roots.get(real.parent)
        if root is None:
            root = roots[real.parent] = find_root(real, fallback=cwd)
        return LintJob(display, str(path), relative_path(real, root, resolved=True),
                       args.max_diagnostics, root=str(root))

    jobs = [job_of(display, path) for display, path in files if path is not None]
    results = iter(lint_config_files(args, files, locale) if domain == "config"
                   else run_jobs(args, jobs, locale, json_output=args.format == "json"))
    for display, path in files:
        inputs.append(display)
        if path is None:
            diagnostics.extend(_reported(_input_error(display, "cli.input.not_found",
                                                      [display], locale, "cli.input.not_found")))
            code = worst(code, ExitCode.IO)
            continue
        result = next(results)
        if result.error is not None:
            diagnostics.extend(_reported(_input_error(display, "cli.input.unreadable",
                                                      [display, result.error], locale,
                                                      "cli.input.unreadable")))
            code = worst(code, ExitCode.IO)
            continue
        lines[display] = result
        diagnostics.extend(result.reported())
    if args.domain:
        diagnostics = [d for d in diagnostics if d.domain == args.domain]
    _emit_metrics(started, len(inputs), diagnostics)
    has_error = any(d.severity is Severity.ERROR for d in diagnostics)
    has_warning = any(d.severity is Severity.WARNING for d in diagnostics)
    if has_error:
        code = worst(code, ExitCode.FAILURE)
    elif has_warning:
        code = worst(code, ExitCode.FAILURE if args.fail_on_warning else ExitCode.WARNING)
    stamp = utc_timestamp()
    if args.format == "json":
        doc: dict[str, Any] = {
            "command": "lint",
            "status": "ok" if code == ExitCode.SUCCESS else "failed",
            "diagnostics": [],
            "summary": {"inputs": inputs, "diagnostic_count": len(diagnostics)},
            "exit_code": code.as_json(),
        }
        if warnings:
            doc["warnings"] = warnings
        _print_json(doc, [d.text(v2_text, stamp) for d in diagnostics])
        return int(code)
    full = [d.diagnostic for d in diagnostics]
    if args.format in CI_FORMATS:
        write_ci_report(args.format, full, locale=locale, exit_code=int(code))
    elif args.format == "table":
        print(render_table(full))
    else:
        paint = paint_for(args)
        for d in full:
            index = lines.get(d.location.file)
            line_text = index.line_text(d.location.line - 1) if index else None
            print(render(d, line_text, paint))
        errors = sum(d.severity is Severity.ERROR for d in diagnostics)
        sys.stdout.flush()  # the report, then the summary, when both go to one pipe
        print(f"{len(inputs)} file(s), {errors} error(s), "
              f"{len(diagnostics) - errors} other diagnostic(s)", file=sys.stderr)
    return int(code)
