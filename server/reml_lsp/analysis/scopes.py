"""Names and scopes of one document: every binding (fns, types, variants, effects, lets, vars,
params, generic params, pattern variables, imported names) with the range where it is visible,
and every reference to a name. Resolution is lexical and by name, innermost binding first.

Used by navigation (definition, references, highlights), completion (names in scope), hover and
semantic tokens. Offsets are code points of the current text.
"""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterable, Sequence

import attrs
from lark import Token, Tree

from reml_lsp.analysis.tree import NAME_TYPES, Entry, child_tree, decl_of, name_token, span

INF = 1 << 62

# Declaration node → binding kind of its name.
DECL_KINDS = {
    "fn_decl": "function",
    "type_decl": "type",
    "type_alias": "type",
    "trait_decl": "trait",
    "effect_decl": "effect",
    "handler_decl": "handler",
    "conductor_decl": "conductor",
    "active_pattern_decl": "pattern",
}


@attrs.frozen
class Binding:
    name: str
    kind: str  # function method type variant trait effect operation handler conductor pattern
    #            let var param type_param import module
    start: int  # the name token
    end: int
    scope_start: int  # where the name is visible
    scope_end: int
    top_level: bool = False
    decl: Tree | None = attrs.field(default=None, eq=False, repr=False)
    decl_dpos: int = 0
    path: str | None = None  # imports: the module path the name comes from

    def visible_at(self, offset: int) -> bool:
        return self.scope_start <= offset <= self.scope_end


@attrs.frozen
class Reference:
    name: str
    start: int
    end: int
    role: str  # value | type | ctor | path


@attrs.define
class ItemScopes:
    """Bindings and references of one top-level item, in that item's own tree positions (so it
    can be reused, unchanged, while the item moves in the text)."""

    bindings: list[Binding]
    references: list[Reference]
    ref_starts: list[int] = attrs.Factory(list)
    top: list[Binding] = attrs.Factory(list)

    def __attrs_post_init__(self) -> None:
        self.references.sort(key=lambda r: r.start)
        self.ref_starts = [r.start for r in self.references]
        self.top = [b for b in self.bindings if b.top_level]


def _shift(b: Binding, d: int) -> Binding:
    if not d:
        return b
    if b.top_level:
        return attrs.evolve(b, start=b.start + d, end=b.end + d, decl_dpos=b.decl_dpos + d)
    return attrs.evolve(b, start=b.start + d, end=b.end + d, scope_start=b.scope_start + d,
                        scope_end=b.scope_end + d, decl_dpos=b.decl_dpos + d)


