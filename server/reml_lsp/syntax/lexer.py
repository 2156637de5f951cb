"""The Reml lexer: Lark's contextual scanners plus what regular expressions cannot do.

On top of the per-state scanners Lark builds from ``grammars/reml.lark`` it
  * skips trivia itself, with nested ``/* … */`` comments (1-1 §A.2);
  * turns an unknown character into an ``UNKNOWN`` token and a ``parser.lexer.unknown_token``
    finding, so the parser reports the spot and goes on (as the reference compiler does);
  * keeps reserved words keywords everywhere except after ``.``/``::`` (``Parse.then(…)``);
  * decides prefix versus infix forms from the previous token (``(`` ``[`` ``-`` ``|`` ``||``),
    ``return``/``break`` without a value on their line, and emits the virtual ``ARM_START``
    before a bare match arm (see the header of reml.lark).

The lexer state at any token boundary is a small ``LexState`` (position, line, previous token
class), which is what checkpoints store.

Why one module above ~400 lines: every decision above reads and writes the same scanner state
(position, line, previous token, open brackets) and must record in ``max_read`` how far it
looked, which is what the incremental reparse trusts to know which items an edit can change;
kept in one class, a new lookahead cannot forget that bookkeeping. The bounded lookahead
patterns are module constants beside the code that uses them.
"""

from __future__ import annotations

import re
import sys
import unicodedata

import attrs
from lark import Token

from reml_lsp.syntax import tokens as T
from reml_lsp.syntax.grammar import Tables
from reml_lsp.syntax.issues import IssueList, IssueNote, SyntaxIssue
from reml_lsp.syntax.lalr_lookahead import accepts
from reml_lsp.syntax.token_dispatch import Dispatch, build_dispatch

_TRIVIA = re.compile(r"(?:[ \t\f\r\n\ufeff\udc80-\udcff]+|//[^\n]*)+")
_TRIVIA_START = frozenset(" \t\f\r\n\ufeff/")
_COMMENT_MARK = re.compile(r"/\*|\*/")


def block_comment_end(text: str, start: int, stop: int) -> int | None:
    """End of the nested ``/* … */`` comment opening at ``start`` (comments nest, spec 1-1),
    or None when it is not closed before ``stop``."""
    depth = 0
    pos = start
    while True:
        m = _COMMENT_MARK.search(text, pos, stop)
        if m is None:
            return None
        depth += 1 if m.group() == "/*" else -1
        pos = m.end()
        if depth == 0:
            return pos
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BARE_AFTER = frozenset("})],;")
_BLANKS = re.compile(r"[ \t\r\f]*")
# A block comment that closes on its own line (at most 512 characters: the look is bounded).
_LINE_COMMENT_BLOCK = re.compile(r"/\*(?:[^*\n]|\*(?![/\n])){0,512}\*/")


def _continues_word(c: str) -> bool:
    """Whether ``c`` may continue an identifier (``elsewhere`` is a name, ``else`` a keyword)."""
    return c.isalnum() or c == "_" or unicodedata.category(c) in ("Mn", "Mc", "Pc", "Nd")


def _prefix_only(actions: dict, infix: str, prefix: str) -> bool:
    """The parser's state cannot take a token's infix form but can take its prefix one (after a
    lambda's `-> T`, `(` and `-` start the body)."""
    return infix not in actions and prefix in actions


_INT = re.compile(r"[0-9][0-9_]*")
# Spaces and comments (a block comment of at most 512 characters: the look is bounded). After
# the gap no pattern reads more than _AFTER_GAP characters, nor past the end of its line.
_GAP = r"(?:[ \t\r\n]|//[^\n]*|/\*(?:[^*]|\*(?!/)){0,512}\*/)*"
_GAP_RE = re.compile(_GAP)
# After `Name {`: a typed record literal starts with `}`, `..` or `field:` / `field =` /
# `field,` (not `field ==`, `field :=`, `field ::`), or is one shorthand field closed on the
# same line (`Wrapper { value }`: a loop body of one bare name would do nothing).
_RECORD_BODY = re.compile(
    _GAP + r"(?:\}|\.\.|[^\W\d]\w{0,128}[ \t]{0,64}(?::(?![:=])|=(?![=>])|,|\}))")
