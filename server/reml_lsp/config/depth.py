"""A nesting limit for config values, checked before anything recursive sees them.

``tomllib`` and ``json`` parse nested arrays/tables by recursion, and so do the walks after them
(flatten, compare, validate, canonical JSON), so ``a = [[[[…]]]]`` 100 000 deep used to end in a
``RecursionError``; a 100 000-part dotted key made ``tomllib`` quadratic. The text is scanned
first, iteratively, in one pass (strings and comments skipped), and the first bracket or key part
past :data:`MAX_DEPTH` is reported with its offset; :func:`value_depth_path` checks the parsed
value too (table headers plus dotted keys plus brackets can add up past the limit).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reml_lsp.config.paths import Segment

MAX_DEPTH = 128  # far deeper than any real config; well inside the interpreter's stack

_JSON_NEXT = re.compile(r'[\[{\]}"]')
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_TOML_NEXT = re.compile(r"""[\[{\]}"'#=.,\n]""")
_TOML_STRINGS = {
    '"""': re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""("{0,2})', re.S),
    "'''": re.compile(r"'''(?:[^']|'(?!''))*'''('{0,2})", re.S),
    '"': re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    "'": re.compile(r"'[^'\n]*'"),
}


# A document that wraps configs (a runtime state, a rollback stack) nests them this much deeper.
WRAPPER_DEPTH = MAX_DEPTH + 8


def text_too_deep(text: str, fmt: str) -> int | None:
    """The code-point offset of the first bracket (or TOML key part) past :data:`MAX_DEPTH`, or
    ``None``. Unterminated strings end the scan: the parser reports those better."""
    return _toml(text) if fmt == "toml" else _json(text)


def _json(text: str, limit: int = MAX_DEPTH) -> int | None:
    depth, i, n = 0, 0, len(text)
    while i < n:
        m = _JSON_NEXT.search(text, i)
        if m is None:
            return None
        ch, i = m.group(), m.end()
        if ch == '"':
            s = _JSON_STRING.match(text, m.start())
            if s is None:
                return None
            i = s.end()
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return m.start()
        else:
            depth = max(depth - 1, 0)
    return None


def _toml(text: str) -> int | None:
    opened: list[str] = []  # open [ and { of values (and of the header being read)
    parts = 1  # parts of the key being read (a.b.c = 3 parts)
    in_key = True  # at a key position: line start, after '{' or ',' inside an inline table
    i, n = 0, len(text)
    while i < n:
        m = _TOML_NEXT.search(text, i)
        if m is None:
            return None
        ch, i = m.group(), m.end()
        if ch in "\"'":
            fence = ch * 3 if text.startswith(ch * 3, m.start()) else ch
            s = _TOML_STRINGS[fence].match(text, m.start())
            if s is None:
                return None
            i = s.end()
        elif ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
        elif ch == "\n":
            if not opened:
                in_key, parts = True, 1
        elif ch == ".":
            if in_key:
                parts += 1
                if len(opened) + parts > MAX_DEPTH:
                    return m.start()
        elif ch == "=":
            in_key, parts = False, 1
        elif ch in "[{":
            opened.append(ch)
            if len(opened) > MAX_DEPTH:
                return m.start()
            in_key, parts = ch == "{" or in_key, 1
        elif ch == ",":  # a key follows in an inline table, a value in an array
            in_key, parts = bool(opened) and opened[-1] == "{", 1
        elif opened:
            opened.pop()
    return None


def wrapper_too_deep(text: str) -> bool:
    """Whether a JSON document that holds configs nests past :data:`WRAPPER_DEPTH`."""
    return _json(text, WRAPPER_DEPTH) is not None


def value_depth_path(value: Any) -> tuple[Segment, ...] | None:
    """The path of the first container nested past :data:`MAX_DEPTH`, or ``None``; iterative."""
    # Each entry links to its parent's entry, so a wide and deep value costs O(nodes), not
    # O(nodes × depth) path tuples; the path is spelt out only when one is found.
    stack: list[tuple[Any, int, Any]] = [(value, 0, None)] if isinstance(value, dict | list) else []
    while stack:
        node, depth, link = stack.pop()
        if depth > MAX_DEPTH:
            path: list[Segment] = []
            while link is not None:
                link, seg = link
                path.append(seg)
            return tuple(reversed(path))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((child, depth + 1, (link, k if isinstance(k, int) else str(k)))
                     for k, child in items if isinstance(child, dict | list))
    return None


def too_deep_message(where: str) -> str:
    return f"{where}: nested more than {MAX_DEPTH} levels deep"
