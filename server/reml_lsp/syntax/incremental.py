"""Incremental reparse for editors, driven through the streaming runner in pull mode.

A document is a list of top-level items; each starts from the table's start state, so the
checkpoint before an item is just its ``LexState``. An edit of ``[start, end)`` becomes a
``DemandHint`` (min = edited span, preferred = span + 1024, frame boundary = Statement); the
runner restores the checkpoint of the first item whose parse looked at the edited text, pulls
the new text window by window, and stops at the first item boundary past the edit whose lexer
state equals the old one shifted by the edit's length: the old items from there on are reused
as they are (their positions stay relative: an item stores where it was parsed and the
document keeps where it is now).

Invariant (spec 2-7 §H, tested by property tests): after any sequence of edits, the items,
trees and findings equal those of a full parse of the same text.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

import attrs
from lark import Token, Tree

from reml_lsp.syntax.gcpause import gc_paused
from reml_lsp.syntax.grammar import Tables, tables
from reml_lsp.syntax.issues import SyntaxIssue
from reml_lsp.syntax.lexer import LexState
from reml_lsp.syntax.parser import Item, ItemParser, expected_at
from reml_lsp.syntax.streaming import (
    Chunk,
    Closed,
    Completed,
    DemandHint,
    FlowController,
    FlowMode,
    StreamConfig,
    StreamMeta,
    run_stream,
)


class ItemStreamParser:
    """``StreamParser`` for Reml: commits whole items the buffered text fully determines.

    Positions in the buffer are relative to ``base`` (the document offset of ``text[0]``); lines
    are absolute (they come from the start ``LexState``)."""

    def __init__(self, start: LexState | None = None, *, tabs: Tables | None = None,
                 stop: Callable[[LexState], bool] | None = None) -> None:
        self.t = tabs or tables()
        self.state = start or LexState()
        self.items: list[Item] = []
        self.extra: list[SyntaxIssue] = []
        self.stop = stop
        self.stopped = False
        self.finished = False

    def add_issues(self, issues: list[SyntaxIssue]) -> None:
        self.extra.extend(issues)

    def committed(self) -> int:
        return self.state.pos

    def step(self, text: str, closed: bool) -> bool:
        parser = ItemParser(text, self.t, limit=len(text))
        while True:
            if self.stop is not None and self.items and self.stop(self.state):
                self.stopped = True
                return True
            item = parser.parse_item(self.state)
            if not closed and (item is None or item.dep_end > len(text)):
                return False  # the item (or the end of input) is not determined yet
            if item is None:
                self.finished = True
                return True
            self.items.append(item)
            self.state = item.end
            if item.tree is None:
                self.finished = True
                return True

    def result(self) -> list[Item]:
        return self.items

    def expected_tokens(self, text: str) -> list[str]:
        return sorted(expected_at(text, self.state, len(text), self.t))


class WindowFeeder:
    """Pull-mode feeder over a document already in memory: each pull hands out the next window
    of ``max(min_bytes, preferred_bytes)`` characters starting at ``start``; from the third pull
    on, windows double. An item that is not determined until far away (an unterminated triple
    quote reads to the end) is parsed again after each pull, so fixed windows would make that
    quadratic; doubling keeps the total work linear."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        self.pos = start
        self.pulls = 0
        self.window = 0

    def pull(self, demand: DemandHint) -> Chunk | Closed:
        if self.pos >= len(self.text):
            return Closed()
        size = max(demand.min_bytes, demand.preferred_bytes or 0, 1)
        if self.pulls >= 2:
            size = max(size, 2 * self.window)
        self.window = size
        chunk = self.text[self.pos:self.pos + size]
        self.pos += len(chunk)
        self.pulls += 1
        return Chunk(chunk)


@attrs.define
class EditStats:
    first_item: int  # index of the first re-parsed item
    reparsed: int  # items parsed again
    reused: int  # items kept after the sync point
    pulled_chars: int
    synced: bool
    demand: DemandHint


