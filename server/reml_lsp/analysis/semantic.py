"""Semantic token classification with a fixed, documented legend (docs/lsp.md).

``semantic_tokens`` returns absolute ``(start, end, type_index, modifier_bits)`` in code points,
sorted and non-overlapping; the LSP adapter encodes them relative, in the negotiated position
encoding, one token per line.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from lark import Token, Tree

from reml_lsp.analysis.comments import comments
from reml_lsp.analysis.comments import scan as comment_scan
from reml_lsp.analysis.scopes import INF, ScopeIndex, _inner, build_scopes, item_scopes
from reml_lsp.analysis.tree import NAME_TYPES, Entry, first_token, last_token, tokens
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
                    start: int = 0, end: int | None = None,
                    cache: SemanticCache | None = None) -> list[tuple[int, int, int, int]]:
    """Tokens overlapping ``[start, end)`` (the whole text by default).

    With a ``cache`` (one per open document), the tokens of each item are kept across versions
    and only new items, or items whose top-level names resolve differently, are classified
    again. The result is the same as without it."""
    scopes = scopes or build_scopes(entries)
    end = len(text) if end is None else end
    if cache is None:
        cache = SemanticCache()
        transient = True
    else:
        transient = False
    result = cache.tokens(text, entries, scopes, start, end, whole=start == 0 and end == len(text))
    if result is None:
        result = _from_scratch(text, entries, scopes, start, end)
    if transient:
        cache.clear()
    return result


def _clean(toks: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Sorted tokens without empty ones and without any that overlap an earlier one."""
    toks.sort()
    cleaned: list[tuple[int, int, int, int]] = []
    last_end = -1
    for tok in toks:
        if tok[0] >= last_end and tok[1] > tok[0]:
            cleaned.append(tok)
            last_end = tok[1]
    return cleaned


def _from_scratch(text: str, entries: Sequence[Entry], scopes: ScopeIndex, start: int,
                  end: int) -> list[tuple[int, int, int, int]]:
    """The whole-document computation (used when items overlap, so per-item blocks don't
    apply)."""
    sites = {b.start: b for b in scopes.bindings}

    def resolve(name: str, offset: int) -> str | None:
        binding = scopes.resolve(name, offset)
        return None if binding is None else binding.kind

    out: list[tuple[int, int, int, int]] = []
    for tree, dpos in entries:
        first = first_token(tree)
        if first is not None and first.start_pos + dpos > end:
            continue
        _walk(tree, dpos, sites, resolve, out, start, end, None, False)
    for c in comments(text, entries):
        if c.end >= start and c.start <= end:
            out.append((c.start, c.end, TYPE["comment"], DOCUMENTATION if c.doc else 0))
    return _clean(out)


@attrs.define(eq=False)
class _Block:
    """The tokens of one item in its parse-time positions: semantic tokens plus the comments
    between its own tokens. ``lo``/``hi`` bound every token of the item (skipped ones too)."""

    tree: Tree
    lo: int
    hi: int
    first: int | None  # start of the first real token (range requests skip items after it)
    source: str  # text[lo:hi + _PEEK] when computed: the internal comments depend on it
    deps: tuple[tuple[str, str | None], ...]  # top-level names looked up → kind they had
    raw: list[tuple[int, int, int, int]]  # sorted, not cleaned (range requests filter first)
    full: list[tuple[int, int, int, int]]  # _clean(raw)
    # a name resolved outside the item's span (tokens out of order after a recovery): the
    # whole-document lookup might pick another item there, so the request falls back
    irregular: bool = False


_PEEK = 4  # how far the comment scanner may look past a gap (`////` at its end)
_EMPTY = object()  # cached "this item has no tokens at all"