# After `f(…) {`: a trailing case block starts with `case`.
_CASE_BODY = re.compile(_GAP + r"case\b")
_STRING_AHEAD = re.compile(r"[ \t]{0,64}\"")
_NAME_AHEAD = re.compile(r"[ \t]{1,64}[^\W\d]")
_DECL_WORDS = frozenset(("STRUCT", "ENUM", "CONST"))
_PAREN_OPENERS = frozenset(("LPAR", "LPAR_CALL", "LPAR_LETFN", "LSQB", "LSQB_INDEX",
                            "LBRACE_REC", "LBRACE_SET"))
# After `{`: a set literal starts with a literal (`true`/`false` too) or a constructor
# (`None`, `Color.Red`, `Some(1)`: a capitalised name is no record field) and `,`.
_SET_BODY = re.compile(
    _GAP + r"""(?:"(?:[^"\\\n]|\\.){0,256}"|'(?:[^'\\\n]|\\.){1,8}'|-?[0-9][0-9A-Za-z_.]{0,64}"""
    r"|true|false|[A-Z]\w{0,64}(?:[.][A-Z]\w{0,64}){0,4}(?:[(][^()\n]{0,128}[)])?)"
    r"[ \t]{0,64},")
_AFTER_GAP = 600  # no pattern reads further than this past the spaces and comments
_PARTIAL_LITERAL = re.compile(r'"(?:[^"\\\n]|\\[\s\S])*|\'(?:[^\'\\\n]|\\[\s\S])*')
_CONTEXTUAL_FIX = frozenset(("FLOAT", "GE", "FIXITY"))
_LONG_LITERALS = frozenset(("MULTILINE_STRING", "RAW_STRING"))
_MAY_SPAN_LINES = frozenset(("STRING", "MULTILINE_STRING", "RAW_STRING", "CHAR"))
# Token types whose final class depends on context (keywords, prefix/infix forms, `t.0.1`…).
_SPECIAL = frozenset(("IDENT", "LPAR", "LSQB", "MINUS", "VBAR", "OROR", "FLOAT", "GE", "FIXITY",
                      "LBRACE",
                      *T.RESERVED.values()))
_DEAD: dict[int, set[str]] = {}  # per scanner set: characters that start no token at all
# The trivia before a token (spaces, line comments, undecodable bytes): possessive, and only
# tried where one starts. Block comments (nested) are not in it: a token that starts with `/*`
# sends the lexer to the slow path.
_LEAD = re.compile(r"(?:[ \t\f\r\n\ufeff\udc80-\udcff]++|//[^\n]*+)*+")
_LEAD_START = frozenset(" \t\f\r\n\ufeff/") | frozenset(map(chr, range(0xDC80, 0xDD00)))
_DISPATCH: dict[int, Dispatch | None] = {}  # per scanner set (see syntax.token_dispatch)
_ARG_CHARS = 64  # characters of an unknown run kept for the message (shortened again later)
# Read once per token: module globals, not attributes of ``tokens``.
_PATTERN_START, _OPENERS, _CLOSERS = T.PATTERN_START, T.OPENERS, T.CLOSERS
_RESERVED, _CONTEXTUAL = T.RESERVED, T.CONTEXTUAL
_KEYWORD_WORDS = frozenset(_RESERVED) | frozenset(_CONTEXTUAL)  # the IDENTs `_classify` changes


@attrs.define(slots=True)
class LexState:
    """Where lexing resumes: everything the next token's classification depends on."""

    pos: int = 0
    line: int = 1
    line_start: int = 0
    prev_type: str | None = None
    prev_line: int = 0  # line on which the previous token ended

    def shifted(self, delta_pos: int, delta_line: int) -> LexState:
        return LexState(self.pos + delta_pos, self.line + delta_line,
                        self.line_start + delta_pos, self.prev_type,
                        self.prev_line + delta_line if self.prev_line else 0)


_new_str = str.__new__
_intern = sys.intern


def _tok(type_: str, value: str, start: int, line: int, col: int, end_line: int, end_col: int,
         end: int) -> Token:
    """A Lark ``Token`` without going through its (argument-checking) constructor."""
    tok = _new_str(Token, value)
    tok.type = type_
    tok.value = value
    tok.start_pos = start
    tok.line = line
    tok.column = col
    tok.end_line = end_line
    tok.end_column = end_col
    tok.end_pos = end
    return tok


