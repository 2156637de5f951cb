"""The background workspace indexer: lists the workspace's `*.reml` files, takes what the
persistent cache has for their content, parses the rest in worker processes (the results come
back as compact index entries, never trees) and reports `$/progress`. The event loop only
applies results, so edits and per-file requests are answered while it runs.

Workspace-wide requests ``await ready()`` (cancellable: the client's `$/cancelRequest` cancels
the waiting request, never the shared indexing). After the first build, a request that finds
the last stamp check older than ``RESCAN_S`` starts a re-check in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import uuid
from collections.abc import Awaitable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcContentModified

from reml_lsp.analysis.file_index import FileIndex
from reml_lsp.analysis.lint_batch import default_jobs
from reml_lsp.analysis.lint_exports import index_key
from reml_lsp.analysis.modules import WorkspaceIndex
from reml_lsp.cache.store import CacheStore
from reml_lsp.lsp.index_tasks import index_batch, worker_init
from reml_lsp.lsp.uris import path_to_uri
from reml_lsp.lsp.workspace_files import host_of
from reml_lsp.workspace import reml_files

log = logging.getLogger("reml_lsp.lsp")
T = TypeVar("T")

KIND = "index"
# Up to this many bytes to parse, a thread of this process does it: starting worker processes
# costs about a second; more than this in a thread would hold the GIL long enough to slow edits.
IN_PROCESS_BYTES = 64 * 1024
BATCH = 8
FLUSH = 128  # cache rows written per transaction while indexing
PROBE = 8  # files looked up first: a miss among them starts the workers' fork server early
RESCAN_S = 2.0  # a workspace request re-checks file stamps when the last check is older

Stamp = tuple[int, int]


class Indexer:
    def __init__(self, ls) -> None:
        self.ls = ls
        self.stamps: dict[str, Stamp] = {}  # uri → stamp of the indexed disk version
        self.task: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._lock = asyncio.Lock()
        self.cache = CacheStore()
        self.last: dict[str, Any] = {}  # figures of the last scan (files, hits, parsed, seconds)
        self._scanned_at = 0.0
        self._rescan: asyncio.Task | None = None
        self._uris: dict[Path, str] = {}
        self._pool: ProcessPoolExecutor | None = None

    def close(self) -> None:
        """`shutdown`/`exit`: stop indexing and end the worker processes now (not after their
        batch), so nothing of the server outlives the session."""
        for task in (self.task, self._rescan):
            if task is not None and not task.done():
                with contextlib.suppress(RuntimeError):  # after the session: the loop is closed
                    task.cancel()
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool)

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set()

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.ensure_future(self._initial())

    async def ready(self) -> None:
        """Wait for the first build. Files changed on disk since the last check are re-indexed
        in the background (the request answers from the index as it is; open documents are
        always current), so a warm request never waits for a walk of the whole workspace."""
        self.start()
        await self._ready.wait()
        loop = asyncio.get_running_loop()
        if loop.time() - self._scanned_at > RESCAN_S and (
                self._rescan is None or self._rescan.done()):
            self._rescan = asyncio.ensure_future(self._background_scan())

    def refresh_soon(self) -> None:
        """Read what changed on disk again, in the background, after the scan under way (a
        closed document whose saved text differs from the editor's: its entry was dropped)."""
        if self.task is None:
            return  # the first build has not started: it will read every file
        previous = self._rescan

        async def after() -> None:
            if previous is not None and not previous.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await previous
            await self._background_scan()

        self._rescan = asyncio.ensure_future(after())

    async def _background_scan(self) -> None:
        try:
            await self.scan(progress=False)
        except Exception:
            log.exception("workspace re-index failed")

    async def _initial(self) -> None:
        try:
            await self.scan(progress=True)
        except Exception:
            log.exception("workspace indexing failed")
        finally:
            self._ready.set()

    # -- one scan --------------------------------------------------------------------------
    async def scan(self, *, progress: bool) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            started = loop.time()
            token = await self._begin() if progress else None
            try:
                listing = await loop.run_in_executor(None, self._list)
                present = {uri for uri, *_ in listing}
                for uri in [u for u in self.ls.workspace_index.files if u not in present]:
                    if self.ls.doc(uri) is None:
                        self._host().remove_file(uri)
                        self.stamps.pop(uri, None)
                stale = [f for f in listing if self.stamps.get(f[0]) != f[2]
                         or f[0] not in self.ls.workspace_index.files]
                await loop.run_in_executor(None, self._warm_workers, stale)
                hits, misses = await loop.run_in_executor(None, self._lookup, stale)
                for uri, stamp, entry in hits:
                    self._apply(uri, stamp, entry)
                done = len(listing) - len(misses)
                self._report(token, done, len(listing))
                fresh = await self._parse(misses, token, done, len(listing))
                if fresh:
                    await loop.run_in_executor(None, self.cache.put_encoded, KIND, fresh)
                self.last = {"files": len(listing), "cached": len(hits), "parsed": len(misses),
                             "seconds": round(loop.time() - started, 3)}
                self._scanned_at = loop.time()
                if progress:
                    log.info("workspace index: %s", self.last)
            finally:
                if token is not None:
                    self._end(token)

    def _warm_workers(self, stale: list[tuple[str, Path, Stamp]]) -> None:
        """Start the workers' fork server (its imports and parser tables: ~0.4 CPU-s) when the
        ``stale`` files will likely need workers: more than ``IN_PROCESS_BYTES``, and the first
        few miss the cache. It then loads while this process reads and hashes the files."""
        if sum(f[2][1] for f in stale) > IN_PROCESS_BYTES:
            _, probe = self._lookup(stale[:PROBE])
            if probe:
                _start_fork_server()

    def prepare(self) -> None:
        """At `initialize`: the same decision, in a thread, so that the fork server loads while
        this process still starts up (its imports and tables leave the other cores idle) rather
        than after `initialized`. It looks at no more files than the decision needs: while the
        start-up holds the GIL, each system call of this thread waits for it (up to 5 ms)."""
        def run() -> None:
            try:
                head: list[tuple[str, Path, Stamp]] = []
                size = 0
                for found in self._listing():
                    head.append(found)
                    size += found[2][1]
                    if size > IN_PROCESS_BYTES and len(head) >= PROBE:
                        break
                if size > IN_PROCESS_BYTES and not self.cache.path.exists():
                    _start_fork_server()  # nothing is cached yet: no probe needed
                else:
                    self._warm_workers(head)
            except Exception:  # the scan decides again
                log.debug("index pre-start failed", exc_info=True)

        threading.Thread(target=run, name="reml-index-prepare", daemon=True).start()

    def _host(self):
        return host_of(self.ls)

    def _apply(self, uri: str, stamp: Stamp, entry: FileIndex) -> None:
        self.stamps[uri] = stamp
        self._host().set_file(uri, entry)

    def _list(self) -> list[tuple[str, Path, Stamp]]:
        return list(self._listing())

    def _listing(self) -> Iterator[tuple[str, Path, Stamp]]:
        for path in reml_files(self.ls.roots):
            try:
                st = path.stat()
            except OSError:
                continue
            uri = self._uris.get(path)
            if uri is None:
                uri = self._uris[path] = path_to_uri(path)
            yield uri, path, (st.st_mtime_ns, st.st_size)

    def _lookup(self, files: list[tuple[str, Path, Stamp]]):
        """(hits, misses): hits are ready entries; misses carry the bytes to parse."""
        from reml_lsp.workspace import relative_path

        keyed = []
        folders: dict[Path, str] = {}  # folder → its relative path (one root look-up each)
        for uri, path, stamp in files:
            if path.is_symlink():
                rel = relative_path(path, self.ls.root_for(path))
            else:  # the file's real path is its folder's plus its name
                folder = folders.get(path.parent)
                if folder is None:
                    folder = folders[path.parent] = relative_path(path.parent,
                                                                  self.ls.root_for(path))
                rel = path.name if folder == "." else f"{folder}/{path.name}"
            try:
                data = path.read_bytes()
            except OSError as exc:
                log.warning("cannot read %s: %s", path, exc)
                continue
            keyed.append((uri, rel, stamp, data, index_key(data, rel)))
        found = self.cache.get_many(KIND, [k for *_, k in keyed])
        hits, misses = [], []
        for uri, rel, stamp, data, key in keyed:
            entry = FileIndex.from_json(found[key]) if key in found else None
            if entry is not None and entry.rel_path == rel:
                hits.append((uri, stamp, entry))
            else:
                misses.append((uri, rel, stamp, data, key))
        return hits, misses

    async def _parse(self, misses, token, done: int, total: int) -> list[tuple[str, bytes]]:
        if not misses:
            return []
        loop = asyncio.get_running_loop()
        fresh: list[tuple[str, bytes]] = []
        writes: list[asyncio.Future] = []
        batches = [misses[i:i + BATCH] for i in range(0, len(misses), BATCH)]

        def take(batch, results) -> None:
            nonlocal done
            for (uri, _rel, stamp, _data, key), result in zip(batch, results, strict=True):
                if result is not None:
                    entry, blob = result
                    self._apply(uri, stamp, entry)
                    fresh.append((key, blob))
            done += len(batch)
            self._report(token, done, total)
            if len(fresh) >= FLUSH:  # written as we go: the rows are not all held at once
                writes.append(loop.run_in_executor(None, self.cache.put_encoded, KIND,
                                                   fresh[:]))
                fresh.clear()

        if sum(len(m[3]) for m in misses) <= IN_PROCESS_BYTES:
            for batch in batches:
                entries = await loop.run_in_executor(
                    None, index_batch, [(data, rel) for _, rel, _, data, _ in batch])
                take(batch, entries)
            await asyncio.gather(*writes)
            return fresh
        workers = max(1, min(default_jobs(), len(batches)))
        ctx = _context()
        pool = self._pool = ProcessPoolExecutor(workers, mp_context=ctx,
                                                initializer=worker_init, initargs=(os.getpid(),))

        def submit_all() -> list:
            # Starting the fork server and the workers waits for them: not on the loop.
            return [pool.submit(index_batch, [(data, rel) for _, rel, _, data, _ in batch])
                    for batch in batches]

        try:
            futures = [asyncio.wrap_future(f)
                       for f in await loop.run_in_executor(None, submit_all)]
            for batch, future in zip(batches, futures, strict=True):
                take(batch, await future)
        finally:
            # Workers are not kept: their memory goes back once the index is built.
            self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
        await asyncio.gather(*writes)
        return fresh

    # -- $/progress ------------------------------------------------------------------------
    async def _begin(self) -> str | None:
        if not self.ls.work_done:
            return None
        token = f"reml-index-{uuid.uuid4()}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception:
            return None
        self.ls.work_done_progress.begin(token, lsp.WorkDoneProgressBegin(
            title="Reml: indexing the workspace", percentage=0, cancellable=False))
        self._reported = -1
        return token

    def _report(self, token: str | None, done: int, total: int) -> None:
        if token is None or total == 0:
            return
        pct = int(100 * done / total)
        if pct == self._reported:
            return
        self._reported = pct
        self.ls.work_done_progress.report(token, lsp.WorkDoneProgressReport(
            message=f"{done}/{total} files", percentage=pct))

    def _end(self, token: str) -> None:
        msg = (f"{self.last.get('files', 0)} file(s), {self.last.get('cached', 0)} from the cache"
               if self.last else "stopped")
        self.ls.work_done_progress.end(token, lsp.WorkDoneProgressEnd(message=msg))


def _context():
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["reml_lsp.lsp.index_worker"])  # parser tables loaded once
    return ctx


