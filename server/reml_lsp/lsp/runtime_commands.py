"""Runtime commands (filled in below)."""

from __future__ import annotations


def register(server) -> None:
    return None
