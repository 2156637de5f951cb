"""Terminal classes of the Reml grammar and the labels the reference compiler uses for them."""

from __future__ import annotations

from reml_lsp.diagnostics.text import shorten

# Reserved words (spec 1-1 §A.3): keywords everywhere except right after `.` or `::`.
RESERVED: dict[str, str] = {
    word: word.upper()
    for word in (
        "module use as pub self super let var fn type alias trait impl extern effect "
        "handler conductor channels execution monitoring if then else match with for "
        "in while loop return defer unsafe perform do handle where true false break continue"
    ).split()
}
# Words that are keywords only where the grammar can take them (they stay identifiers elsewhere).
CONTEXTUAL: dict[str, str] = {"pattern": "PATTERN", "when": "WHEN", "_": "UNDERSCORE",
                              "struct": "STRUCT", "enum": "ENUM", "const": "CONST",
                              "mut": "MUT", "async": "ASYNC", "new": "NEW",
                              "operation": "OPERATION", "case": "CASE", "await": "AWAIT",
                              "move": "MOVE", "rec": "REC", "test": "TEST", "macro": "MACRO",
                              "actor": "ACTOR", "spec": "SPEC"}

# Tokens after which the next `(`, `[`, `-`, `|`, `||` is in infix/postfix position.
OPERAND_END = frozenset(
    "IDENT UPPER_IDENT INT FLOAT STRING RAW_STRING MULTILINE_STRING CHAR TRUE FALSE SELF "
    "UNDERSCORE RPAR RSQB RBRACE QMARK CONTINUE RETURN_BARE BREAK_BARE FIXITY".split()
)

# Tokens that may begin a pattern (a bare match arm starts with one of them).
PATTERN_START = frozenset(
    "IDENT UPPER_IDENT INT FLOAT STRING RAW_STRING MULTILINE_STRING CHAR TRUE FALSE SELF "
    "UNDERSCORE LPAR LSQB LBRACE DOTDOT DOTDOTEQ NEG".split()
)

OPENERS = {"LPAR": "RPAR", "LPAR_CALL": "RPAR", "LSQB": "RSQB", "LSQB_INDEX": "RSQB",
           "LBRACE": "RBRACE", "LBRACE_REC": "RBRACE", "LBRACE_CASE": "RBRACE",
           "LBRACE_SET": "RBRACE", "LPAR_LETFN": "RPAR"}
CLOSERS = frozenset(("RPAR", "RSQB", "RBRACE"))

# Tokens that only begin a top-level declaration: one at the start of a line, at or left of the
# column where the broken item began, ends that item during error recovery.
DECL_START = frozenset(
    "MODULE USE PUB FN TYPE TRAIT IMPL EXTERN EFFECT HANDLER CONDUCTOR PATTERN AT LET VAR "
    "STRUCT ENUM CONST HASH_LSQB".split()
)

# Keywords that never occur inside brackets in valid code (`fn` only in its declaring form).
TOP_LEVEL_ONLY = frozenset(
    "MODULE USE PUB FN TYPE TRAIT IMPL EXTERN EFFECT HANDLER CONDUCTOR PATTERN".split()
)

# Single tokens the recovery may insert, in order of preference.
INSERTABLE = ("RPAR", "RSQB", "RBRACE", "ARROW", "EQ", "THEN", "ELSE", "WITH", "IN", "COMMA",
              "FATARROW", "COLON")

VIRTUAL = frozenset(("ERROR", "ARM_START", "$END"))

CLASS_LABELS = {
    "IDENT": "identifier",
    "UPPER_IDENT": "upper-identifier",
    "INT": "integer-literal",
    "FLOAT": "float-literal",
    "STRING": "string-literal",
    "RAW_STRING": "string-literal",
    "MULTILINE_STRING": "string-literal",
    "CHAR": "char-literal",
    "UNDERSCORE": "identifier",  # `_` is lexically an identifier (wildcard, pipe placeholder)
}

