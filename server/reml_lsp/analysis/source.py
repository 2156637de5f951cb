"""Reading a source file: bytes → text, with invalid UTF-8 reported as located findings
(``DecoderFailed``) instead of an exception; the rest of the file is still analysed."""

from __future__ import annotations

import codecs

from reml_lsp.syntax.decoding import decoder_issues
from reml_lsp.syntax.issues import SyntaxIssue


def decode(data: bytes) -> tuple[str, list[SyntaxIssue]]:
    """Decode UTF-8; each invalid byte becomes a lone surrogate (``surrogateescape``) that the
    lexer skips, and one ``parser.stream.decoder_failed`` finding per invalid sequence."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    text = data.decode("utf-8", "surrogateescape")
    return text, decoder_issues(text)
