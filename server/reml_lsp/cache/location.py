"""Where the analysis cache lives: ``$REML_CACHE_DIR``, else ``$XDG_CACHE_HOME/reml-lsp``, else
``~/.cache/reml-lsp`` — never inside a workspace. Only the ``analysis/`` subfolder is ours to
clear (the installer keeps its own downloads next to it)."""

from __future__ import annotations

import os
from pathlib import Path

SUBDIR = "analysis"


def cache_root() -> Path:
    explicit = os.environ.get("REML_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "reml-lsp"


def analysis_cache_dir() -> Path:
    return cache_root() / SUBDIR
