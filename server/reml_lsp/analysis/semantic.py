"""Semantic token classification with a fixed, documented legend (docs/lsp.md).

``semantic_tokens`` returns absolute ``(start, end, type_index, modifier_bits)`` in code points,
sorted and non-overlapping; the LSP adapter encodes them relative, in the negotiated position
encoding, one token per line.
"""

from __future__ import annotations

from collections.abc import Sequence

from lark import Token, Tree

from reml_lsp.analysis.comments import comments
from reml_lsp.analysis.scopes import ScopeIndex, build_scopes
from reml_lsp.analysis.tree import NAME_TYPES, Entry, first_token
from reml_lsp.syntax import tokens as T

# The legend. Order is the wire format: never reorder, only append.
TOKEN_TYPES: tuple[str, ...] = (
    "namespace",      # 0  module paths, `use` segments, conductors
    "type",           # 1  types, type aliases
    "enumMember",     # 2  variants / constructors (`Circle`, `Some`)
    "interface",      # 3  traits and effects
    "class",          # 4  handlers, impl targets
    "typeParameter",  # 5  generic parameters
    "parameter",      # 6  function, lambda and handler parameters
    "variable",       # 7  let / var bindings and their uses
    "property",       # 8  record fields, members after `.`
    "function",       # 9  functions, active patterns
    "method",         # 10 trait/impl methods, effect operations
    "macro",          # 11 attributes (`@cfg`), `llvm_ir!`
    "keyword",        # 12 reserved and contextual keywords, `true`/`false`
    "comment",        # 13 comments (doc comments carry `documentation`)
    "string",         # 14 string and character literals
    "number",         # 15 integer and float literals
    "operator",       # 16 operators (`|>`, `->`, `+`, `==` …)
)
TOKEN_MODIFIERS: tuple[str, ...] = (
    "declaration",    # bit 0: the name where it is declared
    "readonly",       # bit 1: `let` bindings
    "mutable",        # bit 2: `var` bindings
    "documentation",  # bit 3: doc comments (`///`)
)
TYPE = {name: i for i, name in enumerate(TOKEN_TYPES)}
DECLARATION, READONLY, MUTABLE, DOCUMENTATION = 1, 2, 4, 8

KIND_TYPE = {
    "function": "function", "method": "method", "type": "type", "variant": "enumMember",
    "trait": "interface", "effect": "interface", "operation": "method", "handler": "class",
    "conductor": "namespace", "pattern": "function", "let": "variable", "var": "variable",
    "param": "parameter", "type_param": "typeParameter", "import": "namespace",
    "module": "namespace",
}
KEYWORDS = frozenset((*T.RESERVED.values(), *T.CONTEXTUAL.values(), "RETURN_BARE",
                      "BREAK_BARE")) - {"UNDERSCORE"}
NUMBERS = frozenset(("INT", "FLOAT"))
STRINGS = frozenset(("STRING", "RAW_STRING", "MULTILINE_STRING", "CHAR"))
OPERATORS = frozenset(
    "PIPE SQUIGARROW ARROW FATARROW COLONEQ EQEQ NOTEQ LE GE ANDAND OROR OROR_PREFIX LT GT PLUS "
    "MINUS NEG STAR SLASH PERCENT CARET BANG QMARK DOTDOT DOTDOTEQ EQ ELLIPSIS VBAR BAR_PREFIX "
    "FIXITY".split())
# Parent node → classification of an identifier directly under it (when not a binding/ref).
PARENT_TYPE = {
    "module_path": "namespace", "use_tree": "namespace", "use_tail": "namespace",
    "use_item": "namespace", "use_root": "namespace", "use_alias": "namespace",
    "attr": "macro", "field": "property", "path_segment": "property", "field_init": "property",
    "record": "property", "field_type": "property", "field_pattern": "property",
    "named_arg": "property", "operation_decl": "method", "handler_entry": "method",
    "conductor_dsl": "namespace", "conductor_tail": "function", "path": "namespace",
    "pattern_path": "enumMember", "type_path": "type", "fn_name": "type",
}
DECLARING_PARENTS = frozenset(("operation_decl", "handler_entry", "field_type"))


