"""All semantic checks of one document (name resolution, duplicates, runtime-bridges rules) as
``Finding``s: the one entry point the CLI and the server share, so both report the same.

Only items that parsed without findings are checked (a recovered tree would report names the
user has not finished typing); their scopes still see the names the other items declare.
"""

from __future__ import annotations

from collections.abc import Sequence

from reml_lsp.analysis import bridges, duplicates, resolve
from reml_lsp.analysis.finding_sink import FindingSink
from reml_lsp.analysis.findings import Finding, to_diagnostics
from reml_lsp.analysis.item_cache import ItemMemo, shift
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.resolve import NO_MODULES, ModuleLookup
from reml_lsp.analysis.scopes import ScopeIndex, build_scopes
from reml_lsp.analysis.tree import Entry
from reml_lsp.diagnostics.model import Diagnostic
from reml_lsp.syntax.gcpause import gc_paused

_REFS = ItemMemo()
_BRIDGES = ItemMemo()
_PATTERNS = ItemMemo()


def semantic_findings(text: str, entries: Sequence[Entry], *, clean: Sequence[bool] | None = None,
                      modules: ModuleLookup | None = None, scopes: ScopeIndex | None = None,
                      sink: FindingSink | None = None) -> list[Finding]:
    """``entries``: every item (tree, dpos) in text order; ``clean[i]``: item i parsed without
    findings (default: all). ``scopes``: ``build_scopes(entries)`` when the caller has it.
    What an item yields from itself is memoised by its tree (``ItemMemo``): an edit re-walks
    only the items it reparsed; the free names of every item are then matched against the
    file's top-level names (a set lookup each). ``sink``: collect into it (bounded by the
    diagnostics cap: the findings past it are counted, not built) and return its findings."""
    with gc_paused():  # it allocates per node and frees little: see ``gc_paused``
        return _findings(text, entries, clean, modules or NO_MODULES, scopes, sink)


def _findings(text: str, entries: Sequence[Entry], clean: Sequence[bool] | None,
              modules: ModuleLookup, scopes: ScopeIndex | None, sink: FindingSink | None
              ) -> list[Finding]:
    scopes = scopes or build_scopes(entries)
    ok = [e for i, e in enumerate(entries) if clean is None or clean[i]]
    closed = resolve.is_closed_module(entries)
    top = scopes.top_names()
    out = sink if sink is not None else FindingSink(-1)
    used_top: set[str] = set()
    used_lib: set[str] = set()
    for tree, dpos in ok:
        refs = _REFS.get(tree, None, lambda t=tree, d=dpos: resolve.item_refs(text, t, d))
        out.extend(shift(refs.unused_locals, dpos))
        resolve.resolve_free(refs, top, modules, closed, used_top, used_lib, sink=out, dpos=dpos)
        out.extend(shift(_PATTERNS.get(tree, None, lambda t=tree: duplicates.pattern_bindings(
            [(t, 0)])), dpos))
        out.extend(shift(_BRIDGES.get(tree, None, lambda t=tree, d=dpos: shift(
            bridges.check(text, [(t, d)]), -d)), dpos))
    if len(ok) == len(entries):  # a broken item may hold the only use of an import
        out.extend(resolve.unused_imports(text, scopes, used_top, used_lib))
    out.extend(duplicates.top_level(scopes, ok, closed))
    out.extend(duplicates.impls(text, ok))
    return out.findings()


def semantic_diagnostics(text: str, entries: Sequence[Entry], clean: Sequence[bool], *,
                         index: LineIndex, file: str, rel_path: str, locale: str,
                         modules: ModuleLookup | None = None, stream_meta: dict | None = None
                         ) -> list[Diagnostic]:
    """``semantic_findings`` as localised diagnostics (what ``lint`` and the server publish)."""
    found = semantic_findings(text, entries, clean=clean, modules=modules)
    return to_diagnostics(found, text=text, index=index, file=file, rel_path=rel_path,
                          locale=locale, entries=entries, stream_meta=stream_meta)