class SemanticCache:
    """Per-item token blocks of one document, kept across its versions: the incremental parser
    keeps the tree object of every item an edit did not reparse, so a block is reused while
    its tree is the same object, its text is the same and the top-level names it resolved to
    still have the same kind. Entries for trees that left the document are dropped on each
    whole-document request (and when the cache outgrows the document on range requests)."""

    def __init__(self) -> None:
        self._blocks: dict[int, _Block | tuple[Tree, object]] = {}
        self._scopes: ScopeIndex | None = None
        self._top: dict[str, str] = {}

    def clear(self) -> None:
        self._blocks.clear()
        self._scopes = None
        self._top = {}

    def __len__(self) -> int:
        return len(self._blocks)

    def _top_kinds(self, scopes: ScopeIndex) -> dict[str, str]:
        """name → kind of the top-level binding ``ScopeIndex.resolve`` picks for it when no
        local binding is in the way (the latest one in the text)."""
        if scopes is not self._scopes:
            top: dict[str, str] = {}
            for name, group in scopes._top.items():
                best_b, best_d = group[0]
                for b, d in group[1:]:
                    if b.start + d > best_b.start + best_d:
                        best_b, best_d = b, d
                top[name] = best_b.kind
            self._scopes, self._top = scopes, top
        return self._top

    def _block(self, text: str, tree: Tree, dpos: int, top: dict[str, str]) -> _Block | None:
        key = id(tree)
        hit = self._blocks.get(key)
        if hit is not None:
            if isinstance(hit, tuple):
                if hit[0] is tree:
                    return None
            elif hit.tree is tree and all(top.get(n) == k for n, k in hit.deps):
                a = hit.lo + dpos
                if text.startswith(hit.source, a) and (
                        len(hit.source) == hit.hi - hit.lo + _PEEK or a + len(hit.source)
                        == len(text)):
                    return hit
        block = _compute_block(text, tree, dpos, top)
        self._blocks[key] = (tree, _EMPTY) if block is None else block
        return block

    def prune(self, entries: Sequence[Entry]) -> None:
        live = {id(tree) for tree, _ in entries}
        self._blocks = {k: v for k, v in self._blocks.items() if k in live}

    def tokens(self, text: str, entries: Sequence[Entry], scopes: ScopeIndex, start: int,
               end: int, whole: bool) -> list[tuple[int, int, int, int]] | None:
        top = self._top_kinds(scopes)
        placed: list[tuple[_Block, int]] = []
        reach = -1
        regular = True
        for tree, dpos in entries:
            block = self._block(text, tree, dpos, top)
            if block is None:
                continue
            if block.lo + dpos < reach or block.irregular:
                regular = False  # items overlap: per-item blocks would not add up
                break
            reach = block.hi + dpos
            placed.append((block, dpos))
        if whole or not regular or len(self._blocks) > 2 * len(entries) + 16:
            self.prune(entries)
        if not regular:
            return None
        comment = TYPE["comment"]
        out: list[tuple[int, int, int, int]] = []
        pos = 0
        for block, d in placed:
            lo, hi = block.lo + d, block.hi + d
            if lo > pos and not (pos > end or lo < start):
                for c in comment_scan(text, pos, lo):
                    if c.end >= start and c.start <= end:
                        out.append((c.start, c.end, comment, DOCUMENTATION if c.doc else 0))
            pos = max(pos, hi)
            if hi < start or lo > end:
                continue
            if start <= lo and hi <= end and (block.first is None or block.first + d <= end):
                out.extend(block.full if not d else
                           [(s + d, e + d, t, m) for s, e, t, m in block.full])
                continue
            skip_sem = block.first is not None and block.first + d > end
            out.extend(_clean([(s + d, e + d, t, m) for s, e, t, m in block.raw
                               if not (e + d < start or s + d > end)
                               and (not skip_sem or t == comment)]))
        n = len(text)
        if n > pos and not (pos > end or n < start):
            for c in comment_scan(text, pos, n):
                if c.end >= start and c.start <= end:
                    out.append((c.start, c.end, comment, DOCUMENTATION if c.doc else 0))
        return out


def _compute_block(text: str, tree: Tree, dpos: int, top: dict[str, str]) -> _Block | None:
    intervals = sorted((t.start_pos, t.end_pos) for t in tokens(tree, skipped=True))
    if not intervals:
        return None
    lo = intervals[0][0]
    hi = max(e for _, e in intervals)
    first = first_token(tree)
    last = last_token(tree)
    span_lo = first.start_pos if first is not None else 0
    span_hi = last.end_pos if last is not None else -1
    irregular = False
    part = item_scopes(tree)
    sites = {b.start: b for b in part.bindings}
    local: dict[str, list] = {}
    for b in part.bindings:
        if not b.top_level:
            local.setdefault(b.name, []).append(b)
    deps: dict[str, str | None] = {}

    def resolve(name: str, offset: int) -> str | None:
        nonlocal irregular
        if not span_lo <= offset <= span_hi:
            irregular = True
        best = None
        for b in local.get(name, ()):
            if b.visible_at(offset) and (best is None or _inner(b, best)):
                best = b
        if best is not None:
            return best.kind
        kind = top.get(name)
        deps[name] = kind
        return kind

    raw: list[tuple[int, int, int, int]] = []
    _walk(tree, 0, sites, resolve, raw, -INF, INF, None, False)
    comment = TYPE["comment"]
    pos = lo
    for s, e in intervals:
        if s > pos:
            for c in comment_scan(text, pos + dpos, s + dpos):
                raw.append((c.start - dpos, c.end - dpos, comment,
                            DOCUMENTATION if c.doc else 0))
        pos = max(pos, e)
    raw.sort()
    return _Block(tree, lo, hi, None if first is None else first.start_pos,
                  text[lo + dpos:hi + dpos + _PEEK], tuple(deps.items()), raw, _clean(list(raw)),
                  irregular)


def _walk(node: Tree, dpos: int, sites, resolve, out: list, lo: int, hi: int,
          parent: str | None, callee: bool) -> None:
    data = node.data
    children = node.children
    for i, child in enumerate(children):
        if isinstance(child, Tree):
            is_callee = data == "call" and i == 0
            _walk(child, dpos, sites, resolve, out, lo, hi, data, is_callee)
            continue
        if not isinstance(child, Token) or not child.value:
            skipped = getattr(child, "skipped", None)
            if skipped:
                _walk(Tree("error", list(skipped)), dpos, sites, resolve, out, lo, hi, data,
                      False)
            continue
        s, e = child.start_pos + dpos, child.end_pos + dpos
        if e < lo or s > hi:
            continue
        classified = _classify(child, s, data, parent, callee, sites, resolve)
        if classified is not None:
            out.append((s, e, *classified))


def _classify(tok: Token, start: int, data: str, parent: str | None, callee: bool, sites,
              resolve) -> tuple[int, int] | None:
    ttype = tok.type
    if ttype in NAME_TYPES:
        site = sites.get(start)
        if site is not None:
            return TYPE[KIND_TYPE.get(site.kind, "variable")], DECLARATION | _mods(site.kind)
        if data in ("var", "type_path", "path", "pattern_path") and (
                data != "pattern_path" or tok is not None):
            kind = resolve(str(tok), start)
            if kind is not None:
                if kind == "import" and str(tok)[:1].isupper() and data == "var":
                    return TYPE["type"], 0
                return TYPE[KIND_TYPE.get(kind, "variable")], _mods(kind)
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
