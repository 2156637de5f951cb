"""The report formats of ``lint`` beyond json/text/table: ``sarif`` (code scanning) and
``github`` (Actions annotations), and the ``--color`` option of the text output."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from reml_lsp.cli.color import MODES, Paint, painter
from reml_lsp.cli.github import annotations
from reml_lsp.cli.output import print_json
from reml_lsp.cli.sarif import sarif_log
from reml_lsp.diagnostics.model import Diagnostic

CI_FORMATS = ("sarif", "github")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--color", choices=MODES, default="auto",
                   help="colour the text output: auto (a terminal, or FORCE_COLOR), always, "
                        "never; NO_COLOR disables it in every mode")


def paint_for(args: argparse.Namespace, stream: TextIO | None = None) -> Paint:
    return painter(getattr(args, "color", "auto"), stream or sys.stdout)


def write_ci_report(fmt: str, diagnostics: list[Diagnostic], *, locale: str,
                    exit_code: int) -> None:
    """Print the ``sarif`` log or the ``github`` annotations on stdout."""
    if fmt == "sarif":
        print_json(sarif_log(diagnostics, locale=locale, exit_code=exit_code))
    else:
        sys.stdout.write(annotations(diagnostics))
        sys.stdout.flush()