class ScopeIndex:
    """The scopes of a document: one ``ItemScopes`` per item plus its shift. Local names are
    looked up in the item around the offset only; top-level names in a table of the file."""

    def __init__(self, parts: Sequence[tuple[ItemScopes, int, int, int]]) -> None:
        self.parts = list(parts)  # (item scopes, dpos, start, end) in text order
        self._starts = [p[2] for p in self.parts]
        self._top: dict[str, list[tuple[Binding, int]]] = {}
        for part, d, _, _ in self.parts:
            for b in part.top:
                self._top.setdefault(b.name, []).append((b, d))
        self._all: list[Binding] | None = None
        self._refs: list[Reference] | None = None

    # -- whole-file views (built on demand) ------------------------------------------------
    @property
    def bindings(self) -> list[Binding]:
        if self._all is None:
            self._all = [_shift(b, d) for part, d, _, _ in self.parts for b in part.bindings]
        return self._all

    @property
    def references(self) -> list[Reference]:
        if self._refs is None:
            self._refs = [Reference(r.name, r.start + d, r.end + d, r.role)
                          for part, d, _, _ in self.parts for r in part.references]
        return self._refs

    def top_named(self, name: str) -> list[Binding]:
        return [_shift(b, d) for b, d in self._top.get(name, ())]

    def top_level(self, prefix: str = "") -> list[Binding]:
        low = prefix.lower()
        return sorted((_shift(b, d) for name, group in self._top.items()
                       if not low or name.lower().startswith(low) for b, d in group),
                      key=lambda b: b.start)

    # -- lookups ---------------------------------------------------------------------------
    def _part(self, offset: int) -> tuple[ItemScopes, int] | None:
        i = bisect.bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        part, d, _, end = self.parts[i]
        if offset > end and i + 1 < len(self.parts):
            return None
        return part, d

    def binding_at(self, offset: int) -> Binding | None:
        found = self._part(offset)
        if found is None:
            return None
        part, d = found
        rel = offset - d
        for b in part.bindings:
            if b.start <= rel <= b.end:
                return _shift(b, d)
        return None

    def reference_at(self, offset: int) -> Reference | None:
        found = self._part(offset)
        if found is None:
            return None
        part, d = found
        rel = offset - d
        i = bisect.bisect_right(part.ref_starts, rel) - 1
        if i >= 0:
            ref = part.references[i]
            if ref.start <= rel <= ref.end:
                return Reference(ref.name, ref.start + d, ref.end + d, ref.role)
        return None

    def _local(self, offset: int) -> list[Binding]:
        found = self._part(offset)
        if found is None:
            return []
        part, d = found
        rel = offset - d
        return [_shift(b, d) for b in part.bindings if not b.top_level and b.visible_at(rel)]

    def resolve(self, name: str, offset: int) -> Binding | None:
        """Innermost binding of ``name`` visible at ``offset``."""
        best: Binding | None = None
        for b in self._local(offset):
            if b.name == name and (best is None or _inner(b, best)):
                best = b
        if best is not None:
            return best
        for b in self.top_named(name):
            if best is None or _inner(b, best):
                best = b
        return best

    def visible(self, offset: int, prefix: str = "") -> list[Binding]:
        """Every name visible at ``offset`` (starting with ``prefix``, case-insensitive),
        innermost first, one binding per name."""
        found: dict[str, Binding] = {}
        low = prefix.lower()
        local = [b for b in self._local(offset) if b.name.lower().startswith(low)]
        for b in [*local, *self.top_level(prefix)]:
            cur = found.get(b.name)
            if cur is None or _inner(b, cur):
                found[b.name] = b
        return sorted(found.values(), key=lambda b: (b.top_level, b.scope_end - b.scope_start,
                                                      -b.start))

    def target_at(self, offset: int) -> tuple[Binding | None, str | None]:
        """(binding, name) of the name at ``offset``: its binding site, or the binding a
        reference there resolves to (None when it resolves to nothing in this file)."""
        b = self.binding_at(offset)
        if b is not None:
            return b, b.name
        ref = self.reference_at(offset)
        if ref is not None:
            return self.resolve(ref.name, ref.start), ref.name
        return None, None

    def occurrences(self, binding: Binding) -> list[tuple[int, int, bool]]:
        """(start, end, is_definition) of the binding site and every reference to it."""
        out = [(binding.start, binding.end, True)]
        if binding.top_level:
            parts = [(p, d) for p, d, _, _ in self.parts]
        else:
            found = self._part(binding.start)
            parts = [found] if found is not None else []
        for part, d in parts:
            for ref in part.references:
                if ref.name == binding.name and self.resolve(ref.name, ref.start + d) == binding:
                    out.append((ref.start + d, ref.end + d, False))
        return out


def _inner(a: Binding, b: Binding) -> bool:
    """Whether ``a`` shadows ``b`` (narrower scope, or the later one of the same scope)."""
    wa, wb = a.scope_end - a.scope_start, b.scope_end - b.scope_start
    if wa != wb:
        return wa < wb
    return a.start > b.start


# Keyed by object identity (a lark Tree hashes its whole structure), dropped with the tree.
_CACHE: dict[int, tuple[weakref.ref, ItemScopes]] = {}


def item_scopes(tree: Tree) -> ItemScopes:
    """Scopes of one item tree, computed once per tree object (unchanged items keep theirs)."""
    key = id(tree)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is tree:
        return hit[1]
    builder = _Builder()
    builder.top_level(tree, 0)
    builder.walk_item(tree, 0)
    scopes = ItemScopes(builder.bindings, builder.refs)
    _CACHE[key] = (weakref.ref(tree, lambda _ref, key=key: _CACHE.pop(key, None)), scopes)
    return scopes


