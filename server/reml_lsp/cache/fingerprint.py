"""The tool fingerprint that keys every cache entry: the package version plus the content of
every source and grammar file of the package, so a cache written by other code (an upgrade, a
changed grammar or audit_id derivation) is never read back. Content, not mtimes: a fresh
checkout or a reinstall of the same code keeps the cache."""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
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
            data = path.read_bytes()
        except OSError:
            continue
        h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(data).digest())
    try:  # the grammar may live outside the package folder (an editable install's link)
        grammar = importlib.resources.files("reml_lsp.grammars") / "reml.lark"
        h.update(hashlib.sha256(grammar.read_bytes()).digest())
    except (ModuleNotFoundError, OSError):
        pass
    return h.hexdigest()[:24]
