"""pygls protocol tweaks: documents are kept by the server itself (pygls would re-split the whole
text on every change), no Python traceback is ever sent to the client, and requests after
``shutdown`` are refused rather than ignored."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp
from pygls.protocol import LanguageServerProtocol, lsp_method


class RemlProtocol(LanguageServerProtocol):
    @lsp_method(lsp.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: lsp.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: lsp.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: lsp.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(lsp.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None

    def _send_response(self, msg_id: Any, result: Any | None = None,
                       error: lsp.ResponseError | None = None):
        if error is not None and isinstance(error.data, dict) and "traceback" in error.data:
            error = lsp.ResponseError(code=error.code, message=error.message.splitlines()[-1]
                                      if error.message else "internal error")
        return super()._send_response(msg_id, result, error)

    @lsp_method(lsp.SHUTDOWN)
    def lsp_shutdown(self, *args):
        """pygls' shutdown, iterating over a copy: cancelling a request in flight removes it
        from ``_request_futures`` and pygls' own loop then fails (the shutdown got an error)."""
        if (handler := self.fm.features.get(lsp.SHUTDOWN)) is not None:
            yield handler, args, None
        current = self.msg_id
        for msg_id, future in list(self._request_futures.items()):
            if msg_id != current and not future.done():
                future.cancel()
        self._shutdown = True
        return None

    def handle_message(self, message: Any):
        """After ``shutdown`` every request but ``exit`` is answered with InvalidRequest (pygls
        drops them silently); notifications are dropped."""
        method = getattr(message, "method", None)
        if (self._shutdown and method not in (None, lsp.EXIT)
                and getattr(message, "id", None) is not None):
            return self._send_response(message.id, None, lsp.ResponseError(
                code=lsp.ErrorCodes.InvalidRequest,
                message=f"the server is shut down; {method} is refused"))
        return super().handle_message(message)

    def send_parse_error(self, message: str) -> None:
        """JSON-RPC 2.0: a body that is not JSON is answered with id null and -32700."""
        self._send_data({"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32700, "message": f"Parse error: {message}"}})
