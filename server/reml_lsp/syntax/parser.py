"""The error-resilient LALR driver: parses one top-level item at a time and never fails.

Each item starts from the table's start state, so a checkpoint is just the lexer state at the
item boundary (``LexState``). An item ends when the next token cannot continue it but the item
is complete; that token is lexed again as the first token of the next item.

Recovery, in this order, when a token cannot be shifted:
  1. an unknown character (already reported by the lexer) is reported once and skipped;
  2. a token that can only start a declaration, at the start of a line and not right of the
     column where the broken item began, closes the item (the missing closers are inserted);
  3. a single missing token (``)``, ``}``, ``->``, ``=``, ``else``, ``with``…) is inserted when the
     next tokens then parse (the diagnostic carries that insertion as a fix-it);
  4. otherwise panic mode: pop to the nearest state that takes an ``ERROR`` (an erroneous
     expression, pattern, type or item), shift it, and skip tokens (keeping brackets balanced)
     until one fits. After a recovery, new errors are not reported until three tokens have been
     shifted, so one typo gives one diagnostic.

Why one module above ~400 lines: the driver loop and the four recoveries are methods of one
``_ItemRun`` and share its mutable state (state and value stacks, lexer, last token, quiet
count, item column); each recovery is tried from the loop in the order above and leaves the
stacks the way the loop expects. Split into modules they would reach into each other's
attributes. What has its own seam lives elsewhere: how reductions build trees
(``syntax.reductions``), the stack-only table simulation (``syntax.lalr_lookahead``), findings
computed from finished trees (``syntax.checks``), expected-token summaries (``syntax.expected``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
from lark import Token, Tree
from lark.parsers.lalr_analysis import Shift

from reml_lsp.syntax import tokens as T
from reml_lsp.syntax.checks import drain_built_issues, item_issues, missing_separator
from reml_lsp.syntax.expected import summarize
from reml_lsp.syntax.gcpause import gc_paused
from reml_lsp.syntax.grammar import Tables, tables
from reml_lsp.syntax.issues import IssueFix, IssueNote, SyntaxIssue
from reml_lsp.syntax.lalr_lookahead import acceptable, accepts
from reml_lsp.syntax.lexer import Lexer, LexState
from reml_lsp.syntax.reductions import (
    MAX_TREE_DEPTH,
    FastTables,
    TooDeep,
    after_goto,
    begin_item,
    fast_tables,
    first_leaf_at,
    flatten_chains,
    needs_checks,
    too_deep_at,
)
from reml_lsp.syntax.treeutil import first_token

LOOKAHEAD_CHECK = 3  # tokens that must parse after an inserted token
QUIET_SHIFTS = 3  # shifts after a recovery during which new errors are not reported
MAX_NESTING = 256  # open brackets in one item; deeper input is one finding (parser.nesting)
_COPY_DEPTH = 256  # above this stack depth, check a reduction before copying the stack
_SHALLOW_CHARS = 128  # an item this short cannot reach MAX_TREE_DEPTH: not measured
SKIP_KEEP = 1024  # tokens one panic recovery keeps; the rest of what it skips is one span token


@attrs.define(slots=True)
class Item:
    """One top-level item as parsed: positions inside are those of the text it was parsed in."""

    start: LexState  # lexer state where parsing of this item began (end of the previous one)
    end: LexState  # lexer state after its last token
    first: int  # offset of its first token
    tree: Tree | None  # None for trailing trivia that only carries lexer findings
    issues: list[SyntaxIssue]
    dep_end: int  # furthest character the parse looked at


class ErrorToken(Token):
    """The ``ERROR`` terminal shifted by recovery; ``skipped`` keeps what it replaced."""

    __slots__ = ("skipped",)


def _skipped_span(first: Token, last: Token) -> Token:
    """One ``SKIPPED`` token standing for the tokens from ``first`` to ``last`` that a panic
    recovery jumped over past ``SKIP_KEEP`` (their text is in the document): tools that read
    what was skipped (comment and semantic-token gaps) see one region, not 500,000 tokens."""
    return Token("SKIPPED", "\u2026", first.start_pos, first.line, first.column, last.end_line,
                 last.end_column, last.end_pos)


def _error_token(at: Token, skipped: list[Any]) -> ErrorToken:
    tok = ErrorToken("ERROR", "", at.start_pos, at.line, at.column, at.line, at.column,
                     at.start_pos)
    tok.skipped = skipped
    return tok


_WRAPPED: dict[tuple[int, bool], FastTables] = {}


class ItemParser:
    """Parses the items of one text from a given lexer state."""

    def __init__(self, text: str, tabs: Tables | None = None, limit: int | None = None,
                 *, allow_top_level_expr: bool = False, findings: bool = True) -> None:
        self.text = text
        self.limit = limit
        self.allow_top_level_expr = allow_top_level_expr
        # ``findings=False`` (the workspace index): the same trees, without the tree checks
        # that only report findings (separators, `=` for `:=`, chained comparisons, guards).
        self.findings = findings
        self.t = tabs or tables()
        key = (id(self.t), findings)
        if key not in _WRAPPED:
            _WRAPPED[key] = fast_tables(self.t, findings)
        self.fast = _WRAPPED[key]
        self.callbacks, self.actions = self.fast.callbacks, self.fast.actions

    # ------------------------------------------------------------------ public
    def items(self, state: LexState | None = None) -> Iterator[Item]:
        state = state or LexState()
        while True:
            item = self.parse_item(state)
            if item is None:
                return
            yield item
            if item.tree is None:
                return
            state = item.end

    def parse_item(self, state: LexState) -> Item | None:
        lexer = Lexer(self.text, self.t, state, self.limit)
        item = _ItemRun(self, lexer).parse()
        if item is not None and item.tree is not None and self.findings:
            if needs_checks():
                item.issues.extend(item_issues(item))
            if state.prev_type not in (None, "SEMI") and "\n" not in self.text[
                    state.pos:item.first] and not item.issues:
                # Two items on one line with no `;` between them (1-1 §B.3).
                first = first_token(item.tree)
                if first is not None and first.type != "SEMI":
                    prev = Token(state.prev_type, "", state.pos, state.line, 0, state.line, 0,
                                 state.pos)
                    item.issues.append(missing_separator(prev, first))
        return item


class _ItemRun:
    """The parse of one item (stacks, recovery state)."""

    def __init__(self, owner: ItemParser, lexer: Lexer) -> None:
        self.owner = owner
        self.t = owner.t
        self.states = owner.t.states
        self.callbacks = owner.callbacks
        self.lexer = lexer
        self.start = self.t.start_state
        self.end_state = self.t.end_state
        self.stack: list[int] = [self.start]
        self.values: list[Any] = []
        self.issues: list[SyntaxIssue] = lexer.issues
        self.quiet = 0
        self.last: Token | None = None  # last real token shifted
        self.item_col = 1
        self.start_state = lexer.state()
        self.until: int | None = None  # stop before the token at this offset (completion)
        self._item_first = 0  # offset of the item's first token
        self.built = 0  # tree-building reductions outside the driver loop (it counts its own)

    # ------------------------------------------------------------------ driver
    def parse(self) -> Item | None:
        lexer = self.lexer
        begin_item()
        drain_built_issues()
        tok = lexer.next(self.stack)
        if tok.type == "$END":
            if not self.issues:
                return None
            return Item(self.start_state, lexer.state(), tok.start_pos, None, self.issues,
                        lexer.max_read)
        if self.owner.allow_top_level_expr and (
                not accepts(self.states, self.stack, tok.type) or (
                    tok.type == "UNSAFE" and self.owner.text[tok.end_pos:tok.end_pos + 64]
                    .lstrip().startswith("{"))):  # `unsafe { … }` is a block, `unsafe fn` not
            script = [self.t.script_start]
            if accepts(self.states, script, tok.type) or tok.type == "UNKNOWN":
                # A top-level expression statement (spec 1-1 §B.4, opt-in): lex the first token
                # again for the expression start state.
                self.start, self.end_state, self.stack = self.t.script_start, \
                    self.t.script_end, script
                lexer.restore(self.start_state)
                lexer.issues.clear()
                lexer.open_brackets.clear()
                tok = lexer.next(self.stack)
        first = self._item_first = tok.start_pos
        self.item_col = tok.column
        states = self.states
        # The loop runs once per token: what it reads is held in locals. ``self.stack`` and
        # ``self.values`` are only changed in place from here on.
        stack, values = self.stack, self.values
        fast = self.owner.fast
        actions = fast.actions
        until = self.until
        # Only these token types need the checks before the table is consulted (all of them
        # when parsing stops at a caret).
        special = _EVERY_TYPE if until is not None else _CHECKED_TYPES
        top_level_only, openers, virtual = T.TOP_LEVEL_ONLY, T.OPENERS, T.VIRTUAL
        open_brackets = lexer.open_brackets
        next_token = lexer.next
        new, tree = object.__new__, Tree
        built = 0  # tree-building reductions (see ``_finish``)
        while True:
            ttype = tok.type
            if ttype in special:
                if until is not None and _reaches(tok, until):
                    raise _StopAt(acceptable(states, stack))
                if ttype == "$END":
                    if not accepts(states, stack, "$END"):
                        self._complete_at_eof(tok)
                    return self._finish(first, built)
                if open_brackets and ttype in top_level_only and \
                        self._starts_declaration(tok) and self._is_declaration(tok):
                    # A declaration keyword at the start of a line inside unclosed brackets: the
                    # brackets were left open, the item ends here (rather than swallowing the
                    # file).
                    try:
                        tok = self._recover(tok, stack[:], force_close=True)
                    except TooDeep as deep:
                        tok = self._skip_too_deep(deep, tok)
                    continue
                if ttype in openers and len(open_brackets) > MAX_NESTING:
                    tok = self._too_deep(tok)
                    continue
            pre = None
            act = actions[stack[-1]].get(ttype)
            if act is None:
                fed = False
            elif act[1] is None:  # a plain shift (about half the tokens)
                stack.append(act[0])
                values.append(tok)
                fed = True
            elif len(stack) > _COPY_DEPTH:
                # A deep stack (a long operator chain) is not copied for every token: the
                # entries the reductions overwrite are journaled and restored if ``tok`` fails.
                try:
                    pre = self._feed_journaled(tok)
                except TooDeep as deep:
                    tok = self._skip_too_deep(deep, tok)
                    continue
                fed = pre is None
            else:
                # ``_feed``, inline: the reductions, then the shift.
                pre = stack[:]  # only needed if ``tok`` fails after its reductions
                try:
                    while True:
                        target, reduce = act
                        if reduce is None:
                            stack.append(target)
                            values.append(tok)
                            fed = True
                            break
                        size, callback, goto, name, after = reduce
                        if size < 0:  # a chain of unit reductions: memoised (``after_goto``)
                            hit = after.get((stack[-2], ttype))
                            if hit is None:
                                hit = after_goto(fast, after, goto, stack[-2], ttype)
                            stack[-1], act = hit
                        else:
                            if size == 1:  # most reductions: no slices
                                children = [values.pop()]
                                stack.pop()
                            elif size:
                                children = values[-size:]
                                del stack[-size:]
                                del values[-size:]
                            else:
                                children = []
                            if name is None:
                                values.append(callback(children))
                            else:  # ``Tree(name, children)``, as ``Tree.__init__`` builds it
                                node = new(tree)
                                node.data = name
                                node.children = children
                                node._meta = None
                                values.append(node)
                            built += 1
                            # The goto, and the unit chain after it: memoised (``after_goto``).
                            hit = after.get((stack[-1], ttype))
                            if hit is None:
                                hit = after_goto(fast, after, goto, stack[-1], ttype)
                            stack.append(hit[0])
                            act = hit[1]
                        if act is None:
                            fed = False
                            break
                except TooDeep as deep:
                    tok = self._skip_too_deep(deep, tok)
                    continue
            if fed:
                if ttype not in virtual:
                    self.last = tok
                    if self.quiet:
                        self.quiet -= 1
                tok = next_token(stack)
                continue
            if pre is None:
                pre = stack[:]
            if ttype != "UNKNOWN" and accepts(states, stack, "$END") and self.last:
                return self._finish(first, built)  # ``tok`` begins the next item
            try:
                tok = self._recover(tok, pre)
            except TooDeep as deep:
                tok = self._skip_too_deep(deep, deep.resume or tok)

    def _finish(self, first: int, built: int = 0) -> Item:
        try:
            tree = self._feed_end()
        except TooDeep as deep:
            tree = self._shallow_error_tree(first_leaf_at(deep.node, first), first)
        flatten_chains()
        # A tree has no more levels than nodes, and each node was built by one reduction of this
        # item: an item with at most MAX_TREE_DEPTH of them (most items) need not be walked.
        if self.built + built > MAX_TREE_DEPTH and self.last is not None and \
                self.last.end_pos - first > _SHALLOW_CHARS:
            deep_at = too_deep_at(tree)
            if deep_at is not None:
                tree = self._shallow_error_tree(deep_at, first)
        self.issues.extend(drain_built_issues())
        last = self.last
        if last is not None:
            end = LexState(last.end_pos, last.end_line, last.end_pos - last.end_column + 1,
                           last.type, last.end_line)
        else:
            end = self.lexer.state()
        if last is not None and self.issues:
            # What follows the last token (trivia, the next item's first token) is lexed again
            # by the next parse, which reports its findings.
            self.issues[:] = [i for i in self.issues
                              if i.start < end.pos or not i.code.startswith("parser.lexer.")]
        return Item(self.start_state, end, first, tree, self.issues, self.lexer.max_read)

    # ------------------------------------------------------------------ feeding
    def _feed(self, tok: Token) -> bool:
        """Shift ``tok`` (after its reductions) outside the driver loop: the virtual and ``ERROR``
        tokens of recovery. False, with the stacks left valid, on error."""
        return self._feed_journaled(tok) is None

    def _shallow_error_tree(self, at: int, first: int) -> Tree:
        """The item's tree is deeper than the tools that walk it recursively can follow
        (`- - - … x`, `x.f.f.f…`): one located finding, and the item becomes one erroneous
        item with nothing under it."""
        self.issues.append(SyntaxIssue(
            "parser.nesting_too_deep", "parse.expression_too_deep", at, at + 1,
            args=(str(MAX_TREE_DEPTH),),
            notes=[IssueNote("lexer.skip_to_item_end", label="parser")]))
        self.stack[:] = [self.start]
        self.values[:] = []
        begin_item()
        self._feed(_error_token(self._virtual("ERROR", first), []))
        return self._feed_end()

    def _skip_too_deep(self, deep: TooDeep, tok: Token) -> Token:
        """A left-recursive chain passed ``MAX_TREE_DEPTH`` while the item was being built: the
        finding `_shallow_error_tree` gives at the end of the item, but the rest of the item
        is skipped (tokens lexed, nothing built), so memory stays bounded by the depth limit."""
        at = first_leaf_at(deep.node, tok.start_pos)
        self.issues.append(SyntaxIssue(
            "parser.nesting_too_deep", "parse.expression_too_deep", at, at + 1,
            args=(str(MAX_TREE_DEPTH),),
            notes=[IssueNote("lexer.skip_to_item_end", label="parser")]))
        lexer = self.lexer
        while tok.type != "$END" and not (tok.type not in T.OPENERS and
                                          self._starts_declaration(tok)):
            if tok.type not in T.VIRTUAL:
                self.last = tok
            tok = lexer.next(self.stack)
            if len(lexer.open_brackets) > MAX_NESTING:
                lexer.open_brackets.clear()  # skipped: nothing to match them against
        lexer.open_brackets.clear()
        self.stack[:] = [self.start]
        self.values[:] = []
        begin_item()
        first = self._item_first
        self._feed(_error_token(self._virtual("ERROR", first), []))
        self.quiet = QUIET_SHIFTS
        return tok

    def _feed_journaled(self, tok: Token) -> list[int] | None:
        """Shift ``tok`` after its reductions: None on success, else the state stack as it was
        before the reductions (rebuilt from the entries they overwrote, not from a copy taken
        upfront). For deep stacks and recovery; the driver loop in ``parse`` makes the same
        reductions inline, without the journal's bookkeeping (it copies short stacks instead)."""
        stack, values = self.stack, self.values
        actions = self.owner.actions
        ttype = tok.type
        low = len(stack)  # entries below ``low`` are untouched
        journal: list[list[int]] = []
        while True:
            act = actions[stack[-1]].get(ttype)
            if act is None:
                pre = stack[:low]
                for part in reversed(journal):
                    pre.extend(part)
                return pre
            target, reduce = act
            if reduce is None:
                stack.append(target)
                values.append(tok)
                return None
            size, callback, goto, _name, _after = reduce
            cut = len(stack) - (1 if size < 0 else size)
            if cut < low:
                journal.append(stack[cut:low])
                low = cut
            if size < 0:
                stack[-1] = goto[stack[-2]]
                continue
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            values.append(callback(children))
            self.built += 1
            stack.append(goto[stack[-1]])

    def _feed_end(self) -> Tree:
        """The reductions ``$END`` makes: the item's tree (the stack must accept ``$END``)."""
        stack, values, states, callbacks = self.stack, self.values, self.states, self.callbacks
        end_state = self.end_state
        while True:
            _action, rule = states[stack[-1]]["$END"]
            size = len(rule.expansion)
            children = values[-size:] if size else []
            if size:
                del stack[-size:]
                del values[-size:]
            value = callbacks[rule](children)
            self.built += 1
            _, new_state = states[stack[-1]][rule.origin.name]
            stack.append(new_state)
            values.append(value)
            if new_state == end_state:
                return value

    def _virtual(self, ttype: str, at: int) -> Token:
        line, col = self._line_col(at)
        return Token(ttype, "", at, line, col, line, col, at)

    def _line_col(self, at: int) -> tuple[int, int]:
        last = self.last
        if last is not None:
            base, line, col = last.end_pos, last.end_line, last.end_column
        else:
            st = self.start_state
            base, line, col = st.pos, st.line, st.pos - st.line_start + 1
        if at <= base:
            return line, col - (base - at)
        text = self.owner.text
        nl = text.count("\n", base, at)
        if not nl:
            return line, col + (at - base)
        return line + nl, at - text.rfind("\n", base, at)

    def _insert_point(self) -> int:
        return self.last.end_pos if self.last is not None else self.lexer.pos

    # ------------------------------------------------------------------ recovery
    def _report(self, tok: Token, pre: list[int], fixes: list[IssueFix] | None = None,
                code: str | None = None) -> None:
        if self.quiet:
            return
        expected = acceptable(self.states, pre)
        summary = summarize(expected)
        eof = tok.type == "$END"
        if code is None:
            code = "parser.unexpected_eof" if eof else "parser.syntax.expected_tokens"
        key = "parse.unexpected_eof" if eof else "parse.unexpected_token"
        if code == "effects.handler.missing_with":
            key = "effects.handler.missing_with"
        found = T.display(tok.type, tok.value)
        issue = SyntaxIssue(code, key, tok.start_pos, tok.end_pos if not eof else tok.start_pos,
                            args=(found,), expected=summary, fixes=fixes or [])
        prev = self.last.type if self.last is not None else None
        opener = self._unclosed_opener(expected, tok)
        if opener is not None:
            closer = T.OPENERS[opener.type]
            issue.context = "context.unclosed"
            issue.notes.append(IssueNote("note.unclosed", (opener.value, T.label(closer)[0]),
                                         opener.start_pos, opener.end_pos, label="unclosed"))
        elif prev in T.BINOPS and not expected.keys() - T.EXPR_START_SET - {"ERROR"}:
            issue.context = "context.operand_missing"
        self.issues.append(issue)

    def _unclosed_opener(self, expected: dict[str, int], tok: Token) -> Token | None:
        brackets = self.lexer.open_brackets
        if not brackets:
            return None
        opener = brackets[-1]
        closer = T.OPENERS[opener.type]
        if closer not in expected:
            return None
        if tok.type == "$END" or tok.type in T.CLOSERS or tok.line > opener.line:
            return opener
        return None

    @staticmethod
    def _end_token(tok: Token) -> Token:
        """A ``$END`` at ``tok``: ends this item; ``tok`` is lexed again for the next one."""
        return Token("$END", "", tok.start_pos, tok.line, tok.column, tok.line, tok.column,
                     tok.start_pos)

    def _is_declaration(self, tok: Token) -> bool:
        """`fn name` declares; `fn (x) => …` is a lambda."""
        if tok.type != "FN":
            return True
        rest = self.owner.text[tok.end_pos:tok.end_pos + 64].lstrip()
        return not rest.startswith("(")

    def _recover(self, tok: Token, pre: list[int], force_close: bool = False) -> Token:
        lexer = self.lexer
        # 1. unknown character: the lexer has reported it; say what was expected, skip it.
        if tok.type == "UNKNOWN":
            self._report(tok, pre)
            self.quiet = QUIET_SHIFTS
            return lexer.next(self.stack)
        # 2. a declaration keyword at the start of a line ends a broken item.
        if force_close and accepts(self.states, self.stack, "$END"):
            return self._end_token(tok)  # the item is complete; the bracket was reported
        if force_close or self._starts_declaration(tok):
            at = self._insert_point()
            closers = self._complete(at)
            self._report(tok, pre, [IssueFix("insert", at, at, closers)] if closers else None)
            self.quiet = QUIET_SHIFTS
            return self._end_token(tok) if accepts(self.states, self.stack, "$END") else tok
        # 3. one missing token.
        inserted = self._try_insert(tok)
        if inserted is not None:
            at = self._insert_point()
            text, kind = T.label(inserted)
            if kind == "keyword" or inserted in ("ARROW", "EQ", "FATARROW"):
                text = " " + text  # `{ 1 } else`, `Some(n) -> n`: a word needs its space
            code = "effects.handler.missing_with" if (
                inserted == "WITH" and tok.type == "HANDLER") else None
            self._report(tok, pre, [IssueFix("insert", at, at, text)], code)
            self._feed(self._virtual(inserted, at))
            self.quiet = QUIET_SHIFTS
            return tok
        # 4. panic mode.
        self._report(tok, pre)
        self.quiet = QUIET_SHIFTS
        return self._panic(tok)

    def _too_deep(self, tok: Token) -> Token:
        """Brackets nested past ``MAX_NESTING``: one located finding, and the rest of the item
        becomes one erroneous item (bounded stack, and no tree deeper than the tools that walk
        it can follow)."""
        self.issues.append(SyntaxIssue(
            "parser.nesting_too_deep", "parse.nesting_too_deep", tok.start_pos, tok.end_pos,
            args=(str(MAX_NESTING),), notes=[IssueNote("lexer.skip_to_item_end", label="parser")]))
        lexer = self.lexer
        at = tok.start_pos
        while tok.type != "$END" and not (tok.type not in T.OPENERS and
                                          self._starts_declaration(tok)):
            self.last = tok
            tok = lexer.next(self.stack)
            if len(lexer.open_brackets) > MAX_NESTING:
                lexer.open_brackets.clear()  # skipped: nothing to match them against
        lexer.open_brackets.clear()
        self._collapse_to_error(at)
        self.quiet = QUIET_SHIFTS
        return tok

    def _starts_declaration(self, tok: Token) -> bool:
        if tok.type not in T.DECL_START or tok.column > self.item_col:
            return False
        last = self.last
        return last is None or last.end_line < tok.line

    def _try_insert(self, tok: Token) -> str | None:
        states = self.states
        if tok.type == "$END":
            return None
        for cand in T.INSERTABLE:
            if not accepts(states, self.stack, cand):
                continue
            stack = _simulate(states, self.stack, cand)
            if stack is None or not accepts(states, stack, tok.type):
                continue
            if self._lookahead_ok(stack, tok):
                return cand
        return None

    def _lookahead_ok(self, stack: list[int], tok: Token) -> bool:
        """Whether ``tok`` and the next few tokens parse from ``stack`` (lexer left unchanged)."""
        lexer = self.lexer
        saved = lexer.state()
        saved_issues = len(lexer.issues)
        saved_dropped = lexer.issues.dropped
        saved_brackets = list(lexer.open_brackets)
        saved_read = lexer.max_read
        try:
            states = self.states
            cur: list[int] | None = _simulate(states, stack, tok.type)
            for _ in range(LOOKAHEAD_CHECK):
                if cur is None:
                    return False
                nxt = lexer.next(cur)
                if nxt.type == "$END":
                    return accepts(states, cur, "$END") or True
                if not accepts(states, cur, nxt.type):
                    return accepts(states, cur, "$END")
                cur = _simulate(states, cur, nxt.type)
            return cur is not None
        finally:
            lexer.restore(saved)
            del lexer.issues[saved_issues:]
            lexer.issues.dropped = saved_dropped
            lexer.open_brackets[:] = saved_brackets
            lexer.max_read = max(saved_read, lexer.max_read)

    def _complete_at_eof(self, tok: Token) -> None:
        pre = self.stack[:]
        at = self._insert_point()
        text = self._complete(at)
        self._report(tok, pre, [IssueFix("insert", at, at, text)] if text else None)

    def _complete(self, at: int) -> str:
        """Insert virtual tokens until the item can end; returns the text of the closers."""
        states = self.states
        inserted: list[str] = []
        brackets = list(self.lexer.open_brackets)
        last_choice = None
        for _ in range(64):
            if accepts(states, self.stack, "$END"):
                break
            acc = acceptable(states, self.stack)
            choice = None
            if brackets and T.OPENERS[brackets[-1].type] in acc:
                choice = T.OPENERS[brackets[-1].type]
                brackets.pop()
            else:
                # The continuation that completes the most structure (most reductions first),
                # then the preferred insertions; never two erroneous operands in a row.
                options = [t for t in acc if t != "$END" and not (
                    t == "ERROR" and last_choice == "ERROR")]
                if options:
                    choice = min(options, key=lambda t: (-acc[t], _insert_rank(t), t))
            if choice is None:
                break
            if choice in T.CLOSERS:
                inserted.append(T.label(choice)[0])
            self._feed(self._virtual(choice, at))
            last_choice = choice
        if not accepts(states, self.stack, "$END"):
            self._collapse_to_error(at)
        return "".join(inserted)

    def _collapse_to_error(self, at: int) -> None:
        """Last resort: everything parsed so far becomes one erroneous item."""
        kept = [v for v in self.values if v is not None]
        self.stack[:] = [self.start]
        self.values[:] = []
        self._feed(_error_token(self._virtual("ERROR", at), kept))

    def _panic(self, tok: Token) -> Token:
        states = self.states
        popped: list[Any] = []
        while len(self.stack) > 1 and not accepts(states, self.stack, "ERROR"):
            self.stack.pop()
            popped.append(self.values.pop())
        skipped: list[Token] = []
        rest_first: Token | None = None  # the skipped tokens past SKIP_KEEP: only their span
        rest_last: Token | None = None
        depth = 0
        lexer = self.lexer
        error_stack = _simulate(states, self.stack, "ERROR")
        fits: dict[str, bool] = {}  # per token type: whether it continues after the ERROR
        first = True
        while True:
            if tok.type == "$END":
                break
            if depth <= 0 and error_stack is not None:
                fit = fits.get(tok.type)
                if fit is None:
                    fit = fits[tok.type] = accepts(states, error_stack, tok.type)
                if fit:
                    break
            if not first and self._starts_declaration(tok):
                break
            # The failing token itself is unmatched: it does not open a region to skip over.
            if tok.type in T.OPENERS and not first:
                depth += 1
            elif tok.type in T.CLOSERS:
                depth -= 1
            if tok.type not in T.VIRTUAL:
                if len(skipped) < SKIP_KEEP:
                    skipped.append(tok)
                else:
                    if rest_first is None:
                        rest_first = tok
                    rest_last = tok
            first = False
            # Lex the next token as if the erroneous region had been accepted.
            tok = lexer.next(error_stack if error_stack is not None else self.stack)
        anchor = popped[-1] if popped else (skipped[0] if skipped else tok)
        first_tok = anchor if isinstance(anchor, Token) else first_token(anchor)
        start = first_tok.start_pos if first_tok is not None else None
        err_tok = self._virtual("ERROR", start if start is not None else tok.start_pos)
        if skipped:
            self.last = rest_last or skipped[-1]
        if rest_first is not None and rest_last is not None:
            skipped.append(_skipped_span(rest_first, rest_last))
        try:
            self._feed(_error_token(err_tok, [*reversed(popped), *skipped]))
        except TooDeep as deep:
            deep.resume = tok  # the skipped tokens are consumed: go on from ``tok``
            raise
        return tok