class Lexer:
    def __init__(self, text: str, tables: Tables, state: LexState | None = None,
                 limit: int | None = None) -> None:
        self.text = text
        # ``limit``: lex only text[:limit] (a stream buffer that may grow); reaching it reads
        # "past the end", which the incremental runner treats as needing more input.
        self.n = len(text) if limit is None else min(limit, len(text))
        self.tables = tables
        st = state or LexState()
        self.pos, self.line, self.line_start = st.pos, st.line, st.line_start
        self.prev_type, self.prev_line = st.prev_type, st.prev_line
        self.issues: IssueList = IssueList()  # bounded: a flood is counted, not kept
        self.open_brackets: list[Token] = []  # unclosed openers, innermost last
        self.max_read = st.pos  # furthest character looked at (incremental dependency)
        self._mres = tables.scanner_mres
        key = id(self._mres)
        if key not in _DISPATCH:
            _DISPATCH[key] = build_dispatch(self._mres)
        dispatch = _DISPATCH[key]
        self._by_char = dispatch.by_char if dispatch is not None else {}
        self._full = dispatch.full if dispatch is not None else None
        self.states = tables.states

    # -- state -------------------------------------------------------------------------------
    def state(self) -> LexState:
        return LexState(self.pos, self.line, self.line_start, self.prev_type, self.prev_line)

    def restore(self, st: LexState) -> None:
        self.pos, self.line, self.line_start = st.pos, st.line, st.line_start
        self.prev_type, self.prev_line = st.prev_type, st.prev_line

    def note_token(self, tok: Token) -> None:
        """Record ``tok`` as the previous token (used after a virtual insertion too)."""
        self.prev_type = tok.type
        self.prev_line = tok.end_line

    # -- trivia ------------------------------------------------------------------------------
    def _skip_trivia(self) -> None:
        text, n = self.text, self.n
        pos = self.pos
        if pos < n and text[pos] not in _TRIVIA_START and text[pos] < "\udc80":
            self.max_read = max(self.max_read, pos + 1)
            return
        while pos < n:
            m = _TRIVIA.match(text, pos, n)
            if m:
                end = m.end()
                nl = text.count("\n", pos, end)
                if nl:
                    self.line += nl
                    self.line_start = text.rfind("\n", pos, end) + 1
                pos = end
                continue
            if text.startswith("/*", pos, n):
                pos = self._block_comment(pos)
                continue
            break
        self.pos = pos
        self.max_read = max(self.max_read, pos + 1)

    def _block_comment(self, start: int) -> int:
        text = self.text
        end = block_comment_end(text, start, self.n)
        if end is None:
            self.issues.append(SyntaxIssue(
                "parser.lexer.unknown_token", "lexer.unterminated_comment", start, start + 2,
                notes=[IssueNote("lexer.skip_to_end", label="lexer")]))
            end = self.n
            self.max_read = self.n + 1
        nl = text.count("\n", start, end)
        if nl:
            self.line += nl
            self.line_start = text.rfind("\n", start, end) + 1
        return end

    # -- tokens ------------------------------------------------------------------------------
    def eof_token(self) -> Token:
        col = self.pos - self.line_start + 1
        return _tok("$END", "", self.pos, self.line, col, self.line, col, self.pos)

    def next(self, stack: list[int]) -> Token:
        """The next token for a parser whose state stack is ``stack``."""
        text, pos, n = self.text, self.pos, self.n
        # The trivia, then the token, with the scanner for the token's first character.
        m = None
        start = pos
        if pos < n and text[pos] in _LEAD_START:
            if text[pos] == " " and pos + 1 < n and text[pos + 1] not in _LEAD_START:
                start = pos + 1  # one space (the usual gap): no regex, no line to count
            else:
                start = _LEAD.match(text, pos, n).end()
        if start < n:
            scanner = self._by_char.get(text[start]) or self._full
            if scanner is not None:
                m = scanner.match(text, start, n)
        if m is not None:
            type_ = m.lastgroup
            if text[start] == "/" and text.startswith("/*", start, n):
                m = None  # a block comment (nested ones are counted by hand): the slow path
            elif start == pos + 1 and text[pos] == " ":
                pos = self.pos = start
            elif start != pos:
                nl = text.count("\n", pos, start)
                if nl:
                    self.line += nl
                    self.line_start = text.rfind("\n", pos, start) + 1
                pos = self.pos = start
        if m is None:
            self._skip_trivia()
            pos = self.pos
            if pos >= n:
                self.max_read = n + 1  # the decision depends on there being nothing more
                return self.eof_token()
            for mre in self._mres:
                m = mre.match(text, pos, n)
                if m:
                    break
            if m is None:
                return self._unknown()
            type_ = m.lastgroup
        value = m.group()  # each alternative is one named group spanning the whole match
        if len(value) <= 24:  # names, keywords and punctuation repeat: share one string
            value = _intern(value)
        end = m.end()
        # A pattern may have stopped short for want of input (`1.25e` before `-3`, `.` before
        # `.=`): a token this close to the end depends on what comes after the buffer. (It also
        # covers the trivia before the token: ``reach`` > ``pos``.)
        reach = end + 1 if end + 3 < n else n + 1
        first = text[pos]
        if (first == '"' or first == "r") and type_ not in _LONG_LITERALS and (
                text.startswith(('"""', 'r"', 'r#'), pos, n)):
            reach = n + 1  # a multi-line literal that did not close was searched for to the end
        if reach > self.max_read:
            self.max_read = reach
        if type_ == "IDENT":  # most identifiers are neither reserved nor contextual words
            if value in _KEYWORD_WORDS:
                type_, value, end = self._classify(type_, value, end, self.prev_type, stack)
        elif type_ in _SPECIAL:
            type_, value, end = self._classify(type_, value, end, self.prev_type, stack)
        line = self.line
        col = pos - self.line_start + 1
        if type_ in _MAY_SPAN_LINES:
            nl = value.count("\n")
            if nl:
                self.line += nl
                self.line_start = text.rfind("\n", pos, end) + 1
        tok = _new_str(Token, value)  # what ``_tok`` does, inline: this runs once per token
        tok.type = type_
        tok.value = value
        tok.start_pos = pos
        tok.line = line
        tok.column = col
        tok.end_line = self.line
        tok.end_column = end - self.line_start + 1
        tok.end_pos = end
        if type_ in _PATTERN_START and "ARM_START" in self.states[stack[-1]]:
            arm = self._arm_start(tok, stack)
            if arm is not None:
                # Re-read this token after ARM_START (its classification does not change).
                self.line, self.line_start = line, pos - col + 1
                return arm
        self.pos = end
        self.prev_type = type_
        self.prev_line = self.line
        if type_ in _OPENERS:
            self.open_brackets.append(tok)
        elif type_ in _CLOSERS and self.open_brackets:
            if _OPENERS[self.open_brackets[-1].type] == type_:
                self.open_brackets.pop()
        return tok

    def _classify(self, type_: str, value: str, end: int, prev: str | None, stack: list[int]
                  ) -> tuple[str, str, int]:
        """Keywords, contextual decisions, and the prefix/infix forms (see the module doc)."""
        state = stack[-1]
        if type_ in _CONTEXTUAL_FIX:
            type_, value, end = self._contextual(type_, value, end, prev, state)
        if type_ == "IDENT":
            kw = _RESERVED.get(value)
            if kw is not None:
                if prev not in ("DOT", "COLONCOLON"):
                    type_ = kw
                    if type_ in ("RETURN", "BREAK") and self._bare(end):
                        type_ += "_BARE"
            else:
                kw = _CONTEXTUAL.get(value)
                if kw is not None and ((kw in self.states[state] and (
                        kw != "TEST" or self._string_follows(end))) or (
                        kw in _DECL_WORDS and self.prev_line != self.line and
                        self._follows(_NAME_AHEAD, end))):
                    # A declaration word that starts a line before a name (`struct P`) is the
                    # keyword even where the parser cannot take it: recovery ends the broken
                    # item there, as it does at `fn` or `type`.
                    type_ = kw
            return type_, value, end
        if type_ in T.RESERVED_TYPES:
            if prev in ("DOT", "COLONCOLON"):
                return "IDENT", value, end
            if type_ in ("RETURN", "BREAK") and self._bare(end):
                type_ += "_BARE"
            return type_, value, end
        operand_before = prev in T.OPERAND_END
        same_line = self.prev_line == self.line
        # Inside `(…)`, `[…]` or a record's `{…}` no statement ends at a line break, so there
        # an operand's `(`, `[` and `-` continue it on the next line too (`g(a\n - b)`). Where
        # the parser cannot take the infix form (after a lambda's `-> T`), the prefix one.
        joined = operand_before and (same_line or self._in_parens())
        actions = self.states[state]
        if type_ == "LPAR":
            if joined:
                type_ = "LPAR_LETFN" if prev == "IDENT" and "LPAR_LETFN" in actions and \
                    same_line else "LPAR_CALL"
                if type_ == "LPAR_CALL" and _prefix_only(actions, "LPAR_CALL", "LPAR"):
                    type_ = "LPAR"
        elif type_ == "LSQB":
            if joined and not _prefix_only(actions, "LSQB_INDEX", "LSQB"):
                type_ = "LSQB_INDEX"
        elif type_ == "MINUS":
            if not joined or _prefix_only(actions, "MINUS", "NEG"):
                type_ = "NEG"
        elif type_ == "VBAR":
            if not operand_before:
                type_ = "BAR_PREFIX"
            elif not same_line and not accepts(self.tables.states, stack, "VBAR"):
                # a line starting with `|` where no arm or alternative can follow: a lambda
                # (`let base = k * 2` then `|x| x + base` as the block's result)
                type_ = "BAR_PREFIX"
        elif type_ == "OROR":
            if not operand_before:
                type_ = "OROR_PREFIX"
        elif type_ == "LBRACE" and not operand_before and "LBRACE_SET" in actions:
            if self._follows(_SET_BODY, end):
                type_ = "LBRACE_SET"
        elif type_ == "LBRACE" and same_line and prev in ("UPPER_IDENT", "RPAR"):
            special = "LBRACE_REC" if prev == "UPPER_IDENT" else "LBRACE_CASE"
            if special in actions and self._follows(
                    _RECORD_BODY if prev == "UPPER_IDENT" else _CASE_BODY, end):
                type_ = special
        return type_, value, end

    def _in_parens(self) -> bool:
        brackets = self.open_brackets
        return bool(brackets) and brackets[-1].type in _PAREN_OPENERS

    def _string_follows(self, end: int) -> bool:
        """`test "name" { … }` (Core.Test 3-11): `test` is the keyword only before a string."""
        return self._follows(_STRING_AHEAD, end)

    def _follows(self, pattern: re.Pattern[str], end: int) -> bool:
        """Whether ``pattern`` matches at ``end``; records how far the look may have read (to
        the end of the line after the leading spaces and comments: incremental reparsing must
        see an edit there)."""
        text, n = self.text, self.n
        m = pattern.match(text, end, n)
        gap = _GAP_RE.match(text, end, n).end()
        stop = min(n, gap + _AFTER_GAP)
        eol = text.find("\n", gap, stop)
        reach = max(m.end() if m else 0, stop if eol < 0 else eol) + 1
        if reach > self.max_read:
            self.max_read = reach
        return m is not None

    def _contextual(self, type_: str, value: str, end: int, prev: str | None, state: int
                    ) -> tuple[str, str, int]:
        """The decisions Lark's contextual lexer would take from the parser state: `t.0.1` is
        two tuple indices, `Vec<T>=` closes the type arguments, `a:infix_left` is a field."""
        acts = self.tables.states[state]
        if type_ == "FLOAT" and prev == "DOT":
            m = _INT.match(self.text, self.pos, self.n)
            return "INT", m.group(), m.end()
        if type_ == "GE" and "GE" not in acts and "GT" in acts:
            return "GT", ">", self.pos + 1
        if type_ == "FIXITY" and "FIXITY" not in acts:
            return "COLON", ":", self.pos + 1
        return type_, value, end

    def _unknown(self) -> Token:
        """One ``UNKNOWN`` token and one finding for a whole run of characters that start no
        token (a megabyte of NUL bytes is one finding, not a million)."""
        pos = self.pos
        text = self.text
        ch = text[pos]
        key = "lexer.unknown_token"
        if ch == '"':
            key = "lexer.unterminated_string"
        elif ch == "'":
            key = "lexer.unterminated_char"
        elif ch in _BIDI:
            key = "lexer.bidi_control"
        end = self._run_end(pos, ch, key)
        col = pos - self.line_start + 1
        run = text[pos:end]
        self.issues.append(SyntaxIssue(
            "parser.lexer.unknown_token", key, pos, end, args=(run[:_ARG_CHARS],),
            notes=[IssueNote("lexer.skip_token", label="lexer")]))
        self.pos = end
        # How far the failed literal patterns looked (an escaped newline continues a string).
        partial = _PARTIAL_LITERAL.match(text, end - 1, self.n)
        scanned = partial.end() if partial else end
        self.max_read = max(self.max_read, end + 1, scanned + 2)
        tok = _tok("UNKNOWN", run, pos, self.line, col, self.line, col + end - pos, end)
        self.prev_type = "UNKNOWN"
        self.prev_line = self.line
        return tok

    def _run_end(self, pos: int, ch: str, key: str) -> int:
        """End of the run of unlexable characters that starts at ``pos``: the same quote
        repeated, or characters that are neither trivia nor the start of a token (invalid bytes,
        already reported by the decoder, do not break a run)."""
        text, n = self.text, self.n
        end = pos + 1
        if key == "lexer.bidi_control":
            return end
        quote = key != "lexer.unknown_token"
        mres = self._mres
        dead = _DEAD.setdefault(id(mres), set())
        while end < n:
            c = text[end]
            if quote:
                if c != ch:
                    break
                if ch == "'" and text.startswith("''", end, n):
                    end += 1  # `''` starts no character literal
                    continue
            elif c in _TRIVIA_START or c == '"' or c == "'" or c in _BIDI:
                if c != "/" or text.startswith(("//", "/*"), end):
                    break
            elif "\udc80" <= c <= "\udcff" or c in dead:
                end += 1
                continue
            if any(mre.match(text, end, n) for mre in mres):
                break
            if c > "\x7f" or c < " ":
                # No token starts with this character whatever follows (tokens that begin
                # with a non-ASCII or control character are one-character identifiers): later
                # occurrences skip the scanners.
                dead.add(c)
            end += 1
        return end

    def _line_end(self, pos: int) -> int:
        eol = self.text.find("\n", pos, self.n)
        return self.n if eol < 0 else eol

    def _bare(self, pos: int) -> bool:
        """True when nothing but trivia follows on this line, or a closer/separator or `else`
        does (`if c then break else ()`: `else` starts no expression). Looks no further than
        the first non-blank word (not to the end of the line: a long line of
        `return return …` made that quadratic)."""
        text, n = self.text, self.n
        i = _BLANKS.match(text, pos, n).end()
        while text.startswith("/*", i, n):  # `return /* why */ x`: a comment on this line only
            m = _LINE_COMMENT_BLOCK.match(text, i, n)
            self.max_read = max(self.max_read, (m.end() if m else i + 2) + 1)
            if m is None:
                return True  # it runs past the line (or the look's bound): the line ends here
            i = _BLANKS.match(text, m.end(), n).end()
        if i >= n:
            self.max_read = max(self.max_read, n + 1)
            return True
        self.max_read = max(self.max_read, i + 2)  # text[i] and the one after (`//`, `/*`)
        c = text[i]
        if c == "e" and text.startswith("else", i, n):
            self.max_read = max(self.max_read, i + 6)
            return i + 4 >= n or not _continues_word(text[i + 4])
        return c == "\n" or c in _BARE_AFTER or text.startswith(("//", "/*"), i, n)

    def _line_has_arrow(self, pos: int) -> bool:
        """Whether a `->` follows on this line outside brackets and strings."""
        eol = self._line_end(pos)
        self.max_read = max(self.max_read, eol + 1)
        text = self.text
        i = text.find("->", pos, eol)
        if i < 0:
            return False
        depth = 0
        j = pos
        while j < eol:
            c = text[j]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth < 0:
                    return False
            elif c == '"' or c == "'":
                close = text.find(c, j + 1, eol)
                j = eol if close < 0 else close
            elif c == "-" and depth == 0 and text.startswith("->", j):
                return True
            elif c == "/" and text.startswith("//", j):
                return False
            j += 1
        return False

    def _arm_start(self, tok: Token, stack: list[int]) -> Token | None:
        states = self.tables.states
        if not accepts(states, stack, "ARM_START"):
            return None
        if accepts(states, stack, tok.type) and not self._line_has_arrow(tok.start_pos):
            return None
        return _tok("ARM_START", "", tok.start_pos, tok.line, tok.column, tok.line, tok.column,
                    tok.start_pos)
