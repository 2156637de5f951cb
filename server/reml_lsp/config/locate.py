"""Where a key path sits in a config file's text: (start, end) code-point span of the key.

The loaders give values without positions, so the positions are read from the text: JSON by a
small scanner that follows the same grammar, TOML line by line (``[table]``/``[[array]]`` headers,
``a.b = …`` keys, skipping multi-line strings and arrays). A path that is not in the text (a
missing required key) is located at its nearest present ancestor; the root at the file start.
"""

from __future__ import annotations

import json
import re

from reml_lsp.config.paths import Segment

Spans = dict[tuple[Segment, ...], tuple[int, int]]


def locate(text: str, fmt: str, path: tuple[Segment, ...]) -> tuple[int, int]:
    return nearest(spans_of(text, fmt), path)


def spans_of(text: str, fmt: str) -> Spans:
    """Every key's span; compute once per text when locating many paths (one scan each made a
    schema check with a finding per array element quadratic)."""
    return json_spans(text) if fmt == "json" else toml_spans(text)


def nearest(spans: Spans, path: tuple[Segment, ...]) -> tuple[int, int]:
    """The span of ``path`` or of its nearest present ancestor; the file start for none."""
    p = tuple(path)
    while p:
        if p in spans:
            return spans[p]
        p = p[:-1]
    return (0, 0)


# -- JSON --------------------------------------------------------------------------------------
_WS = " \t\r\n"
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^,\]}\s]+")


def json_spans(text: str) -> Spans:
    spans: Spans = {}
    try:
        _value(text, _skip(text, 0), (), spans)
    except (IndexError, ValueError, RecursionError):
        pass  # a broken (or too deep) document keeps the spans found so far
    return spans


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _value(text: str, i: int, path: tuple, spans: Spans) -> int:
    ch = text[i]
    if ch == "{":
        i = _skip(text, i + 1)
        if text[i] == "}":
            return i + 1
        while True:
            m = _STRING.match(text, i)
            if m is None:
                raise ValueError("key")
            key = json.loads(m.group(0))
            spans[(*path, key)] = (m.start(), m.end())
            i = _skip(text, m.end())
            if text[i] != ":":
                raise ValueError(":")
            i = _skip(text, _value(text, _skip(text, i + 1), (*path, key), spans))
            if text[i] == ",":
                i = _skip(text, i + 1)
                continue
            if text[i] == "}":
                return i + 1
            raise ValueError("}")
    if ch == "[":
        i = _skip(text, i + 1)
        if text[i] == "]":
            return i + 1
        n = 0
        while True:
            spans.setdefault((*path, n), (i, i + 1))
            i = _skip(text, _value(text, i, (*path, n), spans))
            n += 1
            if text[i] == ",":
                i = _skip(text, i + 1)
                continue
            if text[i] == "]":
                return i + 1
            raise ValueError("]")
    m = _STRING.match(text, i) if ch == '"' else _SCALAR.match(text, i)
    if m is None:
        raise ValueError("value")
    return m.end()


# -- TOML --------------------------------------------------------------------------------------
_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf'(?:{_BARE}|"(?:[^"\\]|\\.)*"|\'[^\']*\')'
_DOTTED = rf"{_KEY_PART}(?:\s*\.\s*{_KEY_PART})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=")
_PART = re.compile(_KEY_PART)


def _parts(dotted: str, base: int) -> list[tuple[str, int, int]]:
    out = []
    for m in _PART.finditer(dotted):
        raw = m.group(0)
        name = json.loads(raw) if raw.startswith('"') else raw.strip("'")
        out.append((name, base + m.start(), base + m.end()))
    return out


def toml_spans(text: str) -> Spans:
    spans: Spans = {}
    table: tuple[Segment, ...] = ()
    arrays: dict[tuple[Segment, ...], int] = {}
    offset = 0
    depth = 0  # open brackets of a multi-line array value
    fence: str | None = None  # open multi-line string delimiter
    for line in text.splitlines(keepends=True):
        start = offset
        offset += len(line)
        if fence is not None:
            if line.count(fence) % 2 == 1:
                fence = None
            continue
        if depth > 0:
            depth = max(0, depth + line.count("[") - line.count("]"))
            continue
        header = _HEADER.match(line)
        if header and not _ASSIGN.match(line):
            parts = _parts(header.group(2), start + header.start(2))
            keys = tuple(p[0] for p in parts)
            if header.group(1) == "[[":
                n = arrays.get(keys, -1) + 1
                arrays[keys] = n
                table = (*keys, n)
                spans.setdefault(keys, (parts[-1][1], parts[-1][2]))
            else:
                table = keys
            for k in range(1, len(parts) + 1):
                spans.setdefault(keys[:k], (parts[k - 1][1], parts[k - 1][2]))
            if header.group(1) == "[[":
                spans[table] = (parts[-1][1], parts[-1][2])
            continue
        assign = _ASSIGN.match(line)
        if not assign:
            continue
        parts = _parts(assign.group(1), start + assign.start(1))
        for k in range(1, len(parts) + 1):
            key = (*table, *(p[0] for p in parts[:k]))
            spans.setdefault(key, (parts[k - 1][1], parts[k - 1][2]))
        rest = line[assign.end():]
        for delim in ('"""', "'''"):
            if rest.count(delim) % 2 == 1:
                fence = delim
        if fence is None:
            depth = max(0, rest.count("[") - rest.count("]"))
    return spans
