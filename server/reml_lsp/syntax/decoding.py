"""Invalid UTF-8 as located findings. Text is decoded with ``surrogateescape``: each invalid
byte becomes a lone surrogate (U+DC80–U+DCFF) that the lexer skips; every run of them is one
``parser.stream.decoder_failed`` finding at its byte offset."""

from __future__ import annotations

from reml_lsp.syntax.issues import IssueNote, SyntaxIssue


def decoder_issues(text: str, start: int = 0) -> list[SyntaxIssue]:
    """Findings for the invalid bytes in ``text[start:]`` (offsets are those of ``text``)."""
    if text.isascii():
        return []
    out: list[SyntaxIssue] = []
    previous = -2
    for i in range(start, len(text)):
        ch = text[i]
        if "\udc80" <= ch <= "\udcff":
            if i != previous + 1:
                byte_pos = len(text[:i].encode("utf-8", "surrogateescape"))
                out.append(SyntaxIssue(
                    "parser.stream.decoder_failed", "stream.decoder_failed", i, i + 1,
                    args=(f"{ord(ch) - 0xDC00:02X}", str(byte_pos)),
                    notes=[IssueNote("lexer.skip_token", label="decoder")]))
            previous = i
    return out
