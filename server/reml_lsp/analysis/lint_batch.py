"""Lint many files: cached results first, the rest in a process pool (or in-process for one
job), results in input order. Every result goes through the JSON shape of a diagnostic, so the
output is the same whether it came from this process, a worker or the cache.

Cache key: SHA-256 of the bytes + the tool fingerprint + every option that changes the output
(locale, ``allow_top_level_expr``, the path as shown, the workspace-relative path that enters
the audit_id) + the digest of what the workspace modules the file imports declare (the
cross-module name check, ``lint_exports``): a change there re-lints the importers only.
audit_ids are computed by ``analyze_bytes`` as always; nothing is re-derived here.

Before any file is linted, the files under the jobs' workspace roots are indexed (cached
index entries, shared with the server, else parsed in the same worker pool), so the
cross-module check sees the workspace the editor sees; when the jobs are a small part of the
workspace, only what their imports ask about (``lint_exports._narrowed``), and with a
``--domain`` other than names, nothing. A linted file whose entry is not cached
is analysed in that same pass, without the workspace, and its entry is built from the same
parse; once every entry is known, the result stands unless its imports could be reported
(``module_members.might_report``), and only such files are analysed again with the workspace:
a cold run parses each file once.

A caller that prints JSON passes ``render`` (diagnostic, timestamp → its printed text): each
diagnostic is then printed once, where it is analysed (in a worker), and the text is cached with
it (a ``PRINTED`` row of raw bytes: JSON would escape every quote), split where the run's
timestamp goes. A warm run reads a few fields per diagnostic and the
printed text; ``Diagnostic`` objects are built from the JSON shape only when someone asks.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.analysis.cap import DEFAULT_MAX_DIAGNOSTICS
from reml_lsp.analysis.file_index import FileIndex
from reml_lsp.analysis.lint_exports import LintWorkspace, build_workspace
from reml_lsp.analysis.module_exports import ExportTable
from reml_lsp.cache.fingerprint import tool_fingerprint
from reml_lsp.cache.store import CacheStore
from reml_lsp.diagnostics.model import Diagnostic, Severity
from reml_lsp.diagnostics.serialize import from_json, to_json
from reml_lsp.lifeline import bind_to_owner, release_stdio

KIND = "lint"
PRINTED = "lint-printed"  # the printed text of a ``KIND`` row (same key), raw bytes
VERSION = 2  # the shape of a cached value (in the key: rows of another shape are never read)
Progress = Callable[[int, int], None]
Render = Callable[[Diagnostic, str], str]  # (diagnostic, timestamp) → its printed JSON text
# Stands for the run's timestamp while rendering; random, so no input can contain it.
_STAMP = f"reml-timestamp-{uuid.uuid4().hex}"


@attrs.frozen
class LintJob:
    display: str  # the path as the user gave it (``location.file``)
    path: str
    rel_path: str
    max_diagnostics: int = DEFAULT_MAX_DIAGNOSTICS  # per-file cap (0: none)
    root: str = ""  # the workspace root (its modules are indexed first); "": none


@attrs.define
class LintResult:
    display: str
    _diagnostics: list[Diagnostic] | None  # None: built from ``raw`` on first use
    lines: dict[int, str]  # 0-based line → its text, for the lines the diagnostics point at
    error: str | None = None  # OSError text when the file could not be read
    cached: bool = False
    raw: list[dict[str, Any]] | None = None  # the diagnostics' JSON shape (``to_json``)
    raw_text: str | None = None  # ``raw`` as JSON text, not parsed yet (a cached result)
    printed: list[list[str]] | None = None  # per diagnostic: its text split at the timestamp
    _reported: list[Reported] | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Always rebuilt from the JSON shape (``from_json``) when it came from a worker or the
        cache, so every source gives the same objects."""
        if self._diagnostics is None:
            if self.raw is None and self.raw_text is not None:
                self.raw = _parse_raw(self.raw_text, len(self.reported()))
                if self.raw is None:
                    raise ValueError(f"damaged lint cache entry for {self.display}")
            self._diagnostics = [from_json(d) for d in self.raw or ()]
        return self._diagnostics

    def reported(self) -> list[Reported]:
        """What a lint run filters, counts and prints, without building the diagnostics."""
        if self._reported is None:
            if self._diagnostics is not None:
                self._reported = [Reported(d.severity, d.domain, d.location.file, d.audit_id,
                                           self, i) for i, d in enumerate(self._diagnostics)]
            else:
                self._reported = [Reported(Severity(d["severity"]), d["domain"],
                                           d["location"]["file"], d.get("audit_id"), self, i)
                                  for i, d in enumerate(self.raw or ())]
        return self._reported

    def line_text(self, line: int) -> str | None:
        return self.lines.get(line)


