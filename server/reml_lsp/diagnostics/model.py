"""The Diagnostic contract (DESIGN.md "Contracts"; spec 2-5 §A and 3-6 §1).

Spans are byte offsets into the UTF-8 document; ``Location`` is 1-based with columns counted in
code points (for humans). The LSP layer converts to the negotiated position encoding.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import attrs

SCHEMA_VERSION = "3.0.0-alpha"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    HINT = "hint"


@attrs.frozen
class Span:
    start: int
    end: int


@attrs.frozen
class Location:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int


@attrs.frozen
class Alternative:
    """One expected item: ``token == label`` and ``hint == kind`` as the reference emits them."""

    token: str
    label: str
    kind: str  # keyword | token | class | rule | eof
    hint: str


@attrs.frozen
class Expectation:
    message_key: str
    locale_args: list[str]
    humanized: str
    alternatives: list[Alternative]
    context_note: str | None = None


@attrs.frozen
class Note:
    label: str | None
    message: str
    span: Span | None = None
    location: Location | None = None


@attrs.frozen
class FixIt:
    kind: str  # insert | replace | delete
    span: Span
    text: str = ""
    location: Location | None = None
    title: str | None = None


@attrs.define
class Diagnostic:
    code: str
    severity: Severity
    message: str
    message_key: str
    locale: str
    domain: str
    span: Span
    location: Location
    locale_args: list[str] = attrs.Factory(list)
    expected: Expectation | None = None
    notes: list[Note] = attrs.Factory(list)
    fixits: list[FixIt] = attrs.Factory(list)
    audit_id: str | None = None
    change_set: Any = None
    severity_hint: str | None = None
    stream_meta: dict[str, Any] | None = None
    recoverability: str = "recoverable"
    schema_version: str = SCHEMA_VERSION
    extensions: dict[str, Any] = attrs.Factory(dict)

    @property
    def codes(self) -> list[str]:
        return [self.code]