class ParsedDocument:
    """The items of one text, kept up to date edit by edit."""

    def __init__(self, text: str, *, tabs: Tables | None = None) -> None:
        self.t = tabs or tables()
        self.text = text
        self.meta = StreamMeta()
        self.items: list[Item] = []
        self._pos: list[int] = []  # current offset of each item's start state
        self._line: list[int] = []  # current line of each item's start state
        with gc_paused():
            self.items = list(ItemParser(text, self.t).items())
        self._pos = [it.start.pos for it in self.items]
        self._line = [it.start.line for it in self.items]
        # current furthest offset each item's parse looked at; _AT_END: it looked for the end
        # of input (stays so however the text grows or shrinks)
        n = len(text)
        self._dep = [it.dep_end if it.dep_end <= n else _AT_END for it in self.items]

    # -- positions -----------------------------------------------------------------------
    def shift(self, i: int) -> tuple[int, int]:
        item = self.items[i]
        return self._pos[i] - item.start.pos, self._line[i] - item.start.line

    def entries(self) -> Iterator[tuple[Item, int, int]]:
        # ``shift(i)`` inlined: every diagnostics request walks all items through here
        for item, pos, line in zip(self.items, self._pos, self._line, strict=True):
            start = item.start
            yield item, pos - start.pos, line - start.line

    def issues(self) -> list[SyntaxIssue]:
        out: list[SyntaxIssue] = []
        for item, dpos, _ in self.entries():
            out.extend(issue.shifted(dpos) for issue in item.issues)
        return out

    def item_index_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self._pos, offset) - 1)

    # -- edits ---------------------------------------------------------------------------
    def edit(self, start: int, end: int, new_text: str) -> EditStats:
        """Replace ``text[start:end]`` (code-point offsets) with ``new_text``."""
        old = self.text
        start = max(0, min(start, len(old)))
        end = max(start, min(end, len(old)))
        text = old[:start] + new_text + old[end:]
        delta = len(new_text) - (end - start)
        dlines = new_text.count("\n") - old.count("\n", start, end)
        demand = DemandHint.for_edit(max(len(new_text), end - start))
        self.text = text
        if not self.items:
            self.__init__(text, tabs=self.t)  # type: ignore[misc]
            return EditStats(0, len(self.items), 0, len(text), False, demand)

        # The first item whose parse looked at ``start`` or past it: the items just before
        # the edit whose lookahead reached it, and, when the edit may open or close a literal
        # or comment, any earlier item: an unterminated `"""`, `r"` or `/*` was searched for to
        # the end of input (typing the closing quote at the very end must re-parse it).
        k = self.item_index_at(start)
        dep = self._dep
        while k > 0 and dep[k - 1] > start:
            k -= 1
        if k and _may_delimit(old, start, end, new_text):
            k = min(k, bisect.bisect_right(list(accumulate(dep[:k], max)), start))
        while k < len(self.items) - 1 and dep[k] <= start and \
                self._pos[k + 1] <= start:
            k += 1
        dpos_k, dline_k = self.shift(k)
        checkpoint = self.items[k].start.shifted(dpos_k, dline_k)

        # Old items that begin at or after the end of the edit can be reused when the new
        # parse reaches their (shifted) start with the same lexer state.
        first_after = bisect.bisect_left(self._pos, end, lo=k + 1)
        candidates: dict[int, int] = {}
        for j in range(first_after, len(self.items)):
            candidates[self._pos[j] + delta] = j
            if len(candidates) > 64:
                break

        base = checkpoint.pos
        sync: dict[str, int] = {}

        def stop(state: LexState) -> bool:
            j = candidates.get(state.pos + base)
            if j is None:
                return False
            dpos, dline = self.shift(j)
            old_state = self.items[j].start.shifted(dpos + delta, dline + dlines)
            if attrs.astuple(old_state) == attrs.astuple(state.shifted(base, 0)):
                sync["j"] = j
                return True
            return False

        start_state = LexState(0, checkpoint.line, checkpoint.line_start - base,
                               checkpoint.prev_type, checkpoint.prev_line)
        parser = ItemStreamParser(start_state, tabs=self.t, stop=stop)
        feeder = WindowFeeder(text, base)
        config = StreamConfig(FlowController(mode=FlowMode.PULL), demand, "reml.incremental")
        outcome = run_stream(parser, feeder, config)
        assert isinstance(outcome, Completed)  # a window feeder never awaits
        new_items = parser.result()
        j = sync.get("j", len(self.items))
        reused = len(self.items) - j
        new_pos = [it.start.pos + base for it in new_items]
        new_line = [it.start.line for it in new_items]
        n = len(text)
        new_dep = [d if (d := it.dep_end + base) <= n else _AT_END for it in new_items]
        tail_pos = [p + delta for p in self._pos[j:]]
        tail_line = [ln + dlines for ln in self._line[j:]]
        tail_dep = [d + delta if d < _AT_END // 2 else _AT_END for d in self._dep[j:]]
        self.items[k:] = [*new_items, *self.items[j:]]
        self._pos[k:] = [*new_pos, *tail_pos]
        self._line[k:] = [*new_line, *tail_line]
        self._dep[k:] = [*new_dep, *tail_dep]
        self.meta.consumed_bytes += outcome.meta.consumed_bytes
        self.meta.resume_count += 1
        self.meta.lag_nanos = outcome.meta.lag_nanos
        return EditStats(k, len(new_items), reused, feeder.pos - base, "j" in sync, demand)

    # -- queries -------------------------------------------------------------------------
    def expected_at(self, offset: int) -> dict[str, int]:
        """Terminals the parser accepts at ``offset`` (tokens ending before it are fed)."""
        i = self.item_index_at(offset)
        if i >= len(self.items):
            return expected_at(self.text, LexState(), offset, self.t)
        dpos, dline = self.shift(i)
        state = self.items[i].start.shifted(dpos, dline)
        return expected_at(self.text, state, offset, self.t)


_AT_END = 1 << 62  # an item's dependency on the end of input (larger than any offset)
_DELIMITERS = frozenset('"*/#\\')


def _may_delimit(old: str, start: int, end: int, new_text: str) -> bool:
    """Whether replacing ``old[start:end]`` by ``new_text`` can create or remove a string or
    comment delimiter (`"`, `/*`, `*/`, `"#`, an escape): the only far-reaching dependencies
    are searches for one. Delimiters are at most 3 characters, so 2 on each side suffice."""
    return not _DELIMITERS.isdisjoint(new_text) or not _DELIMITERS.isdisjoint(
        old[max(0, start - 2):end + 2])


def canonical(node: Any, dpos: int = 0, dline: int = 0) -> Any:
    """A position-normalised, comparable form of a parse tree (for the equality invariant)."""
    if isinstance(node, Token):
        return (node.type, str(node), node.start_pos + dpos, node.end_pos + dpos,
                node.line + dline, node.column)
    if isinstance(node, Tree):
        return (node.data, tuple(canonical(c, dpos, dline) for c in node.children))
    return node
