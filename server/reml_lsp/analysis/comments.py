"""Comments of a text: found in the gaps between the tokens of the parse (so `//` inside a string
is never taken for a comment), and doc comments (the `//`/`///` lines right above a line)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import attrs

from reml_lsp.analysis.tree import Entry, tokens
from reml_lsp.syntax.lexer import block_comment_end

_MARK = re.compile(r"//|/\*")


@attrs.frozen
class Comment:
    start: int
    end: int
    doc: bool  # `///` or `/** … */`


def token_intervals(entries: Sequence[Entry]) -> list[tuple[int, int]]:
    out = []
    for tree, dpos in entries:
        for tok in tokens(tree, skipped=True):
            out.append((tok.start_pos + dpos, tok.end_pos + dpos))
    out.sort()
    return out


def comments(text: str, entries: Sequence[Entry]) -> Iterator[Comment]:
    pos = 0
    for start, end in [*token_intervals(entries), (len(text), len(text))]:
        if start > pos:
            yield from _scan(text, pos, start)
        pos = max(pos, end)


def scan(text: str, pos: int, stop: int) -> Iterator[Comment]:
    """Comments in the gap ``[pos, stop)`` (a `//` comment may look one character past
    ``stop`` to tell `///` from `//`: callers keep ``stop`` at a token start)."""
    return _scan(text, pos, stop)


def _scan(text: str, pos: int, stop: int) -> Iterator[Comment]:
    while pos < stop:
        m = _MARK.search(text, pos, stop)
        if m is None:
            return
        at = m.start()
        if m.group() == "//":
            nl = text.find("\n", at, stop)
            end = stop if nl < 0 else nl
            yield Comment(at, end, text.startswith("///", at) and not text.startswith("////", at))
            pos = end
            continue
        end = block_comment_end(text, at, stop) or stop
        yield Comment(at, end, text.startswith("/**", at) and not text.startswith("/**/", at))
        pos = end


def doc_comment(text: str, line_starts: Sequence[int], line: int) -> str | None:
    """The `//` / `///` comment lines directly above 0-based ``line`` (no blank line between),
    without their markers; None when there are none."""
    lines: list[str] = []
    cur = line - 1
    while cur >= 0:
        start = line_starts[cur]
        end = line_starts[cur + 1] - 1 if cur + 1 < len(line_starts) else len(text)
        stripped = text[start:end].strip()
        if not stripped.startswith("//"):
            break
        body = stripped.lstrip("/")
        lines.append(body[1:] if body.startswith(" ") else body)
        cur -= 1
    if not lines:
        return None
    return "\n".join(reversed(lines)).strip() or None
