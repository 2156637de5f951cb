"""Invalid UTF-8 as located findings. Text is decoded with ``surrogateescape``: each invalid
byte becomes a lone surrogate (U+DC80–U+DCFF) that the lexer skips; every run of them is one
``parser.stream.decoder_failed`` finding at its byte offset.

One pass: the byte offset of each run is the previous run's plus the UTF-8 width of the text
between them, so a file full of invalid bytes costs time linear in its length (re-encoding the
prefix before each run made a 400 KB Latin-1 file take 19 s). At most ``limit`` findings are
kept; the rest are counted (``IssueList.dropped``)."""

from __future__ import annotations

import re

from reml_lsp.syntax.issues import ITEM_ISSUE_LIMIT, IssueList, IssueNote, SyntaxIssue

_RUN = re.compile("[\udc80-\udcff]+")
_ESCAPED = re.compile("[\udc80-\udcff]")


def utf8_width(seg: str) -> int:
    """UTF-8 bytes of ``seg`` as the file holds them: an escaped invalid byte (U+DC80–U+DCFF)
    is one byte; any other lone surrogate (an editor can send one) counts its 3 bytes."""
    if seg.isascii():
        return len(seg)
    try:
        return len(seg.encode("utf-8", "surrogateescape"))
    except UnicodeEncodeError:
        return len(seg.encode("utf-8", "surrogatepass")) - 2 * len(_ESCAPED.findall(seg))


def decoder_issues(text: str, start: int = 0, limit: int = ITEM_ISSUE_LIMIT) -> IssueList:
    """Findings for the invalid bytes in ``text[start:]`` (offsets are those of ``text``)."""
    out = IssueList(limit=limit)
    if text.isascii():
        return out
    prev = 0
    byte_pos = 0
    for m in _RUN.finditer(text, start):
        i = m.start()
        byte_pos += utf8_width(text[prev:i])
        if len(out) < limit:
            out.append(SyntaxIssue(
                "parser.stream.decoder_failed", "stream.decoder_failed", i, i + 1,
                args=(f"{ord(text[i]) - 0xDC00:02X}", str(byte_pos)),
                notes=[IssueNote("lexer.skip_token", label="decoder")]))
        else:
            out.dropped += 1
        byte_pos += m.end() - i  # one byte per escaped byte
        prev = m.end()
    return out
