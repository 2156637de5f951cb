"""initialize / initialized / didChangeConfiguration / shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging

from lsprotocol import types as lsp

from reml_lsp.lsp import gc_session
from reml_lsp.lsp.children import kill_all
from reml_lsp.lsp.indexing import close_indexer, prepare_indexing, start_indexing
from reml_lsp.lsp.server import RemlServer
from reml_lsp.lsp.sync import republish_all, settle_all
from reml_lsp.lsp.trust import vet_audit_database

log = logging.getLogger("reml_lsp.lsp")
_background: set[asyncio.Future[None]] = set()


def apply_gc_profile(server: RemlServer) -> None:
    """The GC profile of ``[run.gc]`` (default `ide`: large trees, fewer young collections),
    with ``gc.stats`` in the audit store (``lsp.gc_session``)."""
    try:
        server.gc_monitor = gc_session.start(server)
    except Exception as exc:
        log.warning("gc profile not applied: %s", exc)
        gc.set_threshold(1000, 15, 15)


def vet_settings(ls: RemlServer) -> None:
    """Paths from settings are checked (and, outside the workspace, asked about) in the
    background, so start-up does not wait on the user (docs/security.md)."""
    task = asyncio.ensure_future(vet_audit_database(ls))
    _background.add(task)
    task.add_done_callback(_background.discard)


def initialize(ls: RemlServer, params: lsp.InitializeParams) -> None:
    ls.on_initialize(params)
    prepare_indexing(ls)  # the index workers load while this process finishes starting
    if ls.warming is not None:
        ls.warming.wait()  # grammar tables loaded before the first didOpen
        ls.warming = None


async def initialized(ls: RemlServer, params: lsp.InitializedParams) -> None:
    apply_gc_profile(ls)
    await ls.fetch_settings()
    vet_settings(ls)
    ls.resolve_locale()
    ls.warn_locale_fallback()
    start_indexing(ls)  # in the background: workers parse, the loop stays free
    log.info("reml-lsp ready: encoding %s, locale %s, %s diagnostics", ls.encoding,
             ls.locale, "pull" if ls.pull_mode else "push")


async def did_change_configuration(ls: RemlServer,
                                   params: lsp.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get("reml"), dict):
        problems = ls.apply_settings(settings["reml"])
        for problem in problems:
            ls.show(f"Reml settings: {problem}", lsp.MessageType.Warning)
    else:
        await ls.fetch_settings()
    vet_settings(ls)
    if ls.resolve_locale():
        ls.warn_locale_fallback()
        await republish_all(ls)
    elif ls.take_cap_change():  # reml.diagnostics.maxPerFile changed
        await republish_all(ls)


def shutdown(ls: RemlServer, params: None) -> None:
    kill_all()  # runtime children in flight: their whole process groups
    close_indexer(ls)  # the indexer's worker processes
    for doc in ls.docs.values():
        if doc.task is not None:
            doc.task.cancel()
    settle_all(ls)  # the findings shown at the end are in the audit store
    ls.close_audit()
    if ls.gc_monitor is not None:
        try:
            ls.gc_monitor.uninstall()
        except Exception:
            pass
        ls.gc_monitor = None


def register(server: RemlServer) -> None:
    server.feature(lsp.INITIALIZE)(initialize)
    server.feature(lsp.INITIALIZED)(initialized)
    server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(lsp.SHUTDOWN)(shutdown)