def build_scopes(entries: Sequence[Entry]) -> ScopeIndex:
    parts = []
    for tree, dpos in entries:
        s = span(tree, dpos)
        if s is None:
            continue
        parts.append((item_scopes(tree), dpos, s[0], s[1]))
    return ScopeIndex(parts)


class _Builder:
    def __init__(self) -> None:
        self.bindings: list[Binding] = []
        self.refs: list[Reference] = []
        self.dpos = 0

    # -- top level -------------------------------------------------------------------------
    def top_level(self, tree: Tree, dpos: int) -> None:
        self.dpos = dpos
        decl, _ = decl_of(tree)
        if decl is None:
            return
        kind = decl.data
        if kind == "use_decl":
            for name, tok, path in use_imports(decl):
                self._bind(tok, "import", 0, INF, top=True, decl=decl, path=path, name=name)
            return
        if kind == "let_decl":
            mode = "var" if _first_type(decl) == "VAR" else "let"
            for tok in pattern_names(_let_pattern(decl)):
                self._bind(tok, mode, 0, INF, top=True, decl=decl)
            return
        if kind == "extern_decl":
            for sig in decl.find_data("fn_sig"):
                tok = fn_name_token(sig)
                if tok is not None:
                    self._bind(tok, "function", 0, INF, top=True, decl=sig)
            return
        if kind in DECL_KINDS:
            tok = decl_name_token(decl)
            if tok is not None:
                self._bind(tok, DECL_KINDS[kind], 0, INF, top=True, decl=decl)
        if kind == "type_decl":
            for variant in variants(decl):
                self._bind(variant, "variant", 0, INF, top=True, decl=decl)

    # -- bodies ----------------------------------------------------------------------------
    def walk_item(self, tree: Tree, dpos: int) -> None:
        self.dpos = dpos
        decl, _ = decl_of(tree)
        if decl is None or decl.data in ("use_decl", "module_header"):
            return
        if decl.data == "let_decl":
            self._walk_let_rest(decl)
            return
        self.walk(decl)

    def walk(self, node: Tree) -> None:
        handler = getattr(self, "_n_" + node.data, None)
        if handler is not None:
            handler(node)
            return
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child)

    def _span(self, node) -> tuple[int, int]:
        s = span(node, self.dpos)
        return s if s is not None else (0, 0)

    def _bind(self, tok: Token, kind: str, scope_start: int, scope_end: int, *, top: bool = False,
              decl: Tree | None = None, path: str | None = None, name: str | None = None) -> None:
        d = self.dpos
        self.bindings.append(Binding(name or str(tok), kind, tok.start_pos + d, tok.end_pos + d,
                                     scope_start, scope_end, top, decl, d, path))

    def _ref(self, tok: Token, role: str) -> None:
        if tok.value and tok.type in NAME_TYPES:
            d = self.dpos
            self.refs.append(Reference(str(tok), tok.start_pos + d, tok.end_pos + d, role))

    def _bind_pattern(self, pattern, kind: str, scope: tuple[int, int]) -> None:
        if pattern is None:
            return
        for tok in pattern_names(pattern):
            self._bind(tok, kind, scope[0], scope[1])
        for tok in pattern_ctors(pattern):
            self._ref(tok, "ctor")

    def _generics(self, node: Tree, scope: tuple[int, int]) -> None:
        for gp in node.find_data("generic_param"):
            tok = name_token(gp)
            if tok is not None:
                self._bind(tok, "type_param", *scope)

    # -- declarations ------------------------------------------------------------------------
    def _n_fn_decl(self, node: Tree) -> None:
        scope = self._span(node)
        sig = child_tree(node, "fn_sig")
        if sig is not None:
            self._signature(sig, scope)
        for child in node.children:
            if isinstance(child, Tree) and child.data != "fn_sig":
                self.walk(child)

    def _signature(self, sig: Tree, scope: tuple[int, int]) -> None:
        gp = child_tree(sig, "generic_params")
        if gp is not None:
            self._generics(gp, scope)
        for child in sig.children:
            if not isinstance(child, Tree) or child.data in ("fn_name", "generic_params"):
                continue
            if child.data == "param_list":
                self._params(child, scope)
            else:
                self.walk(child)

    def _params(self, plist: Tree, scope: tuple[int, int]) -> None:
        for param in plist.find_data("param"):
            pattern = param.children[0] if param.children else None
            self._bind_pattern(pattern, "param", scope)
            for child in param.children[1:]:
                if isinstance(child, Tree):
                    self.walk(child)
        for param in plist.find_data("variadic_param"):
            tok = name_token(param)
            if tok is not None:
                self._bind(tok, "param", *scope)

    def _n_trait_decl(self, node: Tree) -> None:
        scope = self._span(node)
        gp = child_tree(node, "generic_params")
        if gp is not None:
            self._generics(gp, scope)
        for item in child_tree_list(node, "trait_item"):
            item_scope = self._span(item)
            for child in item.children:
                if isinstance(child, Tree) and child.data == "fn_sig":
                    self._signature(child, item_scope)
                elif isinstance(child, Tree) and child.data != "attrs":
                    self.walk(child)

    def _n_impl_decl(self, node: Tree) -> None:
        scope = self._span(node)
        for child in node.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "generic_params":
                self._generics(child, scope)
            elif child.data == "decl_item":
                decl, _ = decl_of(child)
                if decl is not None:
                    self.walk(decl)
            else:
                self.walk(child)

    def _n_type_decl(self, node: Tree) -> None:
        scope = self._span(node)
        gp = child_tree(node, "generic_params")
        if gp is not None:
            self._generics(gp, scope)
        for child in node.children:
            if isinstance(child, Tree) and child.data != "generic_params":
                self.walk(child)

    _n_type_alias = _n_type_decl

    def _n_variant_with_payload(self, node: Tree) -> None:
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_handler_entry(self, node: Tree) -> None:
        scope = self._span(node)
        for child in node.children:
            if isinstance(child, Tree):
                if child.data == "param_list":
                    self._params(child, scope)
                else:
                    self.walk(child)

    def _n_handler_return(self, node: Tree) -> None:
        tok = name_token(node)
        if tok is not None:
            self._bind(tok, "param", *self._span(node))
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_active_pattern_decl(self, node: Tree) -> None:
        scope = self._span(node)
        for child in node.children:
            if isinstance(child, Tree):
                if child.data == "param_list":
                    self._params(child, scope)
                elif child.data != "active_name":
                    self.walk(child)

    # -- statements and expressions ----------------------------------------------------------
    def _n_block(self, node: Tree) -> None:
        _, block_end = self._span(node)
        for child in node.children:
            if not isinstance(child, Tree):
                continue
            if child.data == "let_stmt":
                let = child_tree(child, "let_decl")
                if let is None:
                    continue
                self._walk_let_rest(let)
                _, let_end = self._span(let)
                mode = "var" if _first_type(let) == "VAR" else "let"
                self._bind_pattern(_let_pattern(let), mode, (let_end, block_end))
            else:
                self.walk(child)

    def _walk_let_rest(self, let: Tree) -> None:
        pattern = _let_pattern(let)
        for child in let.children:
            if isinstance(child, Tree) and child is not pattern:
                self.walk(child)

    def _n_lambda_expr(self, node: Tree) -> None:
        scope = self._span(node)
        head = child_tree(node, "lambda_head")
        if head is not None:
            for lp in child_tree_list(head, "lambda_param"):
                self._bind_pattern(lp.children[0] if lp.children else None, "param", scope)
                for child in lp.children[1:]:
                    if isinstance(child, Tree):
                        self.walk(child)
            ret = child_tree(head, "ret_type")
            if ret is not None:
                self.walk(ret)
        for child in node.children:
            if isinstance(child, Tree) and child is not head:
                self.walk(child)

    _n_fn_lambda = _n_handler_entry  # parameters scoped to the node, the rest walked

    def _n_arm(self, node: Tree) -> None:
        scope = self._span(node)
        children = [c for c in node.children if isinstance(c, Tree)]
        if children:
            self._bind_pattern(children[0], "let", scope)
        for child in children[1:]:
            if child.data == "arm_tail":
                for i, sub in enumerate(child.children):
                    if isinstance(sub, Token) and sub.type == "AS":
                        nxt = child.children[i + 1]
                        if isinstance(nxt, Token):
                            self._bind(nxt, "let", *scope)
                    elif isinstance(sub, Tree):
                        self.walk(sub)
            else:
                self.walk(child)

    def _n_for_expr(self, node: Tree) -> None:
        trees = [c for c in node.children if isinstance(c, Tree)]
        if not trees:
            return
        pattern, rest = trees[0], trees[1:]
        block = rest[-1] if rest else None
        for child in rest:
            if child is not block:
                self.walk(child)
        if block is not None:
            self._bind_pattern(pattern, "let", self._span(block))
            self.walk(block)

    def _n_var(self, node: Tree) -> None:
        for child in node.children:
            if isinstance(child, Token):
                self._ref(child, "value")

    def _n_type_path(self, node: Tree) -> None:
        tok = node.children[0] if node.children else None
        if isinstance(tok, Token):
            self._ref(tok, "type")

    def _n_path(self, node: Tree) -> None:
        tok = node.children[0] if node.children else None
        if isinstance(tok, Token):
            self._ref(tok, "path")

    def _n_field(self, node: Tree) -> None:
        if node.children and isinstance(node.children[0], Tree):
            self.walk(node.children[0])

    _n_path_segment = _n_field

    def _n_record(self, node: Tree) -> None:
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_field_init(self, node: Tree) -> None:
        trees = [c for c in node.children if isinstance(c, Tree)]
        if not trees and node.children and isinstance(node.children[0], Token):
            self._ref(node.children[0], "value")  # `{ x, y }` shorthand
        for child in trees:
            self.walk(child)

    def _n_named_arg(self, node: Tree) -> None:
        for child in node.children[1:]:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_name_pattern(self, node: Tree) -> None:  # a pattern met outside a binding site
        for tok in pattern_ctors(node):
            self._ref(tok, "ctor")

    _n_ctor_pattern = _n_name_pattern


