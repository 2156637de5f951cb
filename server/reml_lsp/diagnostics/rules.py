"""Per-code help for report formats that describe rules (SARIF ``tool.driver.rules``).

The help says when a code fires and what fixes it, in English (the SARIF reader's UI language is
unknown; the localised message travels with each result). A code without an entry here still
gets a rule: its summary is the catalog message and its help names the domain's documentation,
so rules added elsewhere never produce an invalid or empty report.
"""

from __future__ import annotations

from reml_lsp.diagnostics.catalog import CATALOG, DEFAULT_LOCALE

# code -> (summary, help): the table of docs/syntax.md "Diagnostic codes of the syntax layer".
HELP: dict[str, tuple[str, str]] = {
    "parser.syntax.expected_tokens": (
        "A token the parser cannot take here",
        "The parser met a token that no rule of the grammar accepts at this point. The message "
        "lists the tokens that would be accepted; when one token repairs the input, the fix "
        "inserts it."),
    "parser.unexpected_eof": (
        "The input ends inside a construct",
        "The file ends before a construct is complete (an unclosed `{`, `(`, `[` or a missing "
        "expression). The fix inserts the closers that complete it."),
    "parser.lexer.unknown_token": (
        "Text that no token starts with",
        "A character no Reml token starts with, an unterminated string, character literal or "
        "block comment, or a bidirectional control character (Trojan Source). Remove or "
        "escape it."),
    "parser.stream.decoder_failed": (
        "Invalid UTF-8",
        "Reml source is UTF-8; the file holds an invalid byte sequence at the reported byte. "
        "Re-save the file as UTF-8."),
    "parser.syntax.chained_comparison": (
        "Chained comparison",
        "Comparison operators are non-associative (`a < b < c` is an error, spec 2-5 E2001). "
        "Write `a < b && b < c`; the fix inserts `&& b`."),
    "parser.syntax.missing_separator": (
        "Two statements on one line",
        "Statements are separated by a newline or `;` (spec 1-1 §B.3): `let a = 1 2` and "
        "`g() h()` are errors. The fix inserts `;`."),
    "parser.syntax.assign_eq": (
        "Assignment written `=`",
        "The spec writes assignment `target := value` (1-1); the reference compiler also "
        "accepts `=`. The fix replaces `=` with `:=`."),
    "pattern.guard.if_deprecated": (
        "`if` match guard",
        "Match guards are written `when cond` (spec 1-5 MatchGuard); `if` is accepted but "
        "deprecated. The fix replaces `if` with `when`."),
    "effects.handler.missing_with": (
        "`with` missing in `handle … with handler`",
        "A `handle expr` must be followed by `with` before the handler. The fix inserts `with`."),
    "cli.input.not_found": (
        "Input not found",
        "`reml-run lint` was given a path that does not exist (exit code 4)."),
    "cli.input.unreadable": (
        "Input not readable",
        "`reml-run lint` could not read an input (permissions, a folder where a file was "
        "expected; exit code 4)."),
}

DOCS = {"parser": "docs/syntax.md", "config": "docs/runtime-config.md", "cli": "README.md"}


def rule_help(code: str, message_key: str, locale: str = DEFAULT_LOCALE) -> tuple[str, str]:
    """(short summary, help text) for ``code``."""
    if code in HELP:
        return HELP[code]
    template = (CATALOG.get(locale) or {}).get(message_key) or CATALOG[DEFAULT_LOCALE].get(
        message_key)
    summary = template or code
    domain = code.split(".", 1)[0]
    where = DOCS.get(domain, "README.md")
    return summary, f"{summary}. See {where} in reml-lsp for the `{domain}` diagnostics."
