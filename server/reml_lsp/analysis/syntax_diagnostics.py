"""Syntax findings → localised ``Diagnostic`` objects (one code path for the CLI and the server)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.audit_id import Anchor, FindingIds
from reml_lsp.diagnostics.catalog import humanize, message, quote
from reml_lsp.diagnostics.model import (
    Alternative,
    Diagnostic,
    Expectation,
    FixIt,
    Location,
    Note,
    Severity,
    Span,
)
from reml_lsp.diagnostics.text import message_arg
from reml_lsp.syntax import tokens as T
from reml_lsp.syntax.issues import SyntaxIssue

MESSAGE_LIMIT = 8  # alternatives named in the one-line message; all are in ``expected``


_EXPR_LABELS = frozenset(T.label(t)[0] for t in T.EXPR_START_SET)
_EXPR_CORE = frozenset(("identifier", "integer-literal", "(", "if", "match"))
_PATTERN_LABELS = frozenset(T.label(t)[0] for t in T.PATTERN_START) | {"..=", ".."}
_PATTERN_CORE = frozenset(("identifier", "integer-literal", "(", "[", "{"))


def _short_expected(items: list[tuple[str, str]], locale: str) -> str:
    """The one-line form of a long expected set: every way to start an expression is said as
    "an expression" (``expected.alternatives`` keeps the full list)."""
    labels = {lab for lab, _ in items}
    if len(items) <= MESSAGE_LIMIT:
        return humanize(items, locale, MESSAGE_LIMIT)
    if _EXPR_CORE <= labels:
        group, key = _EXPR_LABELS, "expr.an_expression"
    elif _PATTERN_CORE <= labels:
        group, key = _PATTERN_LABELS, "expr.a_pattern"
    else:
        return humanize(items, locale, MESSAGE_LIMIT)
    rest = [quote(lab, kind, locale) for lab, kind in items if lab not in group]
    word = message(key, locale)
    if not rest:
        return message("parse.expected.one", locale, (word,))
    sep = "、" if locale == "ja-JP" else ", "
    return message("parse.expected.group", locale, (word, sep.join(rest)))


def _fix_title(kind: str, text: str) -> str:
    if kind == "insert":
        return f"insert `{text.strip()}`"
    if kind == "replace":
        return f"replace with `{text}`"
    return "delete"


class DiagnosticBuilder:
    def __init__(self, *, index: LineIndex, file: str, rel_path: str, locale: str,
                 stream_meta: dict | None = None, anchors: Sequence[Anchor] = ()) -> None:
        self.index = index
        self.file = file
        self.rel_path = rel_path
        # build() is called in report order: the occurrence numbers of the ids follow it
        self.ids = FindingIds(rel_path, index.text, index.line_col, anchors)
        self.locale = locale
        self.stream_meta = stream_meta

    def location(self, start: int, end: int) -> Location:
        l1, c1 = self.index.line_col(start)
        l2, c2 = self.index.line_col(end)
        return Location(self.file, l1, c1, l2, c2)

    def span(self, start: int, end: int) -> Span:
        return Span(self.index.byte_offset(start), self.index.byte_offset(end))

    def build(self, issue: SyntaxIssue) -> Diagnostic:
        loc = self.locale
        span = self.span(issue.start, issue.end)
        items = [T.label(term) for term in issue.expected]
        expected = None
        notes: list[Note] = []
        # Source text in arguments: shortened by grapheme clusters, escaped (valid UTF-8 out).
        args = list(issue.args) if issue.key == "lexer.bidi_control" else [
            message_arg(a) for a in issue.args]
        if issue.key in ("parse.unexpected_token", "parse.unexpected_eof"):
            context = (message(issue.context, loc, self._context_args(issue))
                       if issue.context else None)
            humanized = humanize(items, loc)
            expected = Expectation(
                message_key="parse.expected" if items else "parse.expected.empty",
                locale_args=[lab for lab, _ in items],
                humanized=humanized,
                alternatives=[Alternative(lab, lab, kind, kind) for lab, kind in items],
                context_note=context,
            )
            found = args[0] if args else ""
            shown = f"`{found}`" if issue.key == "parse.unexpected_token" else ""
            args = [shown, context or _short_expected(items, loc)]
            notes.append(Note("recover.expected_tokens", humanized))
        elif issue.key.startswith("lexer.") and args:
            args = [f"`{a}`" if issue.key == "lexer.unknown_token" else f"{ord(a[0]):04X}"
                    for a in args]
        for note in issue.notes:
            note_span = note_loc = None
            if note.start is not None and note.end is not None:
                note_span = self.span(note.start, note.end)
                note_loc = self.location(note.start, note.end)
            notes.append(Note(note.label, message(note.key, loc, self._note_args(note.args)),
                              note_span, note_loc))
        fixits = [
            FixIt(fix.kind, self.span(fix.start, fix.end), fix.text,
                  self.location(fix.start, fix.end),
                  title=_fix_title(fix.kind, fix.text))
            for fix in issue.fixes
        ]
        return Diagnostic(
            code=issue.code,
            severity=Severity(issue.severity),
            message=message(issue.key, loc, args),
            message_key=issue.key,
            locale=loc,
            domain="parser",
            span=span,
            location=self.location(issue.start, issue.end),
            locale_args=[str(a) for a in args],
            expected=expected,
            notes=notes,
            fixits=fixits,
            audit_id=self.ids.audit_id(issue.code, issue.start, issue.end),
            stream_meta=self.stream_meta,
        )

    @staticmethod
    def _note_args(args: Iterable[str]) -> list[str]:
        return [f"`{message_arg(a)}`" for a in args]

    def _context_args(self, issue: SyntaxIssue) -> list[str]:
        for note in issue.notes:
            if note.key == "note.unclosed":
                return self._note_args(note.args)
        return []
