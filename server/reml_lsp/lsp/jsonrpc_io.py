"""The stdio transport of the server: LSP frames (``Content-Length`` header + JSON body) read with
recovery, in place of pygls' ``run_async``.

pygls trusts every frame: a ``Content-Length`` that counts characters instead of bytes leaves the
rest of the body glued to the next header and the server deaf from then on; a huge one crashes
the read; a body that is not UTF-8, not an object, or whose params do not fit the method gets no
reply. Here:

- a header block is found by its ``Content-Length`` anywhere in it (bytes before it are skipped
  with a warning), so a frame that was too short resynchronises on the next header;
- a body that is not JSON is answered with -32700 and, when it holds the start of the next frame
  (the length was too long), reading resumes there;
- a frame over ``MAX_FRAME_BYTES`` is refused with a logged error and skipped up to the next
  header, never buffered;
- invalid UTF-8 → -32700, a non-request → -32600, params that do not fit → -32602, each with the
  request's id when there is one, so every request gets exactly one reply.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
from typing import Any, BinaryIO

import cattrs
from lsprotocol import types as lsp
from lsprotocol.types import ResponseErrorMessage
from pygls.io_ import StdoutWriter
from pygls.protocol.json_rpc import (
    JsonRPCNotification,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
)

log = logging.getLogger("reml_lsp.lsp.jsonrpc")

MAX_FRAME_BYTES = 64 * 1024 * 1024  # bodies above this are refused (a 5 MB document is ~6 MB)
MAX_HEADER_BYTES = 8 * 1024  # a header block longer than this is garbage
READ_CHUNK = 256 * 1024

_LENGTH = re.compile(rb"Content-Length[ \t]*:[ \t]*(\d+)[ \t]*(?:\r\n|$)", re.IGNORECASE)
_LENGTH_NAME = re.compile(rb"Content-Length[ \t]*:", re.IGNORECASE)
_KEEP = 32  # bytes kept when discarding, in case a header name is split between reads


class StdinChunks:
    """Reads ``stream`` in a daemon thread, one chunk per ``read()`` (so a blocked read never
    keeps the process alive after ``exit``)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.readline
        self._want = threading.Semaphore(0)
        self._queue: asyncio.Queue[bytes] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        assert self._loop is not None and self._queue is not None
        while True:
            self._want.acquire()
            try:
                chunk = self._read(READ_CHUNK)
            except (OSError, ValueError):
                chunk = b""
            self._loop.call_soon_threadsafe(self._queue.put_nowait, chunk)
            if not chunk:
                return

    async def read(self) -> bytes:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._queue = asyncio.Queue()
            self._thread = threading.Thread(target=self._run, name="reml-stdin", daemon=True)
            self._thread.start()
        assert self._queue is not None
        self._want.release()
        return await self._queue.get()


class FrameReader:
    """Splits the byte stream into frame bodies, resynchronising on the next header."""

    def __init__(self, chunks: StdinChunks, max_frame: int = MAX_FRAME_BYTES) -> None:
        self._chunks = chunks
        self._buf = bytearray()
        self._eof = False
        self.max_frame = max_frame
        self.refused: list[str] = []  # lengths of frames refused (the caller answers them)

    async def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = await self._chunks.read()
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _discard(self, n: int, why: str) -> None:
        if n > 0:
            log.warning("jsonrpc: skipped %d byte(s) %s", n, why)
            del self._buf[:n]

    async def _skip_to_header(self) -> bool:
        """Drop bytes up to the next ``Content-Length`` name; False at end of input."""
        while True:
            found = _LENGTH_NAME.search(self._buf)
            if found:
                del self._buf[:found.start()]
                return True
            if len(self._buf) > _KEEP:
                del self._buf[:len(self._buf) - _KEEP]
            if not await self._fill():
                return False

    async def next_body(self) -> bytes | None:
        """The next frame's body, or None at end of input."""
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > MAX_HEADER_BYTES:
                    log.error("jsonrpc: no header in %d bytes; resynchronising",
                              len(self._buf))
                    del self._buf[:len(self._buf) - _KEEP]
                    if not await self._skip_to_header():
                        return None
                    continue
                if not await self._fill():
                    return None
                continue
            header = bytes(self._buf[:end])
            matches = list(_LENGTH.finditer(header))
            if not matches:
                log.error("jsonrpc: a header block without Content-Length: %r", header[:80])
                del self._buf[:end + 4]
                continue
            match = matches[-1]  # anything before the last one is the tail of a bad frame
            self._discard(match.start(), "before a Content-Length header")
            end -= match.start()
            digits = match.group(1).lstrip(b"0") or b"0"
            length = int(digits) if len(digits) <= 19 else self.max_frame + 1  # no int(10**9999)
            del self._buf[:end + 4]
            if length > self.max_frame:
                size = digits.decode() if len(digits) <= 40 else f"{len(digits)}-digit"
                log.error("jsonrpc: refused a frame of %s bytes (limit %d); skipping to the "
                          "next header", size, self.max_frame)
                self.refused.append(size)
                if not await self._skip_to_header():
                    return None
                continue
            while len(self._buf) < length:
                if not await self._fill():
                    log.error("jsonrpc: input ended inside a frame (%d of %d bytes)",
                              len(self._buf), length)
                    return None
            body = bytes(self._buf[:length])
            del self._buf[:length]
            return body

    def resync_after(self, body: bytes) -> None:
        """``body`` was not JSON: if it holds the start of another frame (the length was too
        long), read that frame next."""
        found = _LENGTH_NAME.search(body, 1)
        if found:
            self._buf[:0] = body[found.start():]
            log.warning("jsonrpc: resynchronised on a header inside a bad frame")


