"""Which schema a config file is checked against: the workspace's ``reml.toml`` says so.

    [config.schemas]
    "config/app.toml" = "schemas/app.schema.json"   # workspace-relative glob = schema path
    "deploy/*.json" = "schemas/deploy.schema.json"

The CLI (``lint --domain config`` without ``--schema``) and the server (a config document it
opens) read the same table, so both report the same findings. A manifest that cannot be read
associates nothing (its own findings are reported when it is linted).
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

from reml_lsp.config.lint import MANIFEST_NAME
from reml_lsp.workspace import find_root, relative_path


def associations(root: Path) -> dict[str, str]:
    try:
        data = tomllib.loads((root / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}
    table = (data.get("config") or {}).get("schemas") if isinstance(data, dict) else None
    if not isinstance(table, dict):
        return {}
    return {str(k): v for k, v in table.items() if isinstance(v, str)}


def schema_for(path: Path, root: Path | None = None) -> Path | None:
    """The schema associated with ``path`` (first matching glob, in the table's order)."""
    root = root or find_root(path)
    rel = relative_path(path, root)
    for pattern, schema in associations(root).items():
        if fnmatch.fnmatchcase(rel, pattern):
            return (root / schema).resolve()
    return None