def semantic_tokens(text: str, entries: Sequence[Entry], scopes: ScopeIndex | None = None,
                    start: int = 0, end: int | None = None) -> list[tuple[int, int, int, int]]:
    """Tokens overlapping ``[start, end)`` (the whole text by default)."""
    scopes = scopes or build_scopes(entries)
    end = len(text) if end is None else end
    sites = {b.start: b for b in scopes.bindings}
    out: list[tuple[int, int, int, int]] = []
    for tree, dpos in entries:
        first = first_token(tree)
        if first is not None and first.start_pos + dpos > end:
            continue
        _walk(tree, dpos, sites, scopes, out, start, end, None, False)
    for c in comments(text, entries):
        if c.end >= start and c.start <= end:
            out.append((c.start, c.end, TYPE["comment"], DOCUMENTATION if c.doc else 0))
    out.sort()
    cleaned: list[tuple[int, int, int, int]] = []
    last_end = -1
    for tok in out:
        if tok[0] >= last_end and tok[1] > tok[0]:
            cleaned.append(tok)
            last_end = tok[1]
    return cleaned


def _walk(node: Tree, dpos: int, sites, scopes: ScopeIndex, out: list, lo: int, hi: int,
          parent: str | None, callee: bool) -> None:
    data = node.data
    children = node.children
    for i, child in enumerate(children):
        if isinstance(child, Tree):
            is_callee = data == "call" and i == 0
            _walk(child, dpos, sites, scopes, out, lo, hi, data, is_callee)
            continue
        if not isinstance(child, Token) or not child.value:
            skipped = getattr(child, "skipped", None)
            if skipped:
                _walk(Tree("error", list(skipped)), dpos, sites, scopes, out, lo, hi, data,
                      False)
            continue
        s, e = child.start_pos + dpos, child.end_pos + dpos
        if e < lo or s > hi:
            continue
        classified = _classify(child, s, data, parent, callee, sites, scopes)
        if classified is not None:
            out.append((s, e, *classified))


def _classify(tok: Token, start: int, data: str, parent: str | None, callee: bool, sites,
              scopes: ScopeIndex) -> tuple[int, int] | None:
    ttype = tok.type
    if ttype in NAME_TYPES:
        site = sites.get(start)
        if site is not None:
            return TYPE[KIND_TYPE.get(site.kind, "variable")], DECLARATION | _mods(site.kind)
        if data in ("var", "type_path", "path", "pattern_path") and (
                data != "pattern_path" or tok is not None):
            binding = scopes.resolve(str(tok), start)
            if binding is not None:
                if binding.kind == "import" and str(tok)[:1].isupper() and data == "var":
                    return TYPE["type"], 0
                return TYPE[KIND_TYPE.get(binding.kind, "variable")], _mods(binding.kind)
            if data == "var":
                if str(tok)[:1].isupper():
                    return TYPE["enumMember"], 0
                return TYPE["function" if callee else "variable"], 0
        if data in ("field", "path_segment") and callee:
            return TYPE["method"], 0
        kind = PARENT_TYPE.get(data)
        if kind is not None:
            return TYPE[kind], DECLARATION if data in DECLARING_PARENTS else 0
        return TYPE["variable"], 0
    if ttype in KEYWORDS:
        return TYPE["keyword"], 0
    if ttype in NUMBERS:
        return TYPE["number"], 0
    if ttype in STRINGS:
        return TYPE["string"], 0
    if ttype in OPERATORS:
        return TYPE["operator"], 0
    if ttype in ("AT", "LLVM_IR"):
        return TYPE["macro"], 0
    return None


def _mods(kind: str) -> int:
    if kind == "let":
        return READONLY
    if kind == "var":
        return MUTABLE
    return 0
