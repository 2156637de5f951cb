"""Lark's parse-table cache (a pickle) lives in the user's own cache folder, created private
when missing, and is used by the next process; never in the shared temp folder, where another
user could plant a file under the expected name."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = ("from reml_lsp.syntax.grammar import _cache_file, tables; tables(); "
         "print(_cache_file())")


def run_probe(cache: Path) -> str:
    env = {**os.environ, "REML_CACHE_DIR": str(cache)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, timeout=300, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_table_cache_is_written_to_a_new_private_folder(tmp_path: Path):
    cache = tmp_path / "not" / "there" / "yet"
    path = Path(run_probe(cache))
    assert path.is_file() and path.stat().st_size > 100_000  # the tables were saved
    assert path.parent == cache / "analysis"
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0  # private to the user
    assert not str(path).startswith(tempfile.gettempdir() + os.sep + "reml-lark")
    before = path.stat().st_mtime_ns
    assert run_probe(cache) == str(path)
    assert path.stat().st_mtime_ns == before  # read by the second process, not rebuilt
