"""Flattened key paths: ``service.features[1]``, ``limits["a.b"]``, ``$`` for the root.

A key that is a plain identifier (``[A-Za-z_][A-Za-z0-9_-]*``) is written after a dot; any other key
is written as a JSON string in brackets, so every path parses back to the same segments.
"""

from __future__ import annotations

import json
import re

from reml_lsp.config.errors import ConfigError

MAX_PARTS = 129  # config/depth.py's MAX_DEPTH + 1: a leaf under the deepest container

Segment = str | int
ROOT = "$"
WILDCARD = "*"  # schema field paths only: ``ports[*]`` matches every element

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")


def format_path(segments: tuple[Segment, ...] | list[Segment]) -> str:
    if not segments:
        return ROOT
    out: list[str] = []
    for seg in segments:
        if isinstance(seg, int):
            out.append(f"[{seg}]")
        elif _IDENT.fullmatch(seg):
            out.append(f".{seg}" if out else seg)
        else:
            out.append(f"[{json.dumps(seg, ensure_ascii=False)}]")
    return "".join(out)


def parse_path(text: str, *, allow_wildcard: bool = False) -> tuple[Segment, ...]:
    """Inverse of :func:`format_path`; raises ``config.path.invalid`` on malformed input."""
    if text == ROOT:
        return ()
    segs: list[Segment] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "[":
            close = _bracket_end(text, i)
            inner = text[i + 1 : close]
            if inner.isdigit():
                segs.append(int(inner))
            elif allow_wildcard and inner in ("*", ""):
                segs.append(WILDCARD)
            elif inner.startswith('"'):
                try:
                    segs.append(json.loads(inner))
                except json.JSONDecodeError as exc:
                    raise _bad(text, f"bad quoted key: {exc.msg}") from None
            else:
                raise _bad(text, f"bad index {inner!r}")
            i = close + 1
            if len(segs) > MAX_PARTS:
                raise _bad(text[:80] + "…", f"more than {MAX_PARTS} parts")
            continue
        if ch == ".":
            if not segs:
                raise _bad(text, "leading '.'")
            i += 1
        elif segs:
            raise _bad(text, f"unexpected {ch!r} at {i}")
        m = _IDENT.match(text, i)
        if not m:
            raise _bad(text, f"expected a key at {i}")
        segs.append(m.group(0))
        i = m.end()
        if len(segs) > MAX_PARTS:  # deeper than any config may nest (config/depth.py)
            raise _bad(text[:80] + "…", f"more than {MAX_PARTS} parts")
    if not segs:
        raise _bad(text, "empty path")
    return tuple(segs)


def _bracket_end(text: str, start: int) -> int:
    i = start + 1
    if i < len(text) and text[i] == '"':
        i += 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                break
            i += 1
        i += 1
    close = text.find("]", i)
    if close < 0:
        raise _bad(text, "unclosed '['")
    return close


def _bad(text: str, why: str) -> ConfigError:
    return ConfigError("config.path.invalid", f"invalid key path {text!r}: {why}", path=text)


def sort_key(segments: tuple[Segment, ...]) -> tuple[tuple[int, int | str], ...]:
    """Order paths by segment, indices numerically (``[2]`` before ``[10]``)."""
    return tuple((1, s) if isinstance(s, int) else (0, s) for s in segments)


def is_under(segments: tuple[Segment, ...], prefix: tuple[Segment, ...]) -> bool:
    """True when ``segments`` is ``prefix`` or below it (``*`` in ``prefix`` matches any index)."""
    if len(segments) < len(prefix):
        return False
    for seg, pat in zip(segments, prefix, strict=False):
        if pat == WILDCARD:
            if not isinstance(seg, int):
                return False
        elif seg != pat or type(seg) is not type(pat):
            return False
    return True
