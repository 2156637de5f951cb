"""Offsets ↔ positions for one text: code-point offsets (Python str indices), UTF-8 byte
offsets (diagnostic spans), 1-based line/column in code points (humans), and the LSP encodings
(UTF-16 code units by default, UTF-8 or UTF-32 when negotiated).

A ``LineIndex`` follows the edits of its text (``edit``): the line starts are spliced around the
edited range and the rest shifted, so an edit costs one pass over the line starts after it, not
a new scan of the text. Byte offsets need no per-line table: a line's byte start is its
code-point start plus the extra UTF-8 bytes of the non-ASCII lines before it, and only those
lines are recorded (``_wide``), so an ASCII text keeps nothing at all.

Within a long non-ASCII line, widths are taken from per-line checkpoints every ``_BLOCK`` code
points (built on first use, dropped on edit), so N positions on a 1 MB line cost O(N·_BLOCK),
not O(N·line).
"""

from __future__ import annotations

import bisect

from reml_lsp.syntax.decoding import utf8_width

_BLOCK = 512  # code points between width checkpoints on a long line


def _utf8_extra(seg: str) -> int:
    """UTF-8 bytes of ``seg`` beyond one per code point (the byte width the spans use)."""
    if seg.isascii():
        return 0
    return utf8_width(seg) - len(seg)


class LineIndex:
    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *_newline_ends(text, 0)]
        # Non-ASCII lines: their start offsets, and the extra UTF-8 bytes of every line up to
        # and including each of them (so ``_wide_cum[k] - _wide_cum[k-1]`` is line k's extra).
        self._wide: list[int] = []
        self._wide_cum: list[int] = []
        if not text.isascii():
            self._wide, self._wide_cum = self._scan_wide(0, len(self.starts), 0)
        # (line start, encoding) -> cumulative width of the line at every _BLOCK code points
        self._blocks: dict[tuple[int, str], list[int]] = {}

    def _scan_wide(self, first: int, stop: int, base: int) -> tuple[list[int], list[int]]:
        """Wide-line entries for lines ``first <= line < stop``, cumulated from ``base``."""
        starts, text = self.starts, self.text
        wide: list[int] = []
        cum: list[int] = []
        total = base
        for line in range(first, stop):
            start = starts[line]
            end = starts[line + 1] if line + 1 < len(starts) else len(text)
            extra = _utf8_extra(text[start:end])
            if extra:
                total += extra
                wide.append(start)
                cum.append(total)
        return wide, cum

    # -- edits -----------------------------------------------------------------------------
    def edit(self, start: int, end: int, new_text: str, text: str | None = None) -> None:
        """Follow ``text[start:end] = new_text`` (code-point offsets into the current text).

        ``text`` may hand over the new full text when the caller has already built it."""
        old = self.text
        start = max(0, min(start, len(old)))
        end = max(start, min(end, len(old)))
        if text is None:
            text = old[:start] + new_text + old[end:]
        delta = len(new_text) - (end - start)
        starts = self.starts
        first_line = bisect.bisect_right(starts, start) - 1  # the line of ``start``
        i = first_line + 1  # the first line start after ``start``
        j = bisect.bisect_right(starts, end, lo=i)  # the first line start after ``end``
        line_start = starts[first_line]
        tail_start = starts[j] if j < len(starts) else len(old) + 1  # first untouched line
        added = _newline_ends(new_text, start)
        if delta:
            starts[i:] = [*added, *[s + delta for s in starts[j:]]]
        elif j > i or added:
            starts[i:j] = added
        self.text = text
        self._blocks.clear()

        wide = self._wide
        if not wide and new_text.isascii():
            return  # still no non-ASCII line (the edited lines were ASCII and stay ASCII)
        cum = self._wide_cum
        lo = bisect.bisect_left(wide, line_start)  # wide lines before the edited ones: kept
        hi = bisect.bisect_left(wide, tail_start, lo=lo)  # from here on: shifted
        base = cum[lo - 1] if lo else 0
        old_extra = (cum[hi - 1] if hi > lo else base) - base
        mid_wide, mid_cum = self._scan_wide(first_line, i + len(added), base)
        new_extra = (mid_cum[-1] if mid_cum else base) - base
        shift = new_extra - old_extra
        wide[lo:] = [*mid_wide, *[w + delta for w in wide[hi:]]]
        cum[lo:] = [*mid_cum, *[c + shift for c in cum[hi:]]]

    # -- lines -----------------------------------------------------------------------------
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
    def _extra_before(self, line_start: int) -> int:
        """Extra UTF-8 bytes (beyond one per code point) of the lines before this one."""
        k = bisect.bisect_left(self._wide, line_start)
        return self._wide_cum[k - 1] if k else 0

    def _byte_start(self, line: int) -> int:
        start = self.starts[line]
        return start + self._extra_before(start) if self._wide else start

    def byte_offset(self, offset: int) -> int:
        line = self.line_of(offset)
        return self._byte_start(line) + self._width(line, offset, "bytes")

    def _width(self, line: int, offset: int, encoding: str) -> int:
        """Width of ``text[line start:offset]`` in ``encoding`` units (``bytes``: the UTF-8
        bytes of the file, an invalid byte counting one)."""
        start = self.starts[line]
        if offset - start <= _BLOCK:
            return unit_length(self.text[start:offset], encoding)
        key = (start, encoding)
        blocks = self._blocks.get(key)
        if blocks is None:
            blocks = self._blocks[key] = self._line_blocks(line, encoding)
        k = min((offset - start) // _BLOCK, len(blocks) - 1)
        return blocks[k] + unit_length(self.text[start + k * _BLOCK:offset], encoding)

    def _line_blocks(self, line: int, encoding: str) -> list[int]:
        start = self.starts[line]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        text = self.text
        out = [0]
        total = 0
        for b in range(start, end - _BLOCK + 1, _BLOCK):
            total += unit_length(text[b:b + _BLOCK], encoding)
            out.append(total)
        return out

    def offset_of_byte(self, byte: int) -> int:
        if self._wide:
            line = bisect.bisect_right(range(len(self.starts)), byte, key=self._byte_start) - 1
        else:
            line = bisect.bisect_right(self.starts, byte) - 1
        start = self.starts[line]
        remaining = byte - self._byte_start(line)
        text = self.text
        i = start
        while remaining > 0 and i < len(text):
            remaining -= utf8_width(text[i])
            i += 1
        return i

    # -- LSP encodings ---------------------------------------------------------------------
    def to_lsp(self, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
        """0-based (line, character) in the negotiated encoding."""
        line = self.line_of(offset)
        return line, self._width(line, offset, encoding)

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


def _newline_ends(text: str, base: int) -> list[int]:
    """``base`` + the offset right after each newline of ``text`` (the line starts it adds)."""
    out: list[int] = []
    find = text.find
    pos = find("\n")
    while pos >= 0:
        out.append(base + pos + 1)
        pos = find("\n", pos + 1)
    return out


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
    if encoding == "bytes":
        return utf8_width(s)
    if encoding == "utf-8":
        return len(s.encode("utf-8", "surrogatepass"))
    return len(s.encode("utf-16-le", "surrogatepass")) // 2