_PUNCT = {
    "PIPE": "|>", "SQUIGARROW": "~>", "ARROW": "->", "FATARROW": "=>", "COLONEQ": ":=",
    "COLONCOLON": "::", "ELLIPSIS": "...", "DOTDOTEQ": "..=", "DOTDOT": "..", "EQEQ": "==",
    "NOTEQ": "!=", "LE": "<=", "GE": ">=", "ANDAND": "&&", "OROR": "||", "OROR_PREFIX": "||",
    "LPAR": "(", "LPAR_CALL": "(", "RPAR": ")", "LSQB": "[", "LSQB_INDEX": "[", "RSQB": "]",
    "LBRACE": "{", "RBRACE": "}", "COMMA": ",", "SEMI": ";", "COLON": ":", "DOT": ".", "EQ": "=",
    "LT": "<", "GT": ">", "PLUS": "+", "MINUS": "-", "NEG": "-", "STAR": "*", "SLASH": "/",
    "PERCENT": "%", "CARET": "^", "BANG": "!", "QMARK": "?", "AT": "@", "VBAR": "|",
    "BAR_PREFIX": "|", "LLVM_IR": "llvm_ir!",
    "AMP": "&", "HASH_LSQB": "#[", "LBRACE_REC": "{", "LBRACE_CASE": "{", "LBRACE_SET": "{",
    "LPAR_LETFN": "(",
}
_KEYWORD_LABELS = {v: k for k, v in {**RESERVED, **CONTEXTUAL}.items()}
_KEYWORD_LABELS.update({"RETURN_BARE": "return", "BREAK_BARE": "break"})


def label(terminal: str) -> tuple[str, str]:
    """(label, kind) of a terminal as the reference prints expected tokens; kind is one of
    keyword, token, class, rule, eof."""
    if terminal in CLASS_LABELS:
        return CLASS_LABELS[terminal], "class"
    if terminal in _PUNCT:
        return _PUNCT[terminal], "token"
    if terminal in _KEYWORD_LABELS:
        return _KEYWORD_LABELS[terminal], "keyword"
    if terminal == "FIXITY":
        return "fixity-symbol", "class"
    if terminal == "ARM_START":
        return "pattern", "rule"
    if terminal == "$END":
        return "EOF", "eof"
    return terminal.lower(), "rule"


def display(terminal: str, value: str | None = None) -> str:
    """How a found token is shown in a message."""
    if terminal == "$END":
        return "end of input"
    if value:
        # by grapheme clusters: never splits a character (escaping is the message builder's)
        return value if len(value) <= 24 else shorten(value, 22)
    return label(terminal)[0]

RESERVED_TYPES = frozenset(RESERVED.values())

BINOPS = frozenset(
    "OROR ANDAND EQEQ NOTEQ LT LE GT GE DOTDOT DOTDOTEQ PLUS MINUS STAR SLASH PERCENT CARET "
    "PIPE".split()
)

# Terminals that can begin an expression (used to recognise "an operand is missing").
EXPR_START_SET = frozenset(
    "IDENT UPPER_IDENT INT FLOAT STRING RAW_STRING MULTILINE_STRING CHAR TRUE FALSE SELF "
    "UNDERSCORE LPAR LSQB LBRACE NEG BANG BAR_PREFIX OROR_PREFIX AT IF MATCH WHILE FOR LOOP "
    "ASYNC AWAIT REC TEST UNSAFE PERFORM DO HANDLE RETURN RETURN_BARE BREAK BREAK_BARE "
    "CONTINUE DEFER FN FIXITY LLVM_IR HASH_LSQB LBRACE_SET".split()
)

# Group order of expected alternatives (the reference: keyword < token/eof < class < rule).
KIND_ORDER = {"keyword": 0, "token": 1, "eof": 1, "class": 2, "rule": 3}
