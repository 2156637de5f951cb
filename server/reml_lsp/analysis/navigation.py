"""Go to definition, find references and document highlights, within a file and across the
workspace's modules (names imported with `use`, and `Module.name` member access through an
imported module)."""

from __future__ import annotations

import attrs
from lark import Token, Tree

from reml_lsp.analysis.modules import ModuleInfo, WorkspaceIndex
from reml_lsp.analysis.scopes import Binding
from reml_lsp.analysis.tree import find_token_at


@attrs.frozen
class Target:
    key: str  # module key (URI)
    start: int
    end: int


def _member_target(ws: WorkspaceIndex, cur: ModuleInfo, offset: int
                   ) -> tuple[ModuleInfo, Binding] | None:
    """`Alias.name` where `Alias` imports a workspace module: that module's `name`."""
    found = find_token_at(cur.entries, offset)
    if found is None:
        return None
    tok, dpos, path = found
    parent = path[-1] if path else None
    if parent is None or parent.data not in ("field", "path_segment", "path", "type_path"):
        return None
    if parent.data in ("field", "path_segment"):
        base = parent.children[0]
        if not (isinstance(base, Tree) and base.data == "var" and base.children):
            return None
        head = base.children[0]
        if tok is head:
            return None
    else:
        names = [c for c in parent.children if isinstance(c, Token) and c.value
                 and c.type in ("IDENT", "UPPER_IDENT")]
        if len(names) < 2 or tok is names[0]:
            return None
        head = names[0]
    binding = cur.scopes.resolve(str(head), head.start_pos + dpos)
    if binding is None or binding.kind != "import":
        return None
    resolved = ws.resolve_import(binding, cur.module)
    if resolved is None or resolved[1] is not None:
        return None
    target = resolved[0].top_level(str(tok))
    return (resolved[0], target) if target is not None else None


def resolve_target(ws: WorkspaceIndex, cur: ModuleInfo, offset: int
                   ) -> tuple[ModuleInfo, Binding | None, str | None]:
    """(module, binding, name) that the name at ``offset`` denotes."""
    member = _member_target(ws, cur, offset)
    if member is not None:
        return member[0], member[1], member[1].name
    binding, name = cur.scopes.target_at(offset)
    if binding is not None and binding.kind == "import":
        resolved = ws.resolve_import(binding, cur.module)
        if resolved is not None and resolved[1] is not None:
            return resolved[0], resolved[1], resolved[1].name
    return cur, binding, name


def definition(ws: WorkspaceIndex, cur: ModuleInfo, offset: int) -> list[Target]:
    member = _member_target(ws, cur, offset)
    if member is not None:
        return [Target(member[0].key, member[1].start, member[1].end)]
    binding, name = cur.scopes.target_at(offset)
    if binding is not None and binding.kind == "import":
        resolved = ws.resolve_import(binding, cur.module)
        if resolved is not None:
            mod, target = resolved
            if target is not None:
                return [Target(mod.key, target.start, target.end)]
            return [Target(mod.key, 0, 0)]
        return [Target(cur.key, binding.start, binding.end)]
    if binding is not None:
        return [Target(cur.key, binding.start, binding.end)]
    if name:
        return [Target(m.key, b.start, b.end) for m, b in ws.find_top_level(name, cur.key)]
    return []


def references(ws: WorkspaceIndex, cur: ModuleInfo, offset: int,
               include_declaration: bool = True, *, scan_all: bool = False) -> list[Target]:
    """Every occurrence of the name at ``offset``. Other files are narrowed with the compact
    index (``WorkspaceIndex.importers``) and resolved exactly; ``scan_all`` resolves in every
    file instead (the from-scratch answer the index must match)."""
    mod, binding, _ = resolve_target(ws, cur, offset)
    if binding is None:
        return []
    out: list[Target] = []
    for s, e, is_def in mod.scopes.occurrences(binding):
        if include_declaration or not is_def:
            out.append(Target(mod.key, s, e))
    if binding.top_level:
        for key in reference_candidates(ws, mod, binding, scan_all=scan_all):
            other = ws.module(key)
            if other is not None:
                out.extend(_refs_in(ws, other, mod, binding))
    return _unique(out)


def reference_candidates(ws: WorkspaceIndex, mod: ModuleInfo, binding: Binding, *,
                         scan_all: bool = False) -> list[str]:
    """The other files that may refer to a top-level ``binding`` of ``mod``."""
    if scan_all:
        return sorted(k for k in ws.files if k != mod.key)
    return ws.importers(mod.module, binding.name, exclude=mod.key)


def _unique(targets: list[Target]) -> list[Target]:
    seen: set[Target] = set()
    unique = []
    for t in targets:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    return unique


def _refs_in(ws: WorkspaceIndex, other: ModuleInfo, mod: ModuleInfo, b: Binding) -> list[Target]:
    out: list[Target] = []
    module_aliases: set[str] = set()
    wanted = {mod.module.lower(), f"{mod.module}.{b.name}".lower()}
    for imp in other.scopes.top_level():
        if imp.kind != "import" or imp.path is None:
            continue
        if ws.absolute(imp.path, other.module).lower() not in wanted:
            continue  # another module's import: no need to load that module to rule it out
        resolved = ws.resolve_import(imp, other.module)
        if resolved is None or resolved[0].key != mod.key:
            continue
        if resolved[1] is None:
            module_aliases.add(imp.name)
        elif resolved[1] == b:
            out.extend(Target(other.key, s, e) for s, e, _ in other.scopes.occurrences(imp))
    if module_aliases:
        for tree, dpos in other.entries:
            for node in tree.iter_subtrees():
                if node.data not in ("field", "path_segment") or len(node.children) < 3:
                    continue
                base, member = node.children[0], node.children[-1]
                if (isinstance(base, Tree) and base.data == "var" and base.children
                        and str(base.children[0]) in module_aliases
                        and isinstance(member, Token) and str(member) == b.name):
                    out.append(Target(other.key, member.start_pos + dpos, member.end_pos + dpos))
    return out


def highlights(cur: ModuleInfo, offset: int) -> list[tuple[int, int, bool]]:
    """(start, end, is_write) of the name at ``offset`` in this file."""
    binding, _ = cur.scopes.target_at(offset)
    if binding is None:
        return []
    return sorted(cur.scopes.occurrences(binding))
