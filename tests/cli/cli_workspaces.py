"""Temporary Reml workspaces for CLI tests."""

from __future__ import annotations

from pathlib import Path


def write_workspace(root: Path, sources: dict[str, str]) -> Path:
    """``sources`` (relative path → text) under ``root``, with an empty `reml.toml`."""
    for rel, text in sources.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "reml.toml").write_text("", encoding="utf-8")
    return root
