"""Lint many files: cached results first, the rest in a process pool (or in-process for one
job), results in input order. Every result goes through the JSON shape of a diagnostic, so the
output is the same whether it came from this process, a worker or the cache.

Cache key: SHA-256 of the bytes + the tool fingerprint + every option that changes the output
(locale, ``allow_top_level_expr``, the path as shown, the workspace-relative path that enters
the audit_id). audit_ids are computed by ``analyze_bytes`` as always; nothing is re-derived here.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.analysis.analyze import analyze_bytes
from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS
from reml_lsp.cache.fingerprint import tool_fingerprint
from reml_lsp.cache.store import CacheStore
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.diagnostics.serialize import from_json, to_json
from reml_lsp.lifeline import bind_to_owner, release_stdio

KIND = "lint"
Progress = Callable[[int, int], None]


@attrs.frozen
class LintJob:
    display: str  # the path as the user gave it (``location.file``)
    path: str
    rel_path: str
    max_diagnostics: int = DEFAULT_MAX_DIAGNOSTICS  # per-file cap (0: none)


@attrs.define
class LintResult:
    display: str
    diagnostics: list[Diagnostic]  # always rebuilt from the JSON shape (``from_json``)
    lines: dict[int, str]  # 0-based line → its text, for the lines the diagnostics point at
    error: str | None = None  # OSError text when the file could not be read
    cached: bool = False

    def line_text(self, line: int) -> str | None:
        return self.lines.get(line)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


Raw = tuple[list[dict[str, Any]], dict[int, str]]  # (diagnostics as JSON, line texts)


def _analyse(job: LintJob, data: bytes, locale: str, allow_top_level_expr: bool) -> Raw:
    result = analyze_bytes(data, file=job.display, rel_path=job.rel_path, locale=locale,
                           allow_top_level_expr=allow_top_level_expr,
                           max_diagnostics=job.max_diagnostics)
    lines: dict[int, str] = {}
    for d in result.diagnostics:
        line = d.location.line - 1
        if line not in lines and 0 <= line < result.index.line_count:
            lines[line] = result.index.line_text(line)
    return [to_json(d) for d in result.diagnostics], lines


def _work(batch: list[tuple[LintJob, bytes]], locale: str, allow: bool) -> list[Raw]:
    return [_analyse(job, data, locale, allow) for job, data in batch]


def _worker_init(owner: int) -> None:
    bind_to_owner(owner)  # a SIGKILLed reml-run or server leaves no worker behind
    release_stdio()
    try:
        os.nice(2)  # the caller (an editor's server) stays responsive
    except OSError:
        pass


def _preload() -> None:
    analyze_bytes(b"fn main() -> Int { 0 }\n", file="-", rel_path="-")


def _key(data: bytes, job: LintJob, locale: str, allow: bool) -> str:
    h = hashlib.sha256(data)
    h.update(f"\0{tool_fingerprint()}\0{locale}\0{int(allow)}\0{job.display}\0"
             f"{job.rel_path}\0{job.max_diagnostics}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def lint_files(jobs_in: Sequence[LintJob], *, locale: str, allow_top_level_expr: bool = False,
               jobs: int | None = None, cache: CacheStore | None = None,
               progress: Progress | None = None, mp_context: Any = None) -> list[LintResult]:
    """One result per job, in order. ``jobs`` = worker processes (1: this process)."""
    total = len(jobs_in)
    results: list[LintResult | None] = [None] * total
    pending: list[tuple[int, bytes, str]] = []
    done = 0
    for i, job in enumerate(jobs_in):
        try:
            data = Path(job.path).read_bytes()
        except OSError as exc:
            results[i] = LintResult(job.display, [], {}, error=exc.strerror or str(exc))
            done += 1
            continue
        pending.append((i, data, _key(data, job, locale, allow_top_level_expr)))
    if cache is not None and pending:
        hits = cache.get_many(KIND, [key for _, _, key in pending])
        misses = []
        for i, data, key in pending:
            hit = _from_cache(jobs_in[i].display, hits.get(key))
            if hit is None:
                misses.append((i, data, key))
            else:
                results[i] = hit
                done += 1
        pending = misses
    if progress is not None:
        progress(done, total)
    fresh: list[tuple[str, Raw]] = []
    workers = min(jobs or default_jobs(), len(pending))
    if workers <= 1:
        for i, data, key in pending:
            raw = _analyse(jobs_in[i], data, locale, allow_top_level_expr)
            results[i] = _result(jobs_in[i].display, raw)
            fresh.append((key, raw))
            done += 1
            if progress is not None:
                progress(done, total)
    else:
        # Small batches: the pool stays busy to the end and progress moves steadily.
        size = max(1, min(16, len(pending) // (workers * 8)))
        batches = [pending[k:k + size] for k in range(0, len(pending), size)]
        ctx = mp_context or multiprocessing.get_context()
        if ctx.get_start_method() == "fork":
            _preload()  # forked workers inherit the loaded grammar instead of each loading it
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=(os.getpid(),)) as pool:
            futures = [pool.submit(_work, [(jobs_in[i], data) for i, data, _ in batch], locale,
                                   allow_top_level_expr) for batch in batches]
            for batch, future in zip(batches, futures, strict=True):
                for (i, _, key), raw in zip(batch, future.result(), strict=True):
                    results[i] = _result(jobs_in[i].display, raw)
                    fresh.append((key, raw))
                done += len(batch)
                if progress is not None:
                    progress(done, total)
    if cache is not None and fresh:
        cache.put_many(KIND, [(key, {"d": diags, "l": [[k, v] for k, v in lines.items()]})
                              for key, (diags, lines) in fresh])
    return [r for r in results if r is not None]


def _from_cache(display: str, value: Any) -> LintResult | None:
    if not isinstance(value, dict):
        return None
    diags, lines = value.get("d"), value.get("l")
    if not isinstance(diags, list) or not isinstance(lines, list):
        return None
    try:
        line_map = {int(k): str(v) for k, v in lines}
    except (TypeError, ValueError):
        return None
    try:
        return LintResult(display, [from_json(d) for d in diags], line_map, cached=True)
    except Exception:  # a stale or damaged entry is a miss, whatever cattrs raises
        return None


def _result(display: str, raw: Raw) -> LintResult:
    return LintResult(display, [from_json(d) for d in raw[0]], raw[1])
