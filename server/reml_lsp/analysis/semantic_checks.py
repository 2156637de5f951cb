"""All semantic checks of one document (name resolution, duplicates, runtime-bridges rules) as
``Finding``s: the one entry point the CLI and the server share, so both report the same.

Only items that parsed without findings are checked (a recovered tree would report names the
user has not finished typing); their scopes still see the names the other items declare.
"""

from __future__ import annotations

from collections.abc import Sequence

from reml_lsp.analysis import bridges, duplicates, resolve
from reml_lsp.analysis.findings import Finding, to_diagnostics
from reml_lsp.analysis.positions import LineIndex
from reml_lsp.analysis.resolve import ModuleLookup, NoModules
from reml_lsp.analysis.scopes import ScopeIndex, build_scopes
from reml_lsp.analysis.tree import Entry, span
from reml_lsp.diagnostics.model import Diagnostic


def semantic_findings(text: str, entries: Sequence[Entry], *, clean: Sequence[bool] | None = None,
                      modules: ModuleLookup | None = None, scopes: ScopeIndex | None = None
                      ) -> list[Finding]:
    """``entries``: every item (tree, dpos) in text order; ``clean[i]``: item i parsed without
    findings (default: all). ``scopes``: ``build_scopes(entries)`` when the caller has it."""
    modules = modules or NoModules()
    scopes = scopes or build_scopes(entries)
    ok = [e for i, e in enumerate(entries) if clean is None or clean[i]]
    ok_ids = {id(t) for t, _ in ok}
    bad = [s for t, d in entries if id(t) not in ok_ids for s in [span(t, d)] if s is not None]
    used: set[tuple[str, int, int]] = set()
    closed = resolve.is_closed_module(entries)
    found = resolve.unresolved(text, entries, scopes, modules, used=used, closed=closed)
    out = [f for f in found if not any(s <= f.start <= e for s, e in bad)]
    if not bad:  # a broken item may hold the only use of a name
        out += resolve.unused(text, scopes, used, resolve.bodiless_signatures(entries))
    out += duplicates.top_level(scopes, ok, closed)
    out += duplicates.pattern_bindings(ok)
    out += duplicates.impls(text, ok)
    out += bridges.check(text, ok)
    return out


def semantic_diagnostics(text: str, entries: Sequence[Entry], clean: Sequence[bool], *,
                         index: LineIndex, file: str, rel_path: str, locale: str,
                         modules: ModuleLookup | None = None, stream_meta: dict | None = None
                         ) -> list[Diagnostic]:
    """``semantic_findings`` as localised diagnostics (what ``lint`` and the server publish)."""
    found = semantic_findings(text, entries, clean=clean, modules=modules)
    return to_diagnostics(found, text=text, index=index, file=file, rel_path=rel_path,
                          locale=locale, entries=entries, stream_meta=stream_meta)
