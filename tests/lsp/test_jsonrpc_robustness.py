"""The JSON-RPC layer of the real server, driven byte by byte over stdio: broken frames are
answered or skipped and the server stays responsive; malformed params get -32602; requests after
``shutdown`` get -32600; ``exit`` without ``shutdown`` ends the process with 1."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from raw_client import RawServer, frame, raw_frame

URI = "file:///nowhere/a.reml"
HOVER = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}


@pytest.fixture
def server(tmp_path: Path):
    s = RawServer(tmp_path)
    s.initialize(tmp_path)
    yield s
    s.kill()


def answered(server: RawServer, msg_id) -> dict:
    return server.responses(msg_id)[-1]


def test_character_counted_length_resynchronises(server):
    body = {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
            "params": {**HOVER, "textDocument": {"uri": "file:///tmp/日本語.reml"}}}
    chars = len(frame(body).split(b"\r\n\r\n", 1)[1].decode("utf-8"))
    data = frame(body)
    server.write(data.replace(b"%d" % (len(data.split(b"\r\n\r\n", 1)[1])), b"%d" % chars, 1))
    server.request(2, "textDocument/hover", HOVER)
    got = server.responses(2)
    assert got[-1] == {"jsonrpc": "2.0", "id": 2, "result": None}
    assert [m["error"]["code"] for m in got[:-1]] == [-32700]
    # and it keeps listening
    server.request(3, "textDocument/hover", HOVER)
    assert "result" in answered(server, 3)
    assert server.finish() == 0


def test_too_long_length_resynchronises_on_the_next_header(server):
    server.send({"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover", "params": HOVER},
                delta=+12)
    server.request(2, "textDocument/hover", HOVER)
    server.request(3, "textDocument/hover", HOVER)
    got = server.responses(3)
    assert {"jsonrpc": "2.0", "id": 3, "result": None} in got
    assert any(m.get("error", {}).get("code") == -32700 for m in got)
    assert server.finish() == 0


@pytest.mark.parametrize("length", [b"99999999999999999999999999999999", b"1" * 5000,
                                    b"%d" % (2 ** 40)])
def test_huge_length_is_refused_not_fatal(server, length):
    server.write(b"Content-Length: " + length + b"\r\n\r\n" + b'{"jsonrpc": "2.0"}')
    server.request(2, "textDocument/hover", HOVER)
    got = server.responses(2)
    assert got[-1]["id"] == 2 and "result" in got[-1]
    refused = [m for m in got if "error" in m]
    assert len(refused) == 1 and refused[0]["error"]["code"] == -32600
    assert "over the limit" in refused[0]["error"]["message"]
    assert server.finish() == 0
    assert "Traceback" not in server.stderr


@pytest.mark.parametrize("body,code", [
    (b'{"jsonrpc": "2.0", "id": 5, "method": "textDocument/hover", "params": "\xff\xfe"}',
     -32700),
    (b'{"jsonrpc": "2.0", "id": 5, "method": ', -32700),
    (b"[" * 100_000 + b"]" * 100_000, -32700),
    (b"[1, 2]", -32600),
    (b'"hello"', -32600),
    (b'{"id": 5, "method": "textDocument/hover"}', -32600),
    (b'{"jsonrpc": "2.0", "id": 5, "method": 42}', -32600),
    (b'{"jsonrpc": "2.0", "id": {"x": 1}, "method": "textDocument/hover"}', -32600),
])
def test_bad_bodies_get_an_error_reply(server, body, code):
    server.write(raw_frame(body))
    server.request(2, "textDocument/hover", HOVER)
    got = server.responses(2)
    errors = [m for m in got if "error" in m]
    assert [e["error"]["code"] for e in errors] == [code]
    assert got[-1] == {"jsonrpc": "2.0", "id": 2, "result": None}
    assert "Traceback" not in server.stderr


METHODS = ["textDocument/hover", "textDocument/completion", "textDocument/definition",
           "textDocument/references", "textDocument/documentHighlight",
           "textDocument/documentSymbol", "textDocument/codeAction",
           "textDocument/foldingRange", "textDocument/semanticTokens/full",
           "textDocument/semanticTokens/range", "textDocument/diagnostic",
           "workspace/executeCommand", "initialize"]
INVALID = [[], "text", 5, {}, None, {"textDocument": 5}, {"textDocument": {}},
           {"textDocument": "file:///x.reml"}]
POSITION_METHODS = METHODS[:5]
BAD_POSITION = [{**HOVER, "position": {"line": "x", "character": 0}},
                {**HOVER, "position": {"line": -1, "character": 0}},
                {**HOVER, "position": []}]
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}
BAD_RANGE = [{"textDocument": {"uri": URI}, "range": {"start": {"line": 0}, "end": {}},
              "context": {"diagnostics": []}},
             {"textDocument": {"uri": URI}, "range": "x", "context": {"diagnostics": []}},
             {"textDocument": {"uri": URI}, "range": RANGE, "context": {"diagnostics": 7}}]


def shapes(method: str) -> list:
    if method in POSITION_METHODS:
        return INVALID + BAD_POSITION
    if method == "textDocument/codeAction":
        return INVALID + BAD_RANGE
    if method == "textDocument/semanticTokens/range":
        return INVALID + BAD_RANGE[:2]
    return INVALID


def test_malformed_params_get_exactly_one_invalid_params_reply_each(server):
    sent = {}
    for method in METHODS:
        for params in shapes(method):
            msg_id = len(sent) + 1
            msg = {"jsonrpc": "2.0", "id": msg_id, "method": method}
            if params is not None:
                msg["params"] = params
            server.send(msg)
            sent[msg_id] = (method, params)
    # and a notification with bad params gets no reply and breaks nothing
    server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": [1]})
    replies = []
    while {m["id"] for m in replies} < set(sent):
        replies.append(server.next())
        replies = [m for m in replies if "id" in m and "method" not in m]
    server.request("ping", "textDocument/hover", HOVER)
    replies += server.responses("ping")[:-1]
    counts = Counter(m["id"] for m in replies)
    assert len(sent) >= 100
    assert all(counts[i] == 1 for i in sent), [i for i in sent if counts[i] != 1]
    wrong = [(sent[m["id"]], m) for m in replies
             if m.get("error", {}).get("code") != -32602]
    assert wrong == []
    assert server.finish() == 0
    assert "Traceback" not in server.stderr


def test_requests_after_shutdown_are_invalid_requests(server):
    server.request(1, "shutdown")
    assert answered(server, 1) == {"jsonrpc": "2.0", "id": 1, "result": None}
    for msg_id, method in enumerate(["textDocument/hover", "shutdown", "initialize",
                                     "workspace/symbol"], start=2):
        server.request(msg_id, method, HOVER if method != "workspace/symbol" else
                       {"query": "x"})
        reply = answered(server, msg_id)
        assert reply["error"]["code"] == -32600, reply
    server.send({"jsonrpc": "2.0", "method": "exit"})
    assert server.proc.wait(30) == 0


def test_exit_without_shutdown_exits_1(server):
    assert server.finish(shutdown=False) == 1


def test_exit_after_shutdown_exits_0(server):
    assert server.finish(shutdown=True) == 0
