"""The Reml language server: a thin pygls 2 adapter over ``reml_lsp.analysis``.

State lives here (open documents, settings, locale, position encoding, workspace roots, audit
log); each feature module registers its handlers with ``register(server)`` (``lsp.serve``
assembles them), and imports this module, never the reverse.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from reml_lsp import __version__
from reml_lsp.analysis.host import AnalysisHost
from reml_lsp.analysis.modules import WorkspaceIndex
from reml_lsp.audit.store import default_store_path
from reml_lsp.diagnostics.catalog import resolve_locale
from reml_lsp.lifeline import alive
from reml_lsp.lsp.audit_log import AuditLog
from reml_lsp.lsp.debounce import Debounce
from reml_lsp.lsp.names import CONFIG_SECTION, SERVER_NAME
from reml_lsp.lsp.open_doc import OpenDoc
from reml_lsp.lsp.protocol import RemlProtocol
from reml_lsp.lsp.settings import Settings, load_settings
from reml_lsp.lsp.uris import uri_to_path
from reml_lsp.lsp.workspace_files import ModuleLoader
from reml_lsp.workspace import find_root, relative_path

log = logging.getLogger("reml_lsp.lsp")


class RemlServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SERVER_NAME, __version__, protocol_cls=RemlProtocol,
                         text_document_sync_kind=lsp.TextDocumentSyncKind.Incremental)
        self.docs: dict[str, OpenDoc] = {}
        self.settings = Settings()
        self.init_locale: str | None = None  # from initialize
        self.locale = "en-US"
        self.locale_warned = False
        self.encoding = "utf-16"
        self.roots: list[Path] = []
        self.pull_mode = False
        self.refresh_support = False
        self.snippets = False
        self.related_info = True
        self.version_support = True
        self.work_done = False
        self.show_message_actions = False
        self.apply_edit = False
        self.document_changes = False
        self.workspace_index = WorkspaceIndex()
        # owns the documents' text, versions and analysis, and the workspace index
        self.host = AnalysisHost(ModuleLoader(self), index=self.workspace_index)
        self._workspace_scanned = False
        self._disk_cache: dict[str, tuple[float, int]] = {}
        self._audit: AuditLog | None = None
        self.audit_db_path: Path | None = None  # reml.audit.database once vetted (lsp.trust)
        self.allowed_paths: set[Path] = set()  # paths outside the workspace the user allowed
        # questions about a path still waiting for the user's answer (lsp.trust: asked once)
        self.pending_questions: dict[Path, asyncio.Future[bool]] = {}
        self.modules_refresh: Debounce | None = None  # lsp.sync: importers re-checked when quiet
        self.gc_monitor: Any = None
        self.running: dict[str, Any] = {}  # runtime command runs in flight, by token
        self.warming: Any = None  # the start-up warm-up (create_server), joined in initialize
        self.exit_code = 0  # set by start_io when the client ends the session

    # -- transport ---------------------------------------------------------------------------
    def start_io(self, stdin: Any = None, stdout: Any = None) -> None:
        """stdio with frame recovery (``lsp.jsonrpc_io``); ``exit_code`` is then the process's
        exit status (1 for ``exit`` without ``shutdown``)."""
        import sys

        from reml_lsp.lsp.jsonrpc_io import serve_stdio

        self.exit_code = serve_stdio(self, stdin or sys.stdin.buffer,
                                     stdout or sys.stdout.buffer)
        self.close_audit()

    # -- errors ------------------------------------------------------------------------------
    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log, never crash, never show a traceback; a non-JSON body is answered (-32700)."""
        cause = error.__cause__ or error.__context__
        if isinstance(error, json.JSONDecodeError) or isinstance(cause, json.JSONDecodeError):
            try:
                self.protocol.send_parse_error(str(error))  # type: ignore[attr-defined]
            except Exception:
                pass
        log.warning("%s: %s", getattr(source, "__name__", source), error)

    def log_to_client(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        try:
            self.window_log_message(lsp.LogMessageParams(type=kind, message=message))
        except Exception:
            pass

    def show(self, message: str, kind: lsp.MessageType = lsp.MessageType.Info) -> None:
        self.window_show_message(lsp.ShowMessageParams(type=kind, message=message))

    # -- initialisation ----------------------------------------------------------------------
    def on_initialize(self, params: lsp.InitializeParams) -> None:
        caps = params.capabilities
        self.encoding = _encoding_name(self.protocol.workspace.position_encoding)
        td = caps.text_document
        self.pull_mode = bool(td and td.diagnostic is not None)
        ws = caps.workspace
        self.refresh_support = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
        comp = td.completion if td else None
        self.snippets = bool(comp and comp.completion_item and
                             comp.completion_item.snippet_support)
        pub = td.publish_diagnostics if td else None
        self.related_info = bool(pub and pub.related_information)
        self.version_support = bool(pub and pub.version_support)
        window = caps.window
        self.work_done = bool(window and window.work_done_progress)
        self.show_message_actions = bool(window and window.show_message)
        self.apply_edit = bool(ws and ws.apply_edit)
        self.document_changes = bool(ws and ws.workspace_edit and
                                     ws.workspace_edit.document_changes)
        opts = params.initialization_options if isinstance(params.initialization_options,
                                                           dict) else {}
        i18n = opts.get("i18n") if isinstance(opts.get("i18n"), dict) else {}
        self.init_locale = (i18n or {}).get("locale") or params.locale
        self.roots = []
        for folder in params.workspace_folders or []:
            path = uri_to_path(folder.uri)
            if path is not None:
                self.roots.append(path)
        if not self.roots and params.root_uri:
            path = uri_to_path(params.root_uri)
            if path is not None:
                self.roots.append(path)
        if not self.roots and params.root_path:
            self.roots.append(Path(params.root_path))
        settings_raw = opts.get("settings") if isinstance(opts.get("settings"), dict) else None
        if settings_raw is not None:
            self.apply_settings(settings_raw)
        self.resolve_locale(notify=False)
        if params.process_id:
            watch_parent(params.process_id)

    def resolve_locale(self, *, notify: bool = True) -> bool:
        """Settings → initialize → $REML_LOCALE → $LANG → en-US; True when it changed."""
        explicit = self.settings.locale or self.init_locale
        locale, fell_back = resolve_locale(explicit)
        changed = locale != self.locale
        self.locale = locale
        if fell_back and not self.locale_warned:
            self.locale_warned = True
            self._fallback_message = (f"Reml: locale {explicit or os.environ.get('LANG')!r} is "
                                      "not supported; using en-US")
        return changed

    def warn_locale_fallback(self) -> None:
        message = getattr(self, "_fallback_message", None)
        if message:
            self._fallback_message = None
            self.show(message, lsp.MessageType.Warning)

    def apply_settings(self, raw: Any) -> list[str]:
        settings, problems = load_settings(raw)
        self.settings = settings
        for doc in list(self.docs.values()):
            self._apply_cap(doc)
        for problem in problems:
            log.warning("settings: %s", problem)
        return problems

    async def fetch_settings(self) -> None:
        caps = self.client_capabilities.workspace
        if not (caps and caps.configuration):
            return
        scope = from_fs_path(str(self.roots[0])) if self.roots else None
        try:
            result = await self.workspace_configuration_async(lsp.ConfigurationParams(
                items=[lsp.ConfigurationItem(section=CONFIG_SECTION, scope_uri=scope)]))
        except Exception as exc:
            log.warning("workspace/configuration failed: %s", exc)
            return
        raw = result[0] if result else None
        if raw is None:
            # No `reml` section on the client's side (Neovim answers null): keep what we have,
            # e.g. initializationOptions.settings, rather than resetting to the defaults.
            return
        problems = self.apply_settings(raw)
        for problem in problems:
            self.show(f"Reml settings: {problem}", lsp.MessageType.Warning)

    # -- documents ---------------------------------------------------------------------------
    def root_for(self, path: Path | None) -> Path:
        fallback = self.roots[0] if self.roots else None
        if path is None:
            return (fallback or Path.cwd()).resolve()
        for root in self.roots:
            try:
                path.resolve().relative_to(root.resolve())
            except ValueError:
                continue
            return find_root(path, fallback=root)
        return find_root(path, fallback=fallback)

    def open_doc(self, uri: str, text: str, version: int) -> OpenDoc:
        path = uri_to_path(uri)
        if path is not None:
            rel = relative_path(path, self.root_for(path))
            file = str(path)
        else:
            rel = file = uri
        doc = OpenDoc(uri, path, self.host.open_document(uri, text, version, file=file,
                                                         rel_path=rel))
        self.docs[uri] = doc
        self._apply_cap(doc)
        return doc

    def _apply_cap(self, doc: OpenDoc) -> None:
        """reml.diagnostics.maxPerFile on one document (config documents have no cap)."""
        if self.host.set_max_diagnostics(doc.uri, self.settings.max_diagnostics):
            self._cap_changed = True

    def take_cap_change(self) -> bool:
        """Whether the cap changed for an open document since the last call (republish)."""
        changed, self._cap_changed = getattr(self, "_cap_changed", False), False
        return changed

    def doc(self, uri: str) -> OpenDoc | None:
        return self.docs.get(uri) or self.docs.get(unquote(uri))

    # -- audit -------------------------------------------------------------------------------
    @property
    def audit(self) -> AuditLog:
        if self._audit is None:
            path = self.audit_db_path or default_store_path(self.roots[0] if self.roots else None)
            self._audit = AuditLog(path)
        return self._audit

    def use_audit_db(self, path: Path | None) -> None:
        """Switch to the (vetted, see ``lsp.trust``) audit database ``path``; None: default."""
        if path != self.audit_db_path:
            self.close_audit()
            self.audit_db_path = path

    def close_audit(self) -> None:
        if self._audit is not None:
            self._audit.close()
            self._audit = None


def _encoding_name(kind: Any) -> str:
    value = getattr(kind, "value", kind) or "utf-16"
    return str(value).lower()


def watch_parent(pid: int, interval: float = 2.0) -> None:
    """Exit when the client process is gone (editors do not always close our stdin)."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            if not alive(pid):
                log.warning("client process %s is gone; exiting", pid)
                os._exit(0)

    threading.Thread(target=watch, name="reml-parent-watch", daemon=True).start()