def _error(protocol: Any, msg_id: Any, code: int, message: str) -> None:
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id,
                         "error": {"code": int(code), "message": message}})


def _valid_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def dispatch(protocol: Any, body: bytes) -> bool:
    """Handle one frame body; False when it was not JSON (the reader may resynchronise)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.error("jsonrpc: body is not UTF-8 (byte %d)", exc.start)
        _error(protocol, None, lsp.ErrorCodes.ParseError,
               f"Parse error: the body is not UTF-8 (byte {exc.start})")
        return True
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        log.error("jsonrpc: body is not JSON: %s", exc)
        _error(protocol, None, lsp.ErrorCodes.ParseError, f"Parse error: {exc}")
        return False
    if not isinstance(data, dict):
        _error(protocol, None, lsp.ErrorCodes.InvalidRequest,
               "Invalid Request: a message is a JSON object")
        return True
    msg_id = data.get("id")
    has_id = "id" in data and _valid_id(msg_id)
    method = data.get("method")
    if data.get("jsonrpc") != "2.0" or ("id" in data and not _valid_id(msg_id) and
                                        msg_id is not None) or \
            ("method" in data and not isinstance(method, str)) or \
            ("method" not in data and not ("result" in data or "error" in data)):
        _error(protocol, msg_id if has_id else None, lsp.ErrorCodes.InvalidRequest,
               "Invalid Request")
        return True
    is_request = has_id and isinstance(method, str)
    if is_request and getattr(protocol, "_shutdown", False):
        protocol.handle_message(JsonRPCRequestMessage(id=msg_id, method=method, jsonrpc="2.0",
                                                       params=None))
        return True  # refused whatever its params (RemlProtocol.handle_message)
    try:
        message = _structure(protocol, data)
    except Exception as exc:
        why = _explain(exc)
        if is_request:
            _error(protocol, msg_id, lsp.ErrorCodes.InvalidParams,
                   f"Invalid params for {method}: {why}")
        else:
            log.warning("jsonrpc: dropped %s with invalid params: %s", method or "a response",
                        why)
        return True
    protocol.handle_message(message)
    return True


def _structure(protocol: Any, data: dict[str, Any]) -> Any:
    """pygls' ``structure_message`` without its traceback in the log."""
    converter = protocol._converter
    if "method" in data:
        kind = protocol.get_message_type(data["method"])
        if "id" in data:
            return converter.structure(data, kind or JsonRPCRequestMessage)
        return converter.structure(data, kind or JsonRPCNotification)
    if "error" in data:
        return converter.structure(data, ResponseErrorMessage)
    kind = protocol._result_types.pop(data.get("id"), None)
    return converter.structure(data, kind or JsonRPCResponseMessage)


def _explain(exc: Exception) -> str:
    """The first thing that does not fit, with its path (``$.params.position.line``)."""
    try:
        reasons = cattrs.transform_error(exc) if isinstance(exc, BaseExceptionGroup) else []
    except Exception:
        reasons = []
    text = reasons[0] if reasons else (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return text[:200]


async def serve(server: Any, reader: FrameReader) -> None:
    protocol = server.protocol
    stop = server._stop_event
    while stop is None or not stop.is_set():
        body = await reader.next_body()
        while reader.refused:
            size = reader.refused.pop(0)
            _error(protocol, None, lsp.ErrorCodes.InvalidRequest,
                   f"Invalid Request: a frame of {size} bytes is over the limit")
        if body is None:
            log.info("jsonrpc: end of input")
            return
        try:
            if not dispatch(protocol, body):
                reader.resync_after(body)
        except SystemExit:
            raise
        except Exception as exc:  # a handler bug must not stop the read loop
            log.error("jsonrpc: could not handle a message: %s", exc)
        # Let the tasks this message started take their first step before the next message
        # (an async didSave bumps the save count before a pull that follows it is answered),
        # as pygls' reader did by awaiting every line.
        await asyncio.sleep(0)


def serve_stdio(server: Any, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Run the server on stdio until ``exit`` or end of input; the process exit code (LSP: 0 after
    ``shutdown``, 1 for an ``exit`` without it)."""
    server._stop_event = threading.Event()
    server.protocol.set_writer(StdoutWriter(stdout))
    reader = FrameReader(StdinChunks(stdin))
    code = 0
    try:
        asyncio.run(serve(server, reader))
    except SystemExit as exc:  # pygls' `exit` handler
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BrokenPipeError:
        log.error("the client closed the connection")
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return code