class _Every:
    """Contains every token type: with a caret to stop at, every token is checked."""

    def __contains__(self, _item: object) -> bool:
        return True


_EVERY_TYPE = _Every()
_CHECKED_TYPES = frozenset((*T.TOP_LEVEL_ONLY, *T.OPENERS, "$END"))


class _StopAt(Exception):
    def __init__(self, expected: dict[str, int]) -> None:
        self.expected = expected


_WORDLIKE = frozenset(("IDENT", "UPPER_IDENT", "INT", "FLOAT", "UNDERSCORE"))


def _reaches(tok: Token, offset: int) -> bool:
    """Whether ``tok`` is at or past the caret: it ends after it, or it is the word being
    typed right before it (``le|`` completes from before ``le``)."""
    if tok.type == "$END" or tok.end_pos > offset:
        return True
    if tok.end_pos == offset and (tok.type in _WORDLIKE or tok.type in T.RESERVED_TYPES
                                  or tok.type in ("PATTERN", "WHEN")):
        return True
    return False


def expected_at(text: str, state: LexState, offset: int, tabs: Tables | None = None
                ) -> dict[str, int]:
    """Terminals acceptable at ``offset``, parsing the item that starts at ``state`` (with the
    usual recovery) and feeding every token before the caret. Stack-only: no tree callbacks are
    needed past the caret."""
    owner = ItemParser(text, tabs)
    pos_state = state
    while True:
        run = _ItemRun(owner, Lexer(text, owner.t, pos_state))
        run.until = offset
        try:
            item = run.parse()
        except _StopAt as stop:
            return stop.expected
        if item is None or item.tree is None or item.end.pos >= offset or \
                item.end.pos <= pos_state.pos:
            return acceptable(owner.t.states, [owner.t.start_state])
        pos_state = item.end


def _insert_rank(term: str) -> int:
    if term in T.INSERTABLE:
        return T.INSERTABLE.index(term)
    return len(T.INSERTABLE) + (0 if term in ("ERROR", "LBRACE") else 1)


def _simulate(states: dict, stack: list[int], term: str) -> list[int] | None:
    """A copy of ``stack`` after shifting ``term`` (None if it cannot be shifted)."""
    st = stack[:]
    while True:
        act = states[st[-1]].get(term)
        if act is None:
            return None
        action, arg = act
        if action is Shift:
            st.append(arg)
            return st
        size = len(arg.expansion)
        if size:
            del st[-size:]
        st.append(states[st[-1]][arg.origin.name][1])


def parse_items(text: str, *, allow_top_level_expr: bool = False, findings: bool = True
                ) -> list[Item]:
    """Every item of ``text``; ``findings=False`` skips the checks that only add findings
    (for the workspace index, which keeps no findings: its trees are the same)."""
    with gc_paused():
        return list(ItemParser(text, allow_top_level_expr=allow_top_level_expr,
                               findings=findings).items())
