"""The per-file diagnostics cap shared by the CLI (``lint --max-diagnostics``) and the server
(``reml.diagnostics.maxPerFile``): the first N findings by position, then one summary finding
(``diagnostics.truncated``) saying how many more there are, as compilers do ("too many errors").

Memory stays bounded before the cap applies: the syntax layer keeps at most
``ITEM_ISSUE_LIMIT`` findings per item and counts the rest, and only the first N syntax findings
are turned into ``Diagnostic`` objects (``first_issues``)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable

import attrs

from reml_lsp.analysis.positions import LineIndex
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.issues import SyntaxIssue

DEFAULT_MAX_DIAGNOSTICS = 200
TRUNCATED_CODE = "diagnostics.truncated"


def _key(issue: SyntaxIssue) -> tuple[int, int, str]:
    return issue.start, issue.end, issue.code


@attrs.define
class Capped:
    issues: list[SyntaxIssue]  # the findings to report, in position order
    suppressed: int  # findings beyond the cap (counted, some never kept)
    first_suppressed: int | None  # offset of the first one not shown, when known


def first_issues(issues: Iterable[SyntaxIssue], limit: int, dropped: int = 0) -> Capped:
    """The first ``limit`` findings by position (every one when ``limit`` is 0); ``dropped``:
    findings the syntax layer counted without keeping them."""
    found = list(issues)
    if limit <= 0 or len(found) <= limit:
        at = None if not dropped or not found else max(i.start for i in found)
        return Capped(sorted(found, key=_key), dropped, at)
    head = heapq.nsmallest(limit + 1, found, key=_key)
    return Capped(head[:limit], dropped + len(found) - limit, head[limit].start)


def cap_diagnostics(diagnostics: list[Diagnostic], limit: int, capped: Capped, index: LineIndex,
                    summary: Callable[[int, int], Diagnostic]) -> list[Diagnostic]:
    """Trim the final list (syntax findings, then the others) to ``limit`` and append the
    summary; ``summary(count, offset)`` builds it at the first finding not shown."""
    suppressed = capped.suppressed
    at = capped.first_suppressed
    if limit > 0 and len(diagnostics) > limit:
        suppressed += len(diagnostics) - limit
        if at is None:
            loc = diagnostics[limit].location
            at = index.starts[loc.line - 1] + loc.column - 1 if loc.line - 1 < len(
                index.starts) else len(index.text)
        diagnostics = diagnostics[:limit]
    if not suppressed:
        return diagnostics
    return [*diagnostics, summary(suppressed, len(index.text) if at is None else at)]
