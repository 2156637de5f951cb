"""Duplicate definitions: two declarations of one name in one module scope (``name.duplicate``),
a ``use`` that clashes with another ``use`` or a declaration (``namespace.conflict``, spec 1-1
§B.1: "同一スコープに既存の宣言や他の `use` が同名で存在する場合はコンパイルエラー"), one name bound
twice by a pattern or a parameter list (``pattern.binding.duplicate_name``, spec 2-5 §B) and two
``impl`` of one trait for one type (``typeclass.impl.duplicate``, the reference's code).

Declarations under ``@cfg`` are left out: alternatives for different targets share a name. A
body-less declaration (a ``fn`` signature, the form the spec's API listings use; an abstract
``type X``, the reference's optional ``TypeDecl.body``) and one definition of the name are one
entity: only a second declaration or a second definition is reported. A ``module m { … }`` block
is a scope of its own (the reference's ``ModuleDecl``): its declarations are compared with each
other, not with the file's. In a file without a ``module`` header (a fragment: a doc snippet
listing alternatives or overloads of several modules) the module-scope findings are warnings.

The module-level check runs on records (``Rec``) the items keep (``item_facts``), not on trees.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from lark import Token, Tree

from reml_lsp.analysis.bindings import Binding
from reml_lsp.analysis.decl_names import decl_owner, pattern_names
from reml_lsp.analysis.findings import Finding, FindingNote
from reml_lsp.analysis.item_cache import nodes
from reml_lsp.analysis.scope_builder import ScopeBuilder
from reml_lsp.analysis.tree import Entry, child_tree, decl_of, span, subtrees

DUPLICATE = "name.duplicate"
CONFLICT = "namespace.conflict"
PATTERN_DUP = "pattern.binding.duplicate_name"
IMPL_DUP = "typeclass.impl.duplicate"

# Top-level binding kind → namespace (variants live under their type and are not compared).
NAMESPACE = {"function": "value", "let": "value", "var": "value", "pattern": "value",
             "type": "type", "trait": "type", "effect": "type", "handler": "value",
             "conductor": "value"}


def _namespace(b: Binding) -> str | None:
    """Where a top-level name must be unique. A member of a type (``fn Vec<T>.first``,
    ``const Point::origin``) lives under that type, not in the module's value namespace. A
    ``macro`` has its own namespace: the spec defines no macro call (1-1 leaves macros to
    extensions outside the core), so a macro never stands where a value does (as in Rust)."""
    decl = b.decl
    if decl is not None:
        if decl.data == "macro_decl":
            return "macro"
        owner = decl_owner(decl)
        if owner is not None:
            return "member:" + owner
    return NAMESPACE.get(b.kind)


def has_cfg(tree: Tree) -> bool:
    """Whether an item (or an item node inside a ``module`` block) carries ``@cfg``."""
    node = tree.children[0] if tree.data == "start" and tree.children else tree
    if not isinstance(node, Tree):
        return False
    attrs = child_tree(node, "attrs")
    if attrs is None:
        return False
    for attr in attrs.children:
        if isinstance(attr, Tree):
            name = next((c for c in attr.children if isinstance(c, Token) and c.type != "AT"),
                        None)
            if name is not None and str(name) == "cfg":
                return True
    return False


_has_cfg = has_cfg


def _bodiless(decl: Tree | None) -> bool:
    """A declaration without a definition: ``fn f(x: T) -> U`` with no body (the form the spec's
    API listings use) or an abstract ``type X`` (the reference's ``TypeDecl.body`` is optional).
    One such declaration and one definition of a name are one entity, not a duplicate."""
    if decl is None:
        return False
    if decl.data == "fn_decl":
        return not any(isinstance(c, Tree) and c.data not in ("fn_sig", "attrs")
                       for c in decl.children)
    if decl.data == "type_decl":
        return len(decl.children) <= 3 and not any(
            isinstance(c, Token) and c.type == "EQ" for c in decl.children)
    return False


class Rec(NamedTuple):
    """What the duplicate check needs of one top-level binding (compared by value)."""

    name: str
    space: str | None  # namespace; "import" for a `use`; None: never clashes
    bodiless: bool


def record(b: Binding) -> Rec:
    if b.kind == "import":
        return Rec(b.name, "import", False)
    return Rec(b.name, _namespace(b), _bodiless(b.decl))


Clash = tuple[str, Any, Any]  # (code, the binding's key, the first one's key)


def clashes(recs: Iterable[tuple[Any, Rec]]) -> list[Clash]:
    """Duplicate declarations and ``use`` conflicts among ``(key, rec)`` in text order (the
    declarations of one scope, ``@cfg`` ones left out by the caller). A name may have one
    body-less declaration and one definition in a namespace; a second of either is reported."""
    seen: dict[tuple[str, str, bool], Any] = {}
    imports: dict[str, Any] = {}
    decls: dict[str, Any] = {}
    out: list[Clash] = []
    for key, (name, space, bodiless) in recs:
        if space == "import":
            first = imports.get(name) or decls.get(name)
            if first is not None:
                out.append((CONFLICT, key, first))
            imports.setdefault(name, key)
            continue
        if space is None:
            continue
        if name in imports:
            out.append((CONFLICT, key, imports[name]))
        first = seen.get((space, name, bodiless))
        if first is not None:
            out.append((DUPLICATE, key, first))
            continue
        seen[(space, name, bodiless)] = key
        decls.setdefault(name, key)
    return out


def clash_finding(code: str, b: Binding, first: Binding, severity: str, d: int = 0,
                  first_d: int = 0) -> Finding:
    """The finding of ``clashes``' entry: ``b`` at ``d``, its first declaration at ``first_d``."""
    return Finding(code, "names", severity, b.start + d, b.end + d, (b.name,),
                   notes=(FindingNote("note.first_defined", (first.name,), first.start + first_d,
                                      first.end + first_d),))


def module_blocks(tree: Tree) -> list[tuple[str, Binding, Binding]]:
    """Clashes inside each ``module m { … }`` block of an item (a block is a scope of its own,
    as in the reference's ``ModuleDecl``): (code, binding, first binding), tree offsets."""
    out: list[tuple[str, Binding, Binding]] = []
    decl, _ = decl_of(tree)
    if decl is None or decl.data != "module_block":  # blocks nest in blocks only
        return out
    for block in nodes(tree).get("module_block", ()):
        found: list[tuple[Binding, Rec]] = []
        for child in block.children:
            if not isinstance(child, Tree) or child.data == "module_path" or has_cfg(child):
                continue
            builder = ScopeBuilder()
            builder.top_level(child, 0)
            found += [(b, record(b)) for b in sorted(builder.bindings, key=lambda b: b.start)]
        out += clashes(found)
    return out


def _counts(node) -> Counter:
    """Names a pattern binds, an or-pattern counting each name once (its branches bind the same
    names)."""
    if not isinstance(node, Tree):
        return Counter()
    if node.data == "or_pattern":
        out: Counter = Counter()
        for child in node.children:
            if isinstance(child, Tree):
                out |= _counts(child)
        return out
    if not any(t.data == "or_pattern" for t in subtrees(node)):
        return Counter(str(t) for t in pattern_names(node))
    children = [c for c in node.children if isinstance(c, Tree)]
    inner = {id(t) for c in children for t in pattern_names(c)}
    own = Counter(str(t) for t in pattern_names(node) if id(t) not in inner)
    for c in children:
        own += _counts(c)
    return own


def _binding_sites(node: Tree) -> list[list]:
    """Groups of patterns that bind into one scope at once: a parameter list, one ``let``, one
    match arm, a ``for`` pattern, a lambda's parameters."""
    groups: list[list] = []
    index = nodes(node)
    for n in index.get("param_list", ()):
        params = [p for c in n.children if isinstance(c, Tree)
                  for p in ([c] if c.data == "param" else c.children)]
        groups.append([p.children[0] for p in params
                       if isinstance(p, Tree) and p.data == "param" and p.children])
    for n in index.get("lambda_head", ()):
        groups.append([p.children[0] for p in n.children
                       if isinstance(p, Tree) and p.data == "lambda_param" and p.children])
    for n in index.get("let_decl", ()):
        pat = next((c for c in n.children if isinstance(c, Tree) and c.data != "type_annot"),
                   None)
        groups.append([pat])
    for kind in ("arm", "for_expr"):
        for n in index.get(kind, ()):
            groups.append([next((c for c in n.children if isinstance(c, Tree)), None)])
    return groups


def pattern_bindings(entries: Sequence[Entry]) -> list[Finding]:
    out: list[Finding] = []
    for tree, dpos in entries:
        for group in _binding_sites(tree):
            total: Counter = Counter()
            tokens: list[Token] = []
            for pat in group:
                total += _counts(pat)
                tokens.extend(pattern_names(pat) if isinstance(pat, Tree) else [])
            dups = {name for name, n in total.items() if n > 1}
            if not dups:
                continue
            tokens.sort(key=lambda t: t.start_pos)
            firsts: dict[str, Token] = {}
            reported: set[str] = set()
            for tok in tokens:
                name = str(tok)
                if name not in dups:
                    continue
                if name not in firsts:
                    firsts[name] = tok
                elif name not in reported:
                    reported.add(name)
                    f = firsts[name]
                    out.append(Finding(
                        PATTERN_DUP, "names", "error", tok.start_pos + dpos, tok.end_pos + dpos,
                        (name,), notes=(FindingNote("note.pattern_duplicate"),
                                        FindingNote("note.first_defined", (name,),
                                                    f.start_pos + dpos, f.end_pos + dpos))))
    return out


_WS = re.compile(r"\s+")

ImplKey = tuple[str, int, int, str, str]  # (trait for type, type span, type, trait)


def impl_key(text: str, tree: Tree, dpos: int) -> ImplKey | None:
    """What identifies an ``impl Trait for Type`` item (its type span in tree offsets)."""
    decl, _ = decl_of(tree)
    if decl is None or decl.data != "impl_decl":
        return None
    types = [c for c in decl.children if isinstance(c, Tree) and c.data not in
             ("generic_params", "decl_item", "empty", "where_clause")]
    has_for = any(isinstance(c, Token) and c.type == "FOR" for c in decl.children)
    if not has_for or len(types) < 2:
        return None
    trait_s, type_s = span(types[0], dpos), span(types[1], dpos)
    if trait_s is None or type_s is None:
        return None
    trait = _WS.sub("", text[trait_s[0]:trait_s[1]])
    ty = _WS.sub("", text[type_s[0]:type_s[1]])
    return trait + " for " + ty, type_s[0] - dpos, type_s[1] - dpos, ty, trait


def impl_clashes(keys: Iterable[tuple[ImplKey, int]]) -> list[Finding]:
    """Two ``impl`` of one trait for one type among ``(impl_key, dpos)`` in text order."""
    seen: dict[str, tuple[int, int]] = {}
    out: list[Finding] = []
    for (key, s, e, ty, trait), d in keys:
        if key in seen:
            first = seen[key]
            out.append(Finding(IMPL_DUP, "names", "error", s + d, e + d, (ty, trait),
                               notes=(FindingNote("note.impl_merge", (trait, ty),
                                                  first[0], first[1]),)))
        else:
            seen[key] = (s + d, e + d)
    return out
