"""Source text shown inside messages: shortened by user-perceived characters (grapheme clusters,
so an emoji sequence or a letter with its combining marks is never split) and made printable
(invalid bytes, control and bidirectional characters escaped), so every output encodes to valid
UTF-8 and a message cannot reorder or hide text in a terminal or an editor.

The cluster rules are the parts of UAX #29 that matter for shortening: CR LF, combining marks
and other extenders, ZWJ sequences, emoji modifiers and variation selectors, regional-indicator
pairs, and Hangul jamo sequences."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

ELLIPSIS = "…"
ARG_CLUSTERS = 24  # clusters of source text kept in a message argument

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    """Whether ``ch`` attaches to the cluster before it (Extend, SpacingMark, modifiers)."""
    cp = ord(ch)
    if ch == _ZWJ or 0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF \
            or 0xE0020 <= cp <= 0xE007F or 0xE0100 <= cp <= 0xE01EF:
        return True
    if cp < 0x300:
        return False
    return unicodedata.category(ch) in ("Mn", "Me", "Mc")


def _regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _hangul_joins(prev: str, ch: str) -> bool:
    """L+(L|V|LV|LVT), (LV|V)+(V|T), (LVT|T)+T, with precomposed syllables as LV/LVT."""
    p, c = ord(prev), ord(ch)
    lead = 0x1100 <= p <= 0x115F or 0xA960 <= p <= 0xA97C
    vowel = 0x1160 <= c <= 0x11A7 or 0xD7B0 <= c <= 0xD7C6
    trail = 0x11A8 <= c <= 0x11FF or 0xD7CB <= c <= 0xD7FB
    syllable = 0xAC00 <= c <= 0xD7A3
    if lead:
        return vowel or syllable or 0x1100 <= c <= 0x115F or 0xA960 <= c <= 0xA97C
    p_syllable = 0xAC00 <= p <= 0xD7A3
    p_lv = p_syllable and (p - 0xAC00) % 28 == 0
    p_vowel = 0x1160 <= p <= 0x11A7 or 0xD7B0 <= p <= 0xD7C6
    p_trail = 0x11A8 <= p <= 0x11FF or 0xD7CB <= p <= 0xD7FB
    if p_lv or p_vowel:
        return vowel or trail
    if (p_syllable and not p_lv) or p_trail:
        return trail
    return False


def graphemes(text: str) -> Iterator[str]:
    """The grapheme clusters of ``text``, lazily (a long text is not scanned past the need)."""
    n = len(text)
    i = 0
    while i < n:
        j = i + 1
        if text[i] == "\r" and j < n and text[j] == "\n":
            yield text[i:j + 1]
            i = j + 1
            continue
        regional = _regional(text[i])
        while j < n:
            ch = text[j]
            prev = text[j - 1]
            if ch in "\r\n" or prev in "\r\n":
                break
            if _extends(ch) or (prev == _ZWJ and ord(ch) > 0x7F):
                j += 1
                continue
            if regional and _regional(ch) and j == i + 1:
                j += 1
                continue
            if _hangul_joins(prev, ch):
                j += 1
                continue
            break
        yield text[i:j]
        i = j


def shorten(text: str, limit: int = ARG_CLUSTERS) -> str:
    """``text`` if it has at most ``limit`` clusters, else the first ``limit - 1`` and ``…``."""
    if len(text) <= limit:
        return text
    out: list[str] = []
    for cluster in graphemes(text):
        out.append(cluster)
        if len(out) > limit:
            return "".join(out[:limit - 1]) + ELLIPSIS
    return text


def _escape(ch: str) -> str:
    cp = ord(ch)
    if 0xDC80 <= cp <= 0xDCFF:
        return f"\\x{cp - 0xDC00:02X}"  # an invalid byte, decoded with surrogateescape
    if 0xD800 <= cp <= 0xDFFF:
        return "\ufffd"
    return f"\\u{{{cp:X}}}"


def printable(text: str) -> str:
    """``text`` with invalid bytes shown as ``\\xFF``, control and bidi characters as
    ``\\u{…}`` (Reml's escape), and other lone surrogates as U+FFFD: always valid UTF-8."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if _needs_escape(ch) else ch for ch in text)


def _needs_escape(ch: str) -> bool:
    cp = ord(ch)
    return cp < 0x20 or cp == 0x7F or 0x80 <= cp < 0xA0 or 0xD800 <= cp <= 0xDFFF \
        or ch in _BIDI


def message_arg(text: str, limit: int = ARG_CLUSTERS) -> str:
    """Source text as a message argument: shortened by clusters, then made printable."""
    return printable(shorten(text, limit))
