"""Human output of diagnostics: ``file:line:col: severity[code]: message``, the source line and
an underline that stays under the right characters with CJK, emoji and combining marks."""

from __future__ import annotations

import re
import unicodedata

from reml_lsp.cli.color import Paint, plain
from reml_lsp.diagnostics.model import Diagnostic


def char_width(ch: str, prev: str | None) -> int:
    """Terminal cells of one code point inside a line."""
    cp = ord(ch)
    if prev == "\u200d" or cp in (0x200D, 0xFE0F, 0xFE0E) or 0x1F3FB <= cp <= 0x1F3FF:
        return 0  # joined into the previous grapheme (ZWJ sequences, variation, skin tone)
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    if ch == "\t":
        return 4
    if unicodedata.east_asian_width(ch) in ("W", "F") or 0x1F000 <= cp <= 0x1FAFF:
        return 2
    return 1


def display_width(s: str) -> int:
    total = 0
    prev = None
    for ch in s:
        total += char_width(ch, prev)
        prev = ch
    return total


_UNSHOWABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown_line(line: str) -> str:
    """The source line as echoed: tabs as 4 spaces, invalid bytes and control characters as
    U+FFFD (one cell, like the character it stands for), bidi controls dropped (zero width),
    so the output is valid UTF-8 and the underline stays aligned."""
    line = line.removesuffix("\r").replace("\t", "    ")
    if line.isascii() and line.isprintable():
        return line
    return _BIDI.sub("", _UNSHOWABLE.sub("\ufffd", line))


def render(diag: Diagnostic, line_text: str | None, paint: Paint = plain) -> str:
    """``paint(role, text)`` colours the severity, line number and pointer (cli/color.py)."""
    loc = diag.location
    sev = diag.severity.value
    head = (f"{loc.file}:{loc.line}:{loc.column}: {paint(sev, f'{sev}[{diag.code}]')}: "
            f"{diag.message}")
    lines = [head]
    if line_text is not None:
        shown = _shown_line(line_text)
        col0 = loc.column - 1
        end0 = loc.end_column - 1 if loc.end_line == loc.line else len(line_text)
        pad = display_width(line_text[:col0])
        width = max(1, display_width(line_text[col0:end0]))
        gutter = f"{loc.line:>5} | "
        lines.append(f"{paint('line_number', gutter)}{shown}")
        lines.append(paint("line_number", " " * (len(gutter) - 2) + "| ") + " " * pad
                     + paint(sev, "^" + "~" * (width - 1)))
    for note in diag.notes:
        if note.label == "recover.expected_tokens":
            continue
        where = f" ({note.location.line}:{note.location.column})" if note.location else ""
        lines.append(f"      = note{where}: {note.message}")
    for fix in diag.fixits:
        lines.append(f"      = help: {fix.title or fix.kind} at {fix.location.line}:"
                     f"{fix.location.column}" if fix.location else f"      = help: {fix.kind}")
    return "\n".join(lines)


def render_table(diagnostics: list[Diagnostic]) -> str:
    """One row per diagnostic, columns padded by display width (CJK-safe)."""
    header = ("location", "severity", "code", "message")
    rows = [header] + [
        (f"{d.location.file}:{d.location.line}:{d.location.column}", d.severity.value, d.code,
         d.message) for d in diagnostics]
    widths = [max(display_width(r[i]) for r in rows) for i in range(3)]

    def line(row: tuple[str, ...]) -> str:
        cells = [c + " " * (w - display_width(c)) for c, w in zip(row[:3], widths, strict=True)]
        return "  ".join([*cells, row[3]]).rstrip()

    return "\n".join(line(r) for r in rows)
