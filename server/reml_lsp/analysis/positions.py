"""Offsets ↔ positions for one text: code-point offsets (Python str indices), UTF-8 byte
offsets (diagnostic spans), 1-based line/column in code points (humans), and the LSP encodings
(UTF-16 code units by default, UTF-8 or UTF-32 when negotiated)."""

from __future__ import annotations

import bisect


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos >= 0:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts
        self._byte_starts: list[int] | None = None

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_of(self, offset: int) -> int:
        """0-based line of a code-point offset."""
        return bisect.bisect_right(self.starts, offset) - 1

    def line_text(self, line: int) -> str:
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) with the column counted in code points."""
        line = self.line_of(offset)
        return line + 1, offset - self.starts[line] + 1

    # -- bytes -----------------------------------------------------------------------------
    def _bytes_before_lines(self) -> list[int]:
        if self._byte_starts is None:
            out = [0]
            total = 0
            text = self.text
            for i in range(1, len(self.starts)):
                seg = text[self.starts[i - 1]:self.starts[i]]
                total += len(seg) if seg.isascii() else len(seg.encode("utf-8", "surrogateescape"))
                out.append(total)
            self._byte_starts = out
        return self._byte_starts

    def byte_offset(self, offset: int) -> int:
        line = self.line_of(offset)
        start = self.starts[line]
        seg = self.text[start:offset]
        width = len(seg) if seg.isascii() else len(seg.encode("utf-8", "surrogateescape"))
        return self._bytes_before_lines()[line] + width

    def offset_of_byte(self, byte: int) -> int:
        line = bisect.bisect_right(self._bytes_before_lines(), byte) - 1
        start = self.starts[line]
        remaining = byte - self._bytes_before_lines()[line]
        text = self.text
        i = start
        while remaining > 0 and i < len(text):
            remaining -= len(text[i].encode("utf-8", "surrogateescape"))
            i += 1
        return i

    # -- LSP encodings ---------------------------------------------------------------------
    def to_lsp(self, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
        """0-based (line, character) in the negotiated encoding."""
        line = self.line_of(offset)
        seg = self.text[self.starts[line]:offset]
        return line, unit_length(seg, encoding)

    def from_lsp(self, line: int, character: int, encoding: str = "utf-16") -> int:
        """Code-point offset of an LSP position (clamped to the line, as the spec asks)."""
        if line >= len(self.starts):
            return len(self.text)
        if line < 0:
            return 0
        start = self.starts[line]
        line_text = self.line_text(line)
        if encoding == "utf-32" or line_text.isascii():
            return start + min(character, len(line_text))
        units = 0
        for i, ch in enumerate(line_text):
            if units >= character:
                return start + i
            units += char_units(ch, encoding)
        return start + len(line_text)


def char_units(ch: str, encoding: str) -> int:
    if encoding == "utf-32":
        return 1
    cp = ord(ch)
    if encoding == "utf-8":
        return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4
    return 2 if cp > 0xFFFF else 1


def unit_length(s: str, encoding: str) -> int:
    if encoding == "utf-32" or s.isascii():
        return len(s)
    if encoding == "utf-8":
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)
