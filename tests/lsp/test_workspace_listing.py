"""The indexer's listing of a workspace: every `*.reml` file once (a file reached twice, through
a symlink or two roots, is listed once), and each file's workspace-relative path as
``relative_path(path, root_for(path))`` gives it, though the listing resolves each folder once
and not each file (nested `reml.toml` roots, symlinked files and folders, a second root)."""

from __future__ import annotations

from pathlib import Path

from reml_lsp.cache.store import CacheStore
from reml_lsp.lsp.indexing import Indexer
from reml_lsp.lsp.server import RemlServer
from reml_lsp.workspace import relative_path, reml_files


def layout(tmp: Path) -> Path:
    ws = tmp / "ws"
    for folder in ("src/a", "sub/b", "src/deep/er"):
        (ws / folder).mkdir(parents=True)
    (tmp / "other").mkdir()
    (ws / "reml.toml").write_text("")
    (ws / "sub" / "reml.toml").write_text("")  # a nested root
    for rel in ("src/a/x.reml", "sub/b/y.reml", "top.reml", "src/deep/er/z.reml"):
        (ws / rel).write_text("fn f() -> Int { 1 }\n")
    (tmp / "other" / "o.reml").write_text("fn o() -> Int { 1 }\n")
    (ws / "src" / "a" / "out.reml").symlink_to(tmp / "other" / "o.reml")  # outside the root
    (ws / "src" / "a" / "same.reml").symlink_to(ws / "src" / "a" / "x.reml")  # a second name
    (ws / "src" / "linked").symlink_to(ws / "sub")  # a symlinked folder (not walked into)
    return ws


def test_listing_and_relative_paths_match_the_per_file_definition(tmp_path: Path):
    ws = layout(tmp_path)
    server = RemlServer()
    server.roots = [ws, ws / "src"]  # overlapping roots: files under both are listed once
    files = list(reml_files(server.roots))
    real = [p.resolve() for p in files]
    assert len(set(real)) == len(real)
    assert set(real) == {p.resolve() for p in ws.rglob("*.reml") if "linked" not in p.parts}
    indexer = Indexer(server)
    indexer.cache = CacheStore(tmp_path / "cache.sqlite")  # empty: every file is a miss
    _, misses = indexer._lookup([(p.as_uri(), p, (0, 0)) for p in files])
    got = {uri: rel for uri, rel, *_ in misses}
    assert got == {p.as_uri(): relative_path(p, server.root_for(p)) for p in files}
    assert got[(ws / "sub" / "b" / "y.reml").as_uri()] == "b/y.reml"  # its own root
    assert got[(ws / "src" / "a" / "out.reml").as_uri()] == "../other/o.reml"
