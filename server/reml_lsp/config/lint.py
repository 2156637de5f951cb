"""``lint --domain config``: a config file (TOML, JSON, the ``reml.toml`` manifest) as findings
in the one ``Diagnostic`` model — syntax errors at their line and column, and, against a schema
(the format ``reml-run diff --schema`` reads), type mismatches at the key and missing required
keys at their nearest present ancestor (the table that should hold them).

The ``reml.toml`` manifest is checked against ``MANIFEST_SCHEMA`` when no schema is given: the
types of the sections of spec 3-7 §1.1 (``Core.Config.Manifest``), nothing required (the spec
gives no minimal manifest). The CLI and the server call this same function.
"""

from __future__ import annotations

import bisect
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import attrs

from reml_lsp.config.depth import MAX_DEPTH, text_too_deep, value_depth_path
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.loader import _plain, detect_format
from reml_lsp.config.locate import nearest, spans_of
from reml_lsp.config.paths import parse_path
from reml_lsp.config.schema import Schema, parse_schema
from reml_lsp.config.validate import validate
from reml_lsp.diagnostics import Diagnostic, Location, Severity, Span, compute_audit_id
from reml_lsp.diagnostics.audit_id import document_digest
from reml_lsp.diagnostics.catalog import message

DOMAIN = "config"
CONFIG_SUFFIXES = (".toml", ".json")
MANIFEST_NAME = "reml.toml"

MANIFEST_SCHEMA = parse_schema({
    "name": "reml.toml (spec 3-7 §1.1 Core.Config.Manifest)",
    "fields": {
        "project": {"data_type": "object"},
        "project.name": {"data_type": "string"},
        "project.version": {"data_type": "string"},
        "project.authors": {"data_type": "array"},
        "project.license": {"data_type": "string"},
        "project.description": {"data_type": "string"},
        "dependencies": {"data_type": "object"},
        "dsl": {"data_type": "object"},
        "build": {"data_type": "object"},
        "build.target": {"data_type": "string"},
        "build.features": {"data_type": "array"},
        "build.optimize": {"data_type": "string"},
        "build.warnings_as_errors": {"data_type": "bool"},
        "build.profiles": {"data_type": "object"},
        "registry": {"data_type": "object"},
        "registry.upstream": {"data_type": "string"},
        "registry.mirrors": {"data_type": "array"},
    },
}, source="<manifest>")

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")


@attrs.define
class ConfigLint:
    text: str
    format: str
    data: Any
    diagnostics: list[Diagnostic]


class _Text:
    """Code-point offset → (line, column) and byte offset of one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.ascii = text.isascii()
        self.byte_starts = [0]

    def line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1

    def offset(self, line: int, col: int) -> int:
        line = min(max(line, 1), len(self.starts))
        return min(self.starts[line - 1] + max(col - 1, 0), len(self.text))

    def byte(self, offset: int) -> int:
        """Per line, not per prefix: encoding the whole prefix for every finding was quadratic."""
        if self.ascii:
            return offset
        i = bisect.bisect_right(self.starts, offset) - 1
        while len(self.byte_starts) <= i:  # filled lazily, line by line
            k = len(self.byte_starts)
            line = self.text[self.starts[k - 1]:self.starts[k]]
            self.byte_starts.append(self.byte_starts[-1] + _utf8_len(line))
        return self.byte_starts[i] + _utf8_len(self.text[self.starts[i]:offset])


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogateescape"))


def is_config_path(path: Path) -> bool:
    return path.suffix.lower() in CONFIG_SUFFIXES


def _diag(code: str, key: str, args: list[str], start: int, end: int, t: _Text, *,
          file: str, rel_path: str, locale: str, digest: str, extensions: dict | None = None
          ) -> Diagnostic:
    bs, be = t.byte(start), t.byte(end)
    l1, c1 = t.line_col(start)
    l2, c2 = t.line_col(end)
    return Diagnostic(
        code=code, severity=Severity.ERROR, message=message(key, locale, args), message_key=key,
        locale=locale, domain=DOMAIN, span=Span(bs, be), location=Location(file, l1, c1, l2, c2),
        locale_args=args, audit_id=compute_audit_id(rel_path, digest, code, bs, be),
        extensions=extensions or {})


def _parse(text: str, fmt: str) -> tuple[Any, tuple[str, str, int, int] | None]:
    """(data, None) or (None, (code, detail, start, end)) with the error's span."""
    at = text_too_deep(text, fmt)
    if at is not None:
        return None, ("config.parse.too_deep", str(MAX_DEPTH), at, at + 1)
    data, error = _parse_checked(text, fmt)
    if error is None and value_depth_path(data) is not None:
        return None, ("config.parse.too_deep", str(MAX_DEPTH), 0, 0)
    return (_plain(data) if error is None and fmt == "toml" else data), error


