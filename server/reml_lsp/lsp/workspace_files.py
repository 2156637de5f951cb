"""The `*.reml` files of the workspace folders, read from disk when they are not open, and the
workspace module index kept up to date from them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from reml_lsp.analysis.analyze import analyze_bytes
from reml_lsp.analysis.modules import make_module
from reml_lsp.analysis.tree import entries_of
from reml_lsp.workspace import relative_path

log = logging.getLogger("reml_lsp.lsp")

SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".reml"}
MAX_FILES = 5000


def reml_files(roots: list[Path]) -> Iterator[Path]:
    seen: set[Path] = set()
    count = 0
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.reml")):
            if not path.is_file() or any(part in SKIP_DIRS
                                         for part in path.relative_to(root).parts[:-1]):
                continue
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            count += 1
            if count > MAX_FILES:
                log.warning("more than %s .reml files; the rest are not indexed", MAX_FILES)
                return
            yield path


def refresh_index(ls) -> None:
    """Open documents as they are in the editor; other files as they are on disk (parsed again
    only when their size or mtime changed)."""
    from reml_lsp.lsp.server import path_to_uri

    index = ls.workspace_index
    open_uris = set(ls.docs)
    for doc in ls.docs.values():
        index.put(doc.module())
    present: set[str] = set(open_uris)
    for path in reml_files(ls.roots):
        uri = path_to_uri(path)
        present.add(uri)
        if uri in open_uris:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        stamp = (stat.st_mtime, stat.st_size)
        if ls._disk_cache.get(uri) == stamp and uri in index.modules:
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            log.warning("cannot read %s: %s", path, exc)
            continue
        rel = relative_path(path, ls.root_for(path))
        analysis = analyze_bytes(data, file=str(path), rel_path=rel, locale=ls.locale)
        index.put(make_module(uri, rel, analysis.text, entries_of(analysis.items)))
        ls._disk_cache[uri] = stamp
    for key in list(index.modules):
        if key not in present:
            index.drop(key)
