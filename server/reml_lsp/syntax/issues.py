"""Syntax findings as the syntax layer reports them: char offsets, a code, a message key and its
arguments. The analysis layer turns them into localised ``Diagnostic`` objects."""

from __future__ import annotations

import attrs


@attrs.define(slots=True)
class IssueNote:
    key: str  # message key of the note (localised later)
    args: tuple[str, ...] = ()
    start: int | None = None  # char offsets of the place the note points at
    end: int | None = None
    label: str | None = None


@attrs.define(slots=True)
class IssueFix:
    kind: str  # insert | replace | delete
    start: int
    end: int
    text: str = ""


@attrs.define(slots=True)
class SyntaxIssue:
    code: str
    key: str  # message key
    start: int  # char offsets (absolute in the text that was parsed)
    end: int
    severity: str = "error"
    args: tuple[str, ...] = ()
    expected: tuple[str, ...] = ()  # terminal names, already summarised for humans
    context: str | None = None  # message key of a context note
    notes: list[IssueNote] = attrs.Factory(list)
    fixes: list[IssueFix] = attrs.Factory(list)

    def shifted(self, delta: int) -> SyntaxIssue:
        if not delta:
            return self
        return attrs.evolve(
            self,
            start=self.start + delta,
            end=self.end + delta,
            notes=[
                attrs.evolve(n, start=None if n.start is None else n.start + delta,
                             end=None if n.end is None else n.end + delta)
                for n in self.notes
            ],
            fixes=[attrs.evolve(f, start=f.start + delta, end=f.end + delta) for f in self.fixes],
        )


ITEM_ISSUE_LIMIT = 10_000  # findings kept per item (or per decoder scan); the rest are counted


class IssueList(list):
    """A list of findings that keeps at most ``limit`` and counts the rest in ``dropped``, so a
    flood (one finding per byte of a hostile file) costs a counter, not memory."""

    __slots__ = ("dropped", "limit")

    def __init__(self, items=(), limit: int = ITEM_ISSUE_LIMIT) -> None:
        super().__init__()
        self.dropped = 0
        self.limit = limit
        self.extend(items)

    def append(self, issue: SyntaxIssue) -> None:
        if len(self) < self.limit:
            list.append(self, issue)
        else:
            self.dropped += 1

    def extend(self, issues) -> None:  # type: ignore[override]
        for issue in issues:
            self.append(issue)

    def clear(self) -> None:
        list.clear(self)
        self.dropped = 0


def dropped_count(issues: list[SyntaxIssue]) -> int:
    """Findings a list counted but did not keep (0 for a plain list)."""
    return getattr(issues, "dropped", 0)
