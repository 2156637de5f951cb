"""The standard library's public names: the ``Core.*`` signature index generated from the spec
(``scripts/gen_core_index.py`` → ``data/core_index.json``) plus the built-in names of the
language core (spec 1-2 §A primitive types, 1-3 effect operations such as ``resume``).

Name resolution treats every name of the index as defined: a reference that no binding of the
file resolves may still be a library name (the prelude, or a name a library re-exports)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import attrs

# Names the core language provides without a declaration: spec 1-2 §A primitive types (and the
# ``Int``/``Float``/``Array`` spellings the reference corpus uses), ``Self``, ``resume`` inside a
# handler (1-3 §I), the ``rec`` recursion marker of the operator builder (2-4), the ``Core`` root.
BUILTIN_NAMES = frozenset({
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize",
    "f16", "f32", "f64", "Bool", "Char", "Str", "String", "Bytes", "Int", "UInt", "Float",
    "Array", "Unit", "Never", "Self", "Any", "true", "false", "resume", "rec", "Core",
    # the operations spec 1-3 §A names for its core effects (`print` for io, `panic("…")` and
    # `assert(x>0)` for panic), `println` (1-1 §B.5, 3-7), and `todo`, the stub body the spec
    # writes ~170 times (`fn create(l: Locale) -> Collator = todo`) and declares nowhere
    "print", "println", "panic", "assert", "todo",
})


# Extension tags of the runtime-bridges guide (seed preface and §1 table), beside spec 1-3's.
BRIDGE_TAGS = frozenset({"network", "db", "gpu", "runtime", "audit", "config"})


@attrs.frozen
class CoreEntry:
    module: str
    name: str
    kind: str
    signature: str
    source: str


@attrs.frozen
class CoreIndex:
    modules: dict[str, dict[str, CoreEntry]]
    names: frozenset[str]  # every declared name of every module, and every module segment
    effect_tags: frozenset[str] = frozenset()

    def lookup(self, name: str) -> list[CoreEntry]:
        return [m[name] for m in self.modules.values() if name in m]

    def module(self, path: str) -> dict[str, CoreEntry] | None:
        return self.modules.get(path)

    def is_known(self, name: str) -> bool:
        return name in self.names or name in BUILTIN_NAMES

    def is_effect_handle(self, name: str) -> bool:
        """An effect tag used as the handle of its operations (``audit.log(…)``,
        ``gpu::init(…)``: spec 1-3 §A, runtime-bridges guide §2, §7)."""
        return name in self.effect_tags or name in BRIDGE_TAGS


@cache
def core_index() -> CoreIndex:
    raw = json.loads(resources.files("reml_lsp.analysis.data").joinpath("core_index.json")
                     .read_text(encoding="utf-8"))
    modules: dict[str, dict[str, CoreEntry]] = {}
    names: set[str] = set()
    for path, entries in raw.get("modules", {}).items():
        names.update(path.split("."))
        table = modules.setdefault(path, {})
        for name, e in entries.items():
            table[name] = CoreEntry(path, name, e.get("kind", ""), e.get("signature", ""),
                                    e.get("source", ""))
            names.add(name)
    names.update(raw.get("referenced", {}))
    return CoreIndex(modules, frozenset(names), frozenset(raw.get("effect_tags", ())))