# -- shared pattern/declaration helpers --------------------------------------------------------
def child_tree_list(node: Tree, name: str) -> list[Tree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data == name]


def _first_type(node: Tree) -> str | None:
    first = node.children[0] if node.children else None
    return first.type if isinstance(first, Token) else None


def _let_pattern(let: Tree):
    for child in let.children:
        if isinstance(child, Tree) and child.data != "type_annot":
            return child
    return None


def is_binding_name(tok: Token) -> bool:
    name = str(tok)
    return tok.type == "IDENT" and name != "_" and not name[:1].isupper()


def pattern_names(pattern) -> list[Token]:
    """Variables a pattern binds (lower-case single names, `x @ p`, `p as x`, `..rest`)."""
    out: list[Token] = []
    if pattern is None or isinstance(pattern, Token):
        return out
    stack = [pattern]
    while stack:
        node = stack.pop()
        if not isinstance(node, Tree):
            continue
        data = node.data
        if data == "name_pattern":
            path = node.children[0] if node.children else None
            if isinstance(path, Tree) and len(path.children) == 1:
                tok = path.children[0]
                if isinstance(tok, Token) and is_binding_name(tok):
                    out.append(tok)
            continue
        if data == "ctor_pattern":
            stack.extend(c for c in node.children[1:] if isinstance(c, Tree))
            continue
        if data in ("at_pattern", "rest_pattern"):
            tok = name_token(node)
            if tok is not None:
                out.append(tok)
        elif data == "as_pattern":
            last = node.children[-1]
            if isinstance(last, Token) and last.type in NAME_TYPES:
                out.append(last)
        elif data == "field_pattern":
            tok = name_token(node)
            if tok is not None and len(node.children) == 1:
                out.append(tok)
            stack.extend(c for c in node.children[1:] if isinstance(c, Tree))
            continue
        elif data in ("active_pattern", "active_name"):
            stack.extend(c for c in node.children if isinstance(c, Tree) and
                         c.data != "active_name")
            continue
        stack.extend(c for c in node.children if isinstance(c, Tree))
    out.sort(key=lambda t: t.start_pos)
    return out