def _start_fork_server() -> None:
    """Start the workers' fork server ahead of the first batch (no-op when it runs)."""
    _context()
    try:
        from multiprocessing import forkserver
        forkserver.ensure_running()
    except Exception:  # the pool starts it (or reports why not) when it is created
        log.debug("fork server pre-start failed", exc_info=True)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and kill the workers (``shutdown`` alone waits for running batches;
    the executor has no public handle on its processes before Python 3.14)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()


def close_indexer(ls) -> None:
    indexer = getattr(ls, "_indexer", None)
    if indexer is not None:
        indexer.close()


def indexer_of(ls) -> Indexer:
    indexer = getattr(ls, "_indexer", None)
    if indexer is None:
        indexer = Indexer(ls)
        ls._indexer = indexer
    return indexer


def prepare_indexing(ls) -> None:
    """At `initialize` (the workspace folders are known): get the index workers ready while
    the server starts up, when the workspace will likely need them."""
    if ls.roots:
        indexer_of(ls).prepare()


def start_indexing(ls) -> None:
    """Start the background build (after `initialized`; also on the first workspace query)."""
    if ls.roots:
        refresh_index(ls)


async def workspace_ready(ls):
    """The index, complete and up to date, for a workspace-wide request (cancellable)."""
    refresh_index(ls)
    await indexer_of(ls).ready()
    refresh_index(ls)
    return host_of(ls)


