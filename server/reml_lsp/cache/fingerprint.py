"""The tool fingerprint that keys every cache entry: the package version plus the size and
mtime of every source and grammar file of the package, so a cache written by other code (an
upgrade, a changed grammar or audit_id derivation) is never read back."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from reml_lsp import __version__

PACKAGE = Path(__file__).resolve().parent.parent
SOURCE_SUFFIXES = (".py", ".lark", ".json")


@functools.cache
def tool_fingerprint() -> str:
    h = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or "__pycache__" in path.parts:
            continue
        try:
            st = path.stat()
        except OSError:
            continue
        rel = path.relative_to(PACKAGE).as_posix()
        h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]
