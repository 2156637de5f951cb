"""The job and cache side of `reml-run lint`: ``--jobs N`` and ``--no-cache`` options and the
call into ``analysis.lint_batch`` with a progress bar (kept out of the command module)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from reml_lsp.analysis.lint_batch import LintJob, LintResult, default_jobs, lint_files
from reml_lsp.cache.store import CacheStore
from reml_lsp.cli.argtypes import positive_int
from reml_lsp.cli.output import dumps
from reml_lsp.cli.progress import BatchProgress
from reml_lsp.diagnostics.envelope import to_v2
from reml_lsp.diagnostics.model import Diagnostic


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--jobs", "-j", type=positive_int, default=None, metavar="N",
                   help=f"worker processes (default: all cores, here {default_jobs()}; "
                        "1 = in this process)")
    p.add_argument("--no-cache", action="store_true",
                   help="neither read nor write the lint cache (see `reml-run cache dir`)")


def v2_text(d: Diagnostic, stamp: str) -> str:
    """One diagnostic as `lint --format json` prints it, an element of the indented
    "diagnostics" array (``print_json`` of the whole document gives the same text)."""
    return dumps(to_v2(d, timestamp=stamp)).replace("\n", "\n    ")


def run_jobs(args: argparse.Namespace, jobs: Sequence[LintJob], locale: str, *,
             json_output: bool = False) -> list[LintResult]:
    """``json_output``: the diagnostics are printed as JSON (in the workers, and cached)."""
    cache = None if getattr(args, "no_cache", False) else CacheStore()
    try:
        with BatchProgress("linting") as progress:
            return lint_files(jobs, locale=locale,
                              allow_top_level_expr=getattr(args, "allow_top_level_expr", False),
                              jobs=getattr(args, "jobs", None), cache=cache, progress=progress,
                              render=v2_text if json_output else None,
                              # other domains do not need the workspace's modules indexed
                              modules=getattr(args, "domain", None) in (None, "names"))
    finally:
        if cache is not None:
            cache.close()