def _parse_checked(text: str, fmt: str) -> tuple[Any, tuple[str, str, int, int] | None]:
    t = _Text(text)
    if fmt == "toml":
        try:
            return tomllib.loads(text), None
        except tomllib.TOMLDecodeError as exc:
            detail = str(exc)
            m = _TOML_AT.search(detail)
            at = t.offset(int(m.group(1)), int(m.group(2))) if m else len(text)
            detail = _TOML_AT.sub("", detail).replace("(at end of document)", "").strip()
            end = at if text[at:at + 1] in ("", "\n", "\r") else at + 1
            return None, ("config.parse.invalid_toml", detail, at, end)
        except RecursionError:
            return None, ("config.parse.too_deep", str(MAX_DEPTH), 0, 0)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, ("config.parse.invalid_json", exc.msg, exc.pos,
                      min(exc.pos + 1, len(text)))
    except RecursionError:
        return None, ("config.parse.too_deep", str(MAX_DEPTH), 0, 0)


def lint_config(raw: bytes, *, path: Path, file: str, rel_path: str, locale: str = "en-US",
                schema: Schema | None = None) -> ConfigLint:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8-sig", "replace")
        t = _Text(text)
        at = len(raw[:exc.start].decode("utf-8-sig", "replace"))
        d = _diag("config.parse.encoding", "config.parse.encoding",
                  [f"byte 0x{raw[exc.start]:02X} at byte {exc.start}"], at, at + 1, t,
                  file=file, rel_path=rel_path, locale=locale, digest=document_digest(text))
        return ConfigLint(text, "", None, [d])
    fmt = detect_format(path, text)
    t = _Text(text)
    digest = document_digest(text)
    common = {"file": file, "rel_path": rel_path, "locale": locale, "digest": digest}
    data, error = _parse(text, fmt)
    if error is not None:
        code, detail, start, end = error
        return ConfigLint(text, fmt, None, [_diag(code, code, [detail], start, end, t, **common)])
    if schema is None and path.name == MANIFEST_NAME:
        schema = MANIFEST_SCHEMA
    out: list[Diagnostic] = []
    if schema is not None:
        spans = None
        for issue in validate(data, schema):
            try:
                segs = parse_path(issue.key, allow_wildcard=True)
            except ConfigError:  # a key we cannot read is located at the file start
                segs = ()
            spans = spans_of(text, fmt) if spans is None else spans
            start, end = nearest(spans, segs)
            key = f"`{issue.key}`"
            args = ([key, f"`{issue.expected}`", f"`{issue.actual}`"]
                    if issue.code == "config.schema.type_mismatch" else [key])
            out.append(_diag(issue.code, issue.code, args, start, end, t, **common,
                             extensions={"config": {"key_path": issue.key,
                                                    "expected": issue.expected,
                                                    "actual": issue.actual,
                                                    "schema": schema.name}}))
    out.sort(key=lambda d: (d.span.start, d.span.end, d.code))
    return ConfigLint(text, fmt, data, out)
