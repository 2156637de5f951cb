"""What an index worker process runs. Its own module, importing only the parser side
(``analysis.file_index``) and ``lifeline``: the pool unpickles these functions by module name,
and importing them from ``lsp.indexing`` made every worker import lsprotocol and pygls first
(about half a second of CPU per worker before its first file)."""

from __future__ import annotations

import os

from reml_lsp.analysis.file_index import FileIndex, index_bytes
from reml_lsp.cache.store import encode_value
from reml_lsp.lifeline import bind_to_owner, release_stdio


def index_batch(batch: list[tuple[bytes, str]]) -> list[tuple[FileIndex, bytes] | None]:
    """Each file's entry and its cache row value, encoded here: the JSON and compression are
    the workers' CPU, not the server's threads' (None for a file too deep to index)."""
    out: list[tuple[FileIndex, bytes] | None] = []
    for data, rel in batch:
        try:
            entry = index_bytes(data, rel)
        except RecursionError:
            out.append(None)
            continue
        out.append((entry, encode_value(entry.to_json())))
    return out


def worker_init(owner: int) -> None:
    bind_to_owner(owner)  # dies with the server, even SIGKILLed (the fork server is between)
    release_stdio()
    try:
        os.nice(2)  # the server's own process (edits, requests) goes first
    except OSError:
        pass
