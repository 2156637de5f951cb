"""A bounded collector of semantic findings: it keeps the first ``limit + 1`` by position (the
ones the diagnostics cap may show, plus the first one it hides) and only counts the rest.

A check that would report one finding per reference (100,000 unresolved names on one long
line) asks ``wants(start, end, code)`` before building the ``Finding``: past the cap it costs a
comparison, not an object. What it keeps is what ``heapq.nsmallest`` (stable) keeps, so the
capped output is the same as building every finding and then trimming.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from reml_lsp.analysis.findings import Finding

Key = tuple[int, int, str]


def finding_key(f: Finding) -> Key:
    return f.start, f.end, f.code


class FindingSink:
    """``limit`` < 0: keep every finding (no cap)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0  # every finding offered, kept or not
        self._kept: list[Finding] = []
        self._bound: Key | None = None  # keys >= this can no longer be among the first limit+1

    def wants(self, start: int, end: int, code: str) -> bool:
        """Whether a finding at this key could still be kept; counts it when not."""
        if self._bound is not None and (start, end, code) >= self._bound:
            self.count += 1
            return False
        return True

    def add(self, f: Finding) -> None:
        self.count += 1
        if self._bound is not None and finding_key(f) >= self._bound:
            return
        self._kept.append(f)
        if self.limit >= 0 and len(self._kept) > 2 * (self.limit + 1) + 64:
            self._prune()

    def extend(self, findings: Iterable[Finding]) -> None:
        for f in findings:
            self.add(f)

    def _prune(self) -> None:
        # Stable: among equal keys the earlier one stays, and a later equal key sorts after the
        # last kept one, so ``>=`` the bound is out.
        self._kept = heapq.nsmallest(self.limit + 1, self._kept, key=finding_key)
        if len(self._kept) == self.limit + 1:
            self._bound = finding_key(self._kept[-1])

    def spans(self, code: str) -> set[tuple[int, int]]:
        """(start, end) of the kept findings of ``code``."""
        return {(f.start, f.end) for f in self._kept if f.code == code}

    def findings(self) -> list[Finding]:
        """What was kept (at most ``limit + 1`` when capped), in offering order."""
        if self.limit >= 0 and len(self._kept) > self.limit + 1:
            self._prune()
        return self._kept