@attrs.frozen
class Reported:
    """One diagnostic of a run: the fields the command filters and counts on; the full
    ``Diagnostic`` and its printed text on demand."""

    severity: Severity
    domain: str
    file: str
    audit_id: str | None
    source: LintResult = attrs.field(repr=False, eq=False)
    index: int

    @property
    def diagnostic(self) -> Diagnostic:
        return self.source.diagnostics[self.index]

    def text(self, render: Render, stamp: str) -> str:
        """The printed JSON of this diagnostic for the run's ``stamp`` (rendered now unless a
        worker or the cache already has it)."""
        printed = self.source.printed
        pieces = printed[self.index] if printed is not None else _pieces(render,
                                                                         self.diagnostic)
        return json.dumps(stamp).join(pieces)


def _pieces(render: Render, d: Diagnostic) -> list[str]:
    return render(d, _STAMP).split(json.dumps(_STAMP))


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# (diagnostics as JSON, line texts, printed pieces or None)
Raw = tuple[list[dict[str, Any]], dict[int, str], list[list[str]] | None]


def _analysis(job: LintJob, data: bytes, locale: str, allow_top_level_expr: bool,
              modules: ExportTable | None) -> Any:
    from reml_lsp.analysis.analyze import analyze_bytes  # not loaded by a run the cache answers

    return analyze_bytes(data, file=job.display, rel_path=job.rel_path, locale=locale,
                         allow_top_level_expr=allow_top_level_expr,
                         max_diagnostics=job.max_diagnostics, modules=modules)


def _analyse(job: LintJob, data: bytes, locale: str, allow_top_level_expr: bool,
             render: Render | None = None, modules: ExportTable | None = None) -> Raw:
    return _raw(_analysis(job, data, locale, allow_top_level_expr, modules), render)


# An index entry, and for a linted file its result without the workspace and ``file_quals``
Indexed = tuple[FileIndex, "Raw | None", "frozenset[tuple[str, str]] | None"]


def _index_task(batch: list[tuple[LintJob | None, bytes, str]], locale: str, allow: bool,
                render: Render | None) -> list[Indexed]:
    """Index each file; a linted one (``job``) is analysed too, from the same parse."""
    from reml_lsp.analysis.file_index import build_file_index, index_bytes
    from reml_lsp.analysis.module_members import file_quals

    out: list[Indexed] = []
    for job, data, rel in batch:
        if job is None:
            out.append((index_bytes(data, rel), None, None))
            continue
        result = _analysis(job, data, locale, allow, None)
        entries = [(it.tree, 0) for it in result.items if it.tree is not None]
        out.append((build_file_index(result.text, entries, rel, index=result.index),
                    _raw(result, render), file_quals(result.text, entries)))
    return out


def _raw(result: Any, render: Render | None) -> Raw:
    lines: dict[int, str] = {}
    for d in result.diagnostics:
        line = d.location.line - 1
        if line not in lines and 0 <= line < result.index.line_count:
            lines[line] = result.index.line_text(line)
    raw = [to_json(d) for d in result.diagnostics]
    if render is None:
        return raw, lines, None
    # Printed from the JSON shape, as a cached result would be.
    return raw, lines, [_pieces(render, from_json(d)) for d in raw]


