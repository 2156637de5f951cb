"""A damaged audit store: the server says so once, keeps serving without auditing, and never
writes to the file (a raw stdio client, no event loop needed)."""

from __future__ import annotations

from raw_client import RawServer

TEXT = ("fn a() -> Int {\n  let x = (1\n  x\n}\n\n"
        "fn b() -> Int {\n  let y = 2\n  y\n}\n\n"
        "fn c() -> Int {\n  let z = [1, 2\n  z\n}\n")


def test_a_damaged_store_is_reported_once_and_never_written(tmp_path):
    db = tmp_path / ".reml" / "audit.db"
    db.parent.mkdir()
    db.write_bytes(b"not a database at all\n" * 200)
    before = db.read_bytes()
    server = RawServer(tmp_path)
    try:
        server.initialize(tmp_path)
        doc = tmp_path / "a.reml"
        doc.write_text(TEXT, encoding="utf-8")
        uri = doc.as_uri()
        server.send({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "reml", "version": 1, "text": TEXT}}})
        for n in range(3):  # each save settles the findings into the (damaged) store
            server.send({"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {
                "textDocument": {"uri": uri}, "text": TEXT}})
            server.request(n + 1, "textDocument/documentSymbol",
                           {"textDocument": {"uri": uri}})
            assert "result" in server.responses(n + 1)[-1]
        server.request("audit", "workspace/executeCommand", {
            "command": "reml.showAuditEntry", "arguments": ["x"]})
        assert server.responses("audit")[-1]["result"]["status"] == "error"
        assert server.finish() == 0
    finally:
        server.kill()
    assert server.stderr.count("without auditing") == 1, server.stderr
    assert "Traceback" not in server.stderr
    assert db.read_bytes() == before
