"""Folding ranges: multi-line declarations, blocks, bodies, argument lists, match expressions,
runs of `use` declarations (imports) and of comments. Lines are 0-based."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from lark import Tree

from reml_lsp.analysis.comments import comments
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.tree import Entry, decl_of, span

FOLDABLE = frozenset((
    "block", "record", "array", "args", "param_list", "match_expr", "use_brace", "handler_body",
    "record_type", "trait_decl", "impl_decl", "effect_decl", "conductor_decl", "extern_decl",
    "lambda_expr", "if_expr", "tuple", "record_pattern",
))


@attrs.frozen
class Fold:
    start_line: int
    end_line: int
    kind: str | None = None  # comment | imports | region | None


def folding_ranges(text: str, entries: Sequence[Entry], index: LineIndex) -> list[Fold]:
    found: dict[tuple[int, int], str | None] = {}

    def add(start: int, end: int, kind: str | None) -> None:
        s, e = index.line_of(start), index.line_of(end)
        if kind is None and e > s and _closes_line(text, index, end):
            e -= 1  # keep the closing bracket's line visible
        if e > s and (s, e) not in found:
            found[(s, e)] = kind

    use_run: list[tuple[int, int]] = []
    for tree, dpos in entries:
        decl, _ = decl_of(tree)
        whole = span(tree, dpos)
        if whole is None:
            continue
        if decl is not None and decl.data == "use_decl":
            use_run.append(whole)
            continue
        _flush_uses(use_run, add)
        use_run = []
        add(whole[0], whole[1], None)
        for node in tree.iter_subtrees_topdown():
            if isinstance(node, Tree) and node.data in FOLDABLE:
                s = span(node, dpos)
                if s is not None:
                    add(s[0], s[1], None)
    _flush_uses(use_run, add)
    _comment_runs(text, entries, index, add)
    return [Fold(s, e, k) for (s, e), k in sorted(found.items())]


def _closes_line(text: str, index: LineIndex, end: int) -> bool:
    """Whether the text at ``end`` - 1 is a closing bracket that starts its line."""
    if end <= 0 or text[end - 1] not in ")]}":
        return False
    line = index.line_of(end - 1)
    return text[index.starts[line]:end - 1].strip() == ""


def _flush_uses(run: list[tuple[int, int]], add) -> None:
    if len(run) > 1:
        add(run[0][0], run[-1][1], "imports")


def _comment_runs(text: str, entries: Sequence[Entry], index: LineIndex, add) -> None:
    run_start = run_end = None
    last_line = -2
    for c in comments(text, entries):
        s_line, e_line = index.line_of(c.start), index.line_of(c.end)
        if e_line > s_line:  # a multi-line block comment folds on its own
            add(c.start, c.end, "comment")
        if run_start is not None and s_line == last_line + 1:
            run_end = c.end
        else:
            if run_start is not None:
                add(run_start, run_end, "comment")
            run_start, run_end = c.start, c.end
        last_line = e_line
    if run_start is not None:
        add(run_start, run_end, "comment")
