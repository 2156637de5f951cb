"""``reml-run cache dir`` prints where the analysis cache lives; ``reml-run cache clear`` deletes
it (only the cache database files: the folder may hold other tools' downloads).

The cache keeps lint results and workspace index entries keyed by content hash, tool version
and options; it is safe to delete at any time (the next run rebuilds it)."""

from __future__ import annotations

import argparse
from typing import Any

from reml_lsp.cache.location import analysis_cache_dir
from reml_lsp.cache.store import FILE_NAME, clear_cache
from reml_lsp.cli.commands._bridge import add_format, emit


def register(subparsers: Any) -> None:
    cache = subparsers.add_parser("cache", help="the lint/index cache ($XDG_CACHE_HOME/reml-lsp)")
    sub = cache.add_subparsers(dest="cache_command", metavar="ACTION", required=True)
    where = sub.add_parser("dir", help="print the cache folder")
    add_format(where)
    where.set_defaults(func=run_dir)
    clear = sub.add_parser("clear", help="delete the cache (rebuilt on the next run)")
    add_format(clear)
    clear.set_defaults(func=run_clear)


def _format(args: argparse.Namespace) -> str:
    from reml_lsp.cli.output import resolve_format

    return resolve_format(args.format)


def run_dir(args: argparse.Namespace) -> int:
    folder = analysis_cache_dir()
    path = folder / FILE_NAME
    size = sum(p.stat().st_size for p in folder.glob(FILE_NAME + "*") if p.is_file()) \
        if folder.is_dir() else 0
    doc = {"status": "ok", "dir": str(folder), "database": str(path), "bytes": size}
    return emit("cache dir", doc, _format(args), lambda d: d["dir"])


def run_clear(args: argparse.Namespace) -> int:
    removed = clear_cache()
    doc = {"status": "ok", "dir": str(analysis_cache_dir()), "removed": [str(p) for p in removed]}
    return emit("cache clear", doc, _format(args),
                lambda d: f"removed {len(d['removed'])} file(s) from {d['dir']}")
