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