def pattern_ctors(pattern) -> list[Token]:
    """Constructor names a pattern refers to (``Some(x)``, ``None``, ``Shape.Circle``)."""
    out: list[Token] = []
    if not isinstance(pattern, Tree):
        return out
    for node in pattern.iter_subtrees():
        if node.data == "pattern_path":
            first = node.children[0] if node.children else None
            if isinstance(first, Token) and (len(node.children) > 1 or not is_binding_name(first)):
                if first.type in NAME_TYPES and str(first) != "_":
                    out.append(first)
    return out


def fn_name_token(sig: Tree) -> Token | None:
    fname = child_tree(sig, "fn_name")
    if fname is None:
        return None
    names = [c for c in fname.children if isinstance(c, Token) and c.type in NAME_TYPES]
    return names[-1] if names else None


def decl_name_token(decl: Tree) -> Token | None:
    if decl.data == "fn_decl":
        sig = child_tree(decl, "fn_sig")
        return fn_name_token(sig) if sig is not None else None
    if decl.data == "active_pattern_decl":
        active = child_tree(decl, "active_name")
        return name_token(active) if active is not None else None
    return name_token(decl)


def variants(type_decl: Tree) -> list[Token]:
    out: list[Token] = []
    for child in type_decl.children:
        if isinstance(child, Tree) and child.data == "sum_type":
            for v in child.children:
                if isinstance(v, Token) and v.type in NAME_TYPES:
                    out.append(v)
                elif isinstance(v, Tree) and v.data == "variant_with_payload":
                    tok = name_token(v)
                    if tok is not None:
                        out.append(tok)
    return out


