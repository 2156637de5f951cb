"""Reading a source file: bytes → text, with invalid UTF-8 reported as located findings
(``DecoderFailed``) instead of an exception; the rest of the file is still analysed."""

from __future__ import annotations

import codecs

from reml_lsp.syntax.issues import IssueNote, SyntaxIssue


def decode(data: bytes) -> tuple[str, list[SyntaxIssue]]:
    """Decode UTF-8; each invalid byte becomes a lone surrogate (``surrogateescape``) that the
    lexer skips, and one ``parser.stream.decoder_failed`` finding per invalid sequence."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    text = data.decode("utf-8", "surrogateescape")
    issues: list[SyntaxIssue] = []
    if text.isascii():
        return text, issues
    previous = -2
    for i, ch in enumerate(text):
        if "\udc80" <= ch <= "\udcff":
            if i != previous + 1:
                byte_pos = len(text[:i].encode("utf-8", "surrogateescape"))
                issues.append(SyntaxIssue(
                    "parser.stream.decoder_failed", "stream.decoder_failed", i, i + 1,
                    args=(f"{ord(ch) - 0xDC00:02X}", str(byte_pos)),
                    notes=[IssueNote("lexer.skip_token", label="decoder")]))
            previous = i
    return text, issues
