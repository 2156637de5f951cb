"""An open config file (``reml.toml``, or a ``.toml``/``.json`` the workspace associates with a
schema) as the editor's document: the text, its line index and the findings of
``config.lint.lint_config`` — the same function, bytes and schema ``lint --domain config`` uses,
so the editor and the CLI agree finding by finding."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.config.associations import schema_for
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.lint import MANIFEST_NAME, is_config_path, lint_config
from reml_lsp.config.schema import Schema, load_schema
from reml_lsp.diagnostics.model import Diagnostic


def wants_config_document(file: str) -> bool:
    """``reml.toml`` always; another config file when a schema is associated with it."""
    path = Path(file)
    if path.name == MANIFEST_NAME:
        return True
    return is_config_path(path) and path.is_absolute() and schema_for(path) is not None


class ConfigDocument:
    def __init__(self, text: str, *, file: str, rel_path: str) -> None:
        self.file = file
        self.rel_path = rel_path
        self._text = text
        self._index: LineIndex | None = None
        self._diagnostics: dict[str, list[Diagnostic]] = {}

    @property
    def text(self) -> str:
        return self._text

    @property
    def index(self) -> LineIndex:
        if self._index is None:
            self._index = LineIndex(self._text)
        return self._index

    @property
    def stream_meta(self) -> dict[str, Any]:
        return {}

    def apply_change(self, start: int, end: int, new_text: str) -> None:
        n = len(self._text)
        start, end = max(0, min(start, n)), max(0, min(end, n))
        self._text = self._text[:start] + new_text + self._text[end:]
        self._index = None
        self._diagnostics.clear()

    def replace(self, text: str) -> None:
        self._text = text
        self._index = None
        self._diagnostics.clear()

    def _schema(self) -> Schema | None:
        path = Path(self.file)
        found = schema_for(path) if path.is_absolute() else None
        if found is None:
            return None
        try:
            return load_schema(found)
        except ConfigError:
            return None  # a broken schema is reported when the schema itself is linted

    def diagnostics(self, locale: str) -> list[Diagnostic]:
        cached = self._diagnostics.get(locale)
        if cached is None:
            cached = lint_config(self._text.encode("utf-8", "surrogatepass"),
                                 path=Path(self.file), file=self.file, rel_path=self.rel_path,
                                 locale=locale, schema=self._schema()).diagnostics
            self._diagnostics[locale] = cached
        return cached

    def expected_terminals(self, offset: int) -> list[str]:
        return []

    def entries(self) -> Iterator[tuple[Any, int, int]]:
        return iter(())
