"""The per-document model the server drives: text, line index, edits in code points, localised
diagnostics, expected terminals at a caret, and the parsed items.

``new_document`` is the one place that picks the implementation: the incremental
``reml_lsp.analysis.analyzed_document.AnalyzedDocument``, or ``ConfigDocument`` for ``reml.toml`` and the
config files the workspace's manifest associates with a schema (``config.associations``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from reml_lsp.analysis.config_document import ConfigDocument, wants_config_document
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.config.lint import is_config_path
from reml_lsp.diagnostics.model import Diagnostic


class SourceDocument(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def index(self) -> LineIndex: ...
    @property
    def stream_meta(self) -> dict[str, Any]: ...
    def apply_change(self, start: int, end: int, new_text: str) -> Any: ...
    def replace(self, text: str) -> None: ...
    def diagnostics(self, locale: str) -> list[Diagnostic]: ...
    def expected_terminals(self, offset: int) -> list[str]: ...
    def entries(self) -> Iterable[tuple[Any, int, int]]: ...


def new_document(text: str, *, file: str, rel_path: str) -> SourceDocument:
    # A .toml/.json the client sends (the VS Code selector names reml.toml and the schema globs
    # of [config.schemas]) is never Reml source: without a schema it gets the syntax findings
    # `lint --domain config` gives it, not Reml parse errors.
    if wants_config_document(file) or is_config_path(Path(file)):
        return ConfigDocument(text, file=file, rel_path=rel_path)
    return AnalyzedDocument(text, file=file, rel_path=rel_path)
