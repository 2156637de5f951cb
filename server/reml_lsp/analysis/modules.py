"""The workspace as modules: each `*.reml` file's module path (its `module` header, else its
workspace-relative path with `/` → `.`), its top-level names and its scopes. Pure data; the LSP
adapter feeds it the texts (open documents first, files on disk otherwise)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from reml_lsp.analysis.scopes import Binding, ScopeIndex, build_scopes
from reml_lsp.analysis.tree import Entry, child_tree, decl_of, source


@attrs.define
class ModuleInfo:
    key: str  # the document's identity for the adapter (its URI)
    rel_path: str
    module: str
    text: str
    entries: list[Entry]
    scopes: ScopeIndex

    def top_level(self, name: str) -> Binding | None:
        for b in self.scopes.top_named(name):
            if b.kind != "import":
                return b
        return None


def module_path(text: str, entries: Sequence[Entry], rel_path: str) -> str:
    for tree, dpos in entries[:3]:
        decl, _ = decl_of(tree)
        if decl is not None and decl.data == "module_header":
            path = child_tree(decl, "module_path")
            if path is not None:
                return "".join(source(text, path, dpos).split())
    stem = rel_path[:-5] if rel_path.endswith(".reml") else rel_path
    return stem.replace("/", ".")


def make_module(key: str, rel_path: str, text: str, entries: list[Entry],
                scopes: ScopeIndex | None = None) -> ModuleInfo:
    return ModuleInfo(key, rel_path, module_path(text, entries, rel_path), text, entries,
                      scopes or build_scopes(entries))


@attrs.define
class WorkspaceIndex:
    modules: dict[str, ModuleInfo] = attrs.Factory(dict)  # key → module

    def put(self, info: ModuleInfo) -> None:
        self.modules[info.key] = info

    def drop(self, key: str) -> None:
        self.modules.pop(key, None)

    def by_module(self, path: str) -> ModuleInfo | None:
        for info in self.modules.values():
            if info.module == path:
                return info
        lower = path.lower()
        for info in self.modules.values():
            if info.module.lower() == lower:
                return info
        return None

    def module_paths(self) -> list[str]:
        return sorted({m.module for m in self.modules.values()})

    def absolute(self, path: str, current: str) -> str:
        """`self.x` / `super.x` / `::x` relative to the module ``current`` → absolute path."""
        parts = path.split(".")
        base = current.split(".")
        if parts and parts[0] == "self":
            return ".".join([*base, *parts[1:]])
        if parts and parts[0] == "super":
            up = 0
            while up < len(parts) and parts[up] == "super":
                up += 1
            return ".".join([*base[: max(len(base) - up, 0)], *parts[up:]])
        if parts and parts[0].startswith("::"):
            return ".".join([parts[0][2:], *parts[1:]])
        return path

    def resolve_import(self, binding: Binding, current: str
                       ) -> tuple[ModuleInfo, Binding | None] | None:
        """Where an imported name is defined: (module, its top-level binding), or (module, None)
        when the import names a whole module."""
        if binding.path is None:
            return None
        full = self.absolute(binding.path, current)
        target = self.by_module(full)
        if target is not None:
            return target, None
        head, _, name = full.rpartition(".")
        owner = self.by_module(head) if head else None
        if owner is not None:
            found = owner.top_level(name)
            return (owner, found) if found is not None else (owner, None)
        return None

    def find_top_level(self, name: str, exclude: str | None = None
                       ) -> list[tuple[ModuleInfo, Binding]]:
        out = []
        for info in self.modules.values():
            if info.key == exclude:
                continue
            b = info.top_level(name)
            if b is not None:
                out.append((info, b))
        return out
