"""pygls protocol tweaks: documents are kept by the server itself (pygls would re-split the whole
text on every change), and no Python traceback is ever sent to the client."""

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

    def send_parse_error(self, message: str) -> None:
        """JSON-RPC 2.0: a body that is not JSON is answered with id null and -32700."""
        self._send_data({"jsonrpc": "2.0", "id": None,
                         "error": {"code": -32700, "message": f"Parse error: {message}"}})