def use_imports(use: Tree) -> list[tuple[str, Token, str]]:
    """(visible name, its token, module path) for each name a ``use`` brings in."""
    tree = child_tree(use, "use_tree")
    if tree is None:
        return []
    out: list[tuple[str, Token, str]] = []
    _use_walk(tree.children, [], out)
    return out


def _segment(node) -> tuple[str, Token | None]:
    if isinstance(node, Token):
        return str(node), node if node.type in NAME_TYPES else None
    if isinstance(node, Tree):
        toks = [c for c in node.children if isinstance(c, Token)]
        if node.data == "use_root":
            name = next((t for t in toks if t.type in NAME_TYPES), None)
            return ("::" + str(name)) if name else "::", name
        if toks:
            return str(toks[-1]), toks[-1] if toks[-1].type in NAME_TYPES else None
    return "", None


def _use_walk(children: Iterable, prefix: list[str], out: list[tuple[str, Token, str]]) -> None:
    children = list(children)
    if not children:
        return
    head, last_tok = _segment(children[0])
    path = [*prefix, head]
    tail = children[1] if len(children) > 1 else None
    while isinstance(tail, Tree) and tail.data == "use_tail":
        nxt = [c for c in tail.children if not (isinstance(c, Token) and c.type == "DOT")]
        if nxt and isinstance(nxt[0], Tree) and nxt[0].data == "use_brace":
            for item in child_tree_list(nxt[0], "use_item"):
                _use_walk(item.children, path, out)
            return
        if not nxt:
            break
        seg, tok = _segment(nxt[0])
        path.append(seg)
        last_tok = tok
        tail = nxt[1] if len(nxt) > 1 else None
    if isinstance(tail, Tree) and tail.data == "use_alias":
        alias = name_token(tail)
        if alias is not None:
            out.append((str(alias), alias, ".".join(path)))
        return
    if last_tok is not None:
        out.append((path[-1], last_tok, ".".join(path)))