async def workspace_soon(ls, timeout: float = 2.0) -> bool:
    """Wait a moment for the index (per-file requests that may look across files: definition,
    hover, completion); True when it is complete, False when they answer from what is there."""
    refresh_index(ls)
    indexer = indexer_of(ls)
    if indexer.is_ready:
        await indexer.ready()
        return True
    try:
        await asyncio.wait_for(asyncio.shield(indexer.ready()), timeout)
    except TimeoutError:
        return False
    return True


def refresh_index(ls) -> None:
    """Pin the open documents as they are in the editor and make sure the background indexer
    runs; never parses the workspace on the caller's thread."""
    host = host_of(ls)
    for doc in ls.docs.values():
        host.open(doc.module())
    for key in [k for k in host.index.pinned if k not in ls.docs]:
        host.index.unpin(key)
    indexer_of(ls).start()


def current_workspace(ls) -> WorkspaceIndex:
    """The workspace index with the open documents as they are in the editor (whatever the
    background indexer has read so far)."""
    refresh_index(ls)
    return ls.workspace_index


async def unchanged_after(ls, doc, wait: Awaitable[T]) -> T:
    """Await ``wait`` (the index), then answer ContentModified if ``doc``'s text changed or it
    closed in the meantime: the client asks again for the new version. (Its imports answering
    anew while the index builds is no change of the text the request's positions refer to.)"""
    edits = doc.text_edits
    result = await wait
    if ls.doc(doc.uri) is not doc or doc.text_edits != edits:
        raise JsonRpcContentModified("the document changed while the index was read")
    return result
