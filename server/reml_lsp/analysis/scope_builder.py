"""The walk that collects the bindings and references of one top-level item (see scopes.py for
how they are looked up)."""

from __future__ import annotations

from lark import Token, Tree

from reml_lsp.analysis.bindings import INF, Binding, Reference
from reml_lsp.analysis.decl_names import (
    DECL_KINDS,
    child_tree_list,
    decl_name_token,
    first_type,
    fn_name_token,
    let_function,
    let_pattern,
    pattern_ctors,
    pattern_names,
    use_imports,
    variants,
)
from reml_lsp.analysis.tree import NAME_TYPES, child_tree, decl_of, name_token, span

# The parts of an `inline_asm(…)` expression (spec 1-1 §C.7.1), keywords rather than names.
_ASM_PARTS = frozenset(("outputs", "inputs", "clobbers", "options"))


def _bare_callee(node: Tree) -> str | None:
    """The name a call calls when its callee is a plain name (``f(…)``), else None."""
    if node.data != "call" or not node.children:
        return None
    head = node.children[0]
    if isinstance(head, Tree) and head.data == "var" and head.children:
        return str(head.children[0])
    return None


class ScopeBuilder:
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
            mode = "var" if first_type(decl) == "VAR" else "let"
            fn = let_function(let_pattern(decl))
            if fn is not None:
                self._bind(fn[0], "function", 0, INF, top=True, decl=decl)
                return
            for tok in pattern_names(let_pattern(decl)):
                self._bind(tok, mode, 0, INF, top=True, decl=decl)
            return
        if kind == "extern_decl":
            for sig in decl.find_data("fn_sig"):
                tok = fn_name_token(sig)
                if tok is not None:
                    self._bind(tok, "function", 0, INF, top=True, decl=sig)
            return
        if kind == "module_block":  # `module util { … }`: `util.f()` names its members
            path = child_tree(decl, "module_path")
            first = path.children[0] if path is not None and path.children else None
            if isinstance(first, Token) and first.type in NAME_TYPES:
                self._bind(first, "module", 0, INF, top=True, decl=decl)
            return
        if kind in DECL_KINDS:
            tok = decl_name_token(decl)
            if tok is not None:
                self._bind(tok, DECL_KINDS[kind], 0, INF, top=True, decl=decl)
        if kind in ("type_decl", "enum_decl"):
            for variant in variants(decl):
                self._bind(variant, "variant", 0, INF, top=True, decl=decl)

    # -- bodies ----------------------------------------------------------------------------
    def walk_item(self, tree: Tree, dpos: int) -> None:
        self.dpos = dpos
        decl, _ = decl_of(tree)
        if decl is None or decl.data in ("use_decl", "module_header"):
            return
        node = tree.children[0] if tree.data == "start" and tree.children else tree
        attrs = child_tree(node, "attrs") if isinstance(node, Tree) else None
        if attrs is not None:  # `@handles(Log)`: opaque, never judged, but a use of `Log`
            self.walk(attrs)
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
        params = list(node.find_data("generic_param"))
        for gp in params:
            tok = name_token(gp)
            if tok is not None:
                self._bind(tok, "type_param", *scope)
        for gp in params:  # inline bounds (`<T: Ord>`) name types, as a `where` clause does
            for child in gp.children[1:]:
                if isinstance(child, Tree):
                    self.walk(child)

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
        """Parameters scoped to the node, the rest walked (a handler's operation, ``fn (x) =>``,
        ``let name(params) -> T = e``, whose name the enclosing block or module binds)."""
        scope = self._span(node)
        for child in node.children:
            if isinstance(child, Tree):
                if child.data in ("param_list", "params"):
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
                    let_fn = child_tree(child, "let_fn")  # `let twice(n) = n * 2`
                    tok = name_token(let_fn) if let_fn is not None else None
                    if let_fn is not None and tok is not None:
                        self._bind(tok, "function", self._span(let_fn)[0], block_end)
                        self._n_let_fn(let_fn)
                    continue
                self._walk_let_rest(let)
                let_start, let_end = self._span(let)
                fn = let_function(let_pattern(let))
                if fn is not None:
                    self._bind(fn[0], "function", let_start, block_end)
                    continue
                mode = "var" if first_type(let) == "VAR" else "let"
                self._bind_pattern(let_pattern(let), mode, (let_end, block_end))
            else:
                self.walk(child)

    def _walk_let_rest(self, let: Tree) -> None:
        pattern = let_pattern(let)
        fn = let_function(pattern)
        if fn is not None:
            scope = self._span(let)
            for param in fn[1]:
                self._bind_pattern(param, "param", scope)
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

    _n_fn_lambda = _n_let_fn = _n_handler_entry

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
        kids = node.children
        if len(kids) > 2 and isinstance(kids[1], Token) and isinstance(kids[2], Token) and \
                kids[2].type == "COMMA":
            self._ref(kids[1], "value")  # `{ name, age }`: the first field is shorthand too
        for child in kids:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_handle_expr(self, node: Tree) -> None:
        """``handle e with handler Log { … }``: ``Log`` names the handled effect."""
        for i, child in enumerate(node.children):
            if isinstance(child, Tree):
                self.walk(child)
            elif child.type == "HANDLER" and i + 1 < len(node.children):
                effect = node.children[i + 1]
                if isinstance(effect, Token):
                    self._ref(effect, "type")

    def _n_conductor_tail(self, node: Tree) -> None:
        """``|> validate`` in a conductor's DSL section: a use of ``validate``."""
        tok = name_token(node)
        if tok is not None:
            self._ref(tok, "value")
        for child in node.children:
            if isinstance(child, Tree):
                self.walk(child)

    def _n_call(self, node: Tree) -> None:
        """A call; ``inline_asm(tmpl, outputs(…), inputs(…), clobbers(…), options(…))`` (spec
        1-1 §C.7.1) is syntax: its keywords are no names, its operands are."""
        if _bare_callee(node) != "inline_asm":
            for child in node.children:
                if isinstance(child, Tree):
                    self.walk(child)
            return
        args = child_tree(node, "args")
        for arg in args.children if args is not None else ():
            if not isinstance(arg, Tree):
                continue
            parts = arg.children[1:] if _bare_callee(arg) in _ASM_PARTS else [arg]
            for part in parts:
                if isinstance(part, Tree):
                    self.walk(part)

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
