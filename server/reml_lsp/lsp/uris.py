"""``file:`` URIs ↔ paths (pygls' conversions: percent-encoding, Windows drive letters)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from pygls.uris import from_fs_path, to_fs_path


def uri_to_path(uri: str) -> Path | None:
    if urlparse(uri).scheme != "file":
        return None
    fs = to_fs_path(uri)
    return Path(fs) if fs else None


def path_to_uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()