def _work(batch: list[tuple[LintJob, bytes, ExportTable | None]], locale: str, allow: bool,
          render: Render | None) -> list[Raw]:
    return [_analyse(job, data, locale, allow, render, mods) for job, data, mods in batch]


def _worker_init(owner: int) -> None:
    bind_to_owner(owner)  # a SIGKILLed reml-run or server leaves no worker behind
    release_stdio()
    try:
        os.nice(2)  # the caller (an editor's server) stays responsive
    except OSError:
        pass


def _preload() -> None:
    from reml_lsp.analysis.analyze import analyze_bytes

    analyze_bytes(b"fn main() -> Int { 0 }\n", file="-", rel_path="-")


def _key(data: bytes, job: LintJob, locale: str, allow: bool,
         modules: ExportTable | None = None) -> str:
    deps = modules.digest() if modules is not None else "-"
    h = hashlib.sha256(data)
    h.update(f"\0{tool_fingerprint()}\0{VERSION}\0{locale}\0{int(allow)}\0{job.display}\0"
             f"{job.rel_path}\0{job.max_diagnostics}\0{deps}".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _settled(path: Path, early: dict[Path, tuple[Raw, frozenset[tuple[str, str]]]],
             workspace: LintWorkspace, modules: ExportTable | None) -> Raw | None:
    """The result the indexing pass made for the file at ``path`` (resolved) without the
    workspace, when the workspace cannot add to it; None: analyse it with the workspace."""
    from reml_lsp.analysis.module_members import might_report  # a cold run only

    hit = early.get(path)
    if hit is None:
        return None
    raw, quals = hit
    entry = workspace.entries.get(path)
    if modules is None or entry is None:
        return raw
    imports = [(imp.name, imp.path) for imp in entry.imports]
    return None if might_report(imports, quals, entry.module, modules) else raw


class _Pool:
    """The run's worker processes, started on first use and shared by the indexing and the
    linting (one start-up); ``size`` 1: everything in this process."""

    def __init__(self, size: int, mp_context: Any) -> None:
        self.size = size
        self.ctx = mp_context or multiprocessing.get_context()
        self.pool: ProcessPoolExecutor | None = None

    def get(self, want: int) -> ProcessPoolExecutor:
        """The pool (started now with at most ``want`` workers if it is not running)."""
        if self.pool is None:
            if self.ctx.get_start_method() == "fork":
                _preload()  # forked workers inherit the loaded grammar instead of each loading it
            self.pool = ProcessPoolExecutor(min(self.size, want), mp_context=self.ctx,
                                            initializer=_worker_init, initargs=(os.getpid(),))
        return self.pool

    def index_many(self, tasks: list[tuple[LintJob | None, bytes, str]], locale: str,
                   allow: bool, render: Render | None,
                   progress: Progress | None = None) -> list[Indexed]:
        """The entries of ``tasks`` (the linted files analysed too); ``progress`` sees the
        files indexed so far (the bar moves during a cold run's indexing pass)."""
        size = max(1, min(16, len(tasks) // (self.size * 8)))
        if self.size <= 1 or len(tasks) <= 1:
            out: list[Indexed] = []
            for k in range(0, len(tasks), size):
                out.extend(_index_task(tasks[k:k + size], locale, allow, render))
                if progress is not None:
                    progress(len(out), len(tasks))
            return out
        pool = self.get(len(tasks))
        futures = [pool.submit(_index_task, tasks[k:k + size], locale, allow, render)
                   for k in range(0, len(tasks), size)]
        out = []
        for f in futures:
            out.extend(f.result())
            if progress is not None:
                progress(len(out), len(tasks))
        return out

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            self.pool = None


def lint_files(jobs_in: Sequence[LintJob], *, locale: str, allow_top_level_expr: bool = False,
               jobs: int | None = None, cache: CacheStore | None = None,
               progress: Progress | None = None, mp_context: Any = None,
               render: Render | None = None,
               workspace: LintWorkspace | None = None,
               modules: bool = True) -> list[LintResult]:
    """One result per job, in order. ``jobs`` = worker processes (1: this process).
    ``render`` must be a module-level function (workers receive it by name). ``workspace``:
    the modules imports are judged against (default: the files under the jobs' roots);
    ``modules=False``: none (imports are not judged: a run that reports no names finding)."""
    pool = _Pool(jobs or default_jobs(), mp_context)
    early: dict[Path, tuple[Raw, frozenset[tuple[str, str]]]] = {}
    try:
        roots = {Path(job.root) for job in jobs_in if job.root}
        if workspace is None and roots and modules:
            linted = {Path(job.path).resolve(): job for job in jobs_in}

            def index_many(files: list[tuple[Path, bytes, str]]) -> list[FileIndex]:
                tasks = []
                for path, data, rel in files:
                    job = linted.get(path)
                    tasks.append((job if job is not None and job.rel_path == rel else None,
                                  data, rel))
                done = pool.index_many(tasks, locale, allow_top_level_expr, render,
                                       progress)
                for (path, _, _), (_, raw, quals) in zip(files, done, strict=True):
                    if raw is not None and quals is not None:
                        early[path] = (raw, quals)
                return [entry for entry, _, _ in done]

            workspace = build_workspace(roots, cache, index_many, linted)
        return _lint(jobs_in, locale, allow_top_level_expr, pool, cache, progress, render,
                     workspace, early)
    finally:
        pool.close()


def _lint(jobs_in: Sequence[LintJob], locale: str, allow_top_level_expr: bool, pool: _Pool,
          cache: CacheStore | None, progress: Progress | None, render: Render | None,
          workspace: LintWorkspace | None,
          early: dict[Path, tuple[Raw, frozenset[tuple[str, str]]]]) -> list[LintResult]:
    render_id = f"{render.__module__}.{render.__qualname__}" if render is not None else None
    total = len(jobs_in)
    results: list[LintResult | None] = [None] * total
    mods: dict[int, ExportTable | None] = {}
    reals: dict[int, Path] = {}  # resolved job paths (with a workspace)
    pending: list[tuple[int, bytes, str]] = []
    done = 0
    for i, job in enumerate(jobs_in):
        try:
            data = Path(job.path).read_bytes()
        except OSError as exc:
            results[i] = LintResult(job.display, [], {}, error=exc.strerror or str(exc))
            done += 1
            continue
        if workspace is not None:
            reals[i] = Path(job.path).resolve()
            mods[i] = workspace.for_file(reals[i], resolved=True)
        else:
            mods[i] = None
        pending.append((i, data, _key(data, job, locale, allow_top_level_expr, mods[i])))
    if cache is not None and pending:
        keys = [key for _, _, key in pending]
        hits = cache.get_many(KIND, keys)
        texts = cache.get_many(PRINTED, keys) if render is not None else {}
        misses = []
        for i, data, key in pending:
            hit = _from_cache(jobs_in[i].display, hits.get(key), render_id, texts.get(key))
            if hit is None:
                misses.append((i, data, key))
            else:
                results[i] = hit
                done += 1
        pending = misses
    fresh: list[tuple[str, Raw]] = []
    if early and workspace is not None:
        left = []
        for i, data, key in pending:
            raw = _settled(reals[i], early, workspace, mods[i])
            if raw is None:
                left.append((i, data, key))
                continue
            results[i] = _result(jobs_in[i].display, raw)
            fresh.append((key, raw))
            done += 1
        pending = left
    if progress is not None:
        progress(done, total)
    workers = min(pool.size, len(pending))
    if workers <= 1:
        for i, data, key in pending:
            raw = _analyse(jobs_in[i], data, locale, allow_top_level_expr, render, mods[i])
            results[i] = _result(jobs_in[i].display, raw)
            fresh.append((key, raw))
            done += 1
            if progress is not None:
                progress(done, total)
    else:
        # Small batches: the pool stays busy to the end and progress moves steadily.
        size = max(1, min(16, len(pending) // (workers * 8)))
        batches = [pending[k:k + size] for k in range(0, len(pending), size)]
        executor = pool.get(workers)
        futures = [executor.submit(_work, [(jobs_in[i], data, mods[i]) for i, data, _ in batch],
                                   locale, allow_top_level_expr, render) for batch in batches]
        for batch, future in zip(batches, futures, strict=True):
            for (i, _, key), raw in zip(batch, future.result(), strict=True):
                results[i] = _result(jobs_in[i].display, raw)
                fresh.append((key, raw))
            done += len(batch)
            if progress is not None:
                progress(done, total)
    if cache is not None and fresh:
        cache.put_many(KIND, [(key, _cache_value(raw, render_id)) for key, raw in fresh])
        cache.put_many(PRINTED, [(key, _printed_bytes(raw[2])) for key, raw in fresh
                                 if raw[2] is not None])
    return [r for r in results if r is not None]


# Printed JSON never holds a control character (JSON escapes them): they separate the pieces.
_DIAG_SEP, _PIECE_SEP = "\x00", "\x01"


def _printed_bytes(printed: list[list[str]]) -> bytes:
    return _DIAG_SEP.join(_PIECE_SEP.join(p) for p in printed).encode("utf-8",
                                                                        "surrogatepass")


def _printed_of(blob: Any, count: int) -> list[list[str]] | None:
    if not isinstance(blob, bytes):
        return None
    if count == 0:
        return [] if not blob else None
    try:
        printed = [p.split(_PIECE_SEP) for p in
                   blob.decode("utf-8", "surrogatepass").split(_DIAG_SEP)]
    except UnicodeDecodeError:
        return None
    return printed if len(printed) == count else None


def _cache_value(raw: Raw, render_id: str | None) -> dict[str, Any]:
    """The row of one result. The diagnostics are kept as JSON text (parsed only when a run
    needs the objects); ``s`` has what every run reads of them."""
    diags, lines, printed = raw
    value: dict[str, Any] = {
        "s": [[d["severity"], d["domain"], d["location"]["file"], d.get("audit_id")]
              for d in diags],
        "d": json.dumps(diags, ensure_ascii=False, separators=(",", ":")),
        "l": [[k, v] for k, v in lines.items()]}
    if printed is not None:
        value["r"] = render_id  # the text is a PRINTED row
    return value


def _from_cache(display: str, value: Any, render_id: str | None,
                printed_blob: Any = None) -> LintResult | None:
    """The cached result, or None (a miss) for a row that is damaged, of another shape, or
    printed by another ``render`` than the one asked for."""
    if not isinstance(value, dict):
        return None
    summary, diags, lines = value.get("s"), value.get("d"), value.get("l")
    if not isinstance(summary, list) or not isinstance(diags, str) or not isinstance(lines, list):
        return None
    printed = None
    if render_id is not None:
        printed = _printed_of(printed_blob, len(summary))
        if value.get("r") != render_id or printed is None:
            return None
    try:
        line_map = {int(k): str(v) for k, v in lines}
        result = LintResult(display, None, line_map, cached=True, printed=printed)
        result._reported = [Reported(Severity(sev), str(domain), str(file), audit_id, result, i)
                            for i, (sev, domain, file, audit_id) in enumerate(summary)]
    except (TypeError, ValueError):
        return None
    if render_id is not None:  # printing JSON: the objects are not needed, parse on demand
        result.raw_text = diags
        return result
    result.raw = _parse_raw(diags, len(summary))
    if result.raw is None:
        return None
    try:
        result.diagnostics  # noqa: B018 - built here, so a damaged row is a miss
    except Exception:  # whatever cattrs raises for a stale or damaged entry
        return None
    return result


def _parse_raw(text: str, count: int) -> list[dict[str, Any]] | None:
    try:
        diags = json.loads(text)
    except ValueError:
        return None
    if not isinstance(diags, list) or len(diags) != count:
        return None
    return diags


def _result(display: str, raw: Raw) -> LintResult:
    return LintResult(display, None, raw[1], raw=raw[0], printed=raw[2])
