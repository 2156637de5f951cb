"""`workspace/symbol`: fuzzy matching of a query against the compact index's symbols, ranked
like other servers do (exact, then prefix, then word-start and contiguous matches, shorter
names first). The query's characters must appear in order; lower-case query letters match
either case."""

from __future__ import annotations

import re
from collections.abc import Iterable

from reml_lsp.analysis.file_index import FileIndex, IndexedSymbol

LIMIT = 256


def fuzzy_score(query: str, name: str) -> int | None:
    """A score (higher is better), or None when ``query`` is not a subsequence of ``name``."""
    if not query:
        return 0
    low_name = name.lower()
    smart = query != query.lower()  # an upper-case letter in the query must match exactly
    hay = name if smart else low_name
    needle = query if smart else query.lower()
    if hay == needle:
        return 10_000
    if hay.startswith(needle):
        return 5_000 - len(name)
    score = 0
    pos = 0
    prev = -2
    for ch in needle:
        found = hay.find(ch, pos)
        if found < 0:
            return None
        if found == prev + 1:
            score += 15  # contiguous
        if found == 0 or not name[found - 1].isalnum() or (
                name[found].isupper() and name[found - 1].islower()):
            score += 25  # word start: after `_`, `.`, or a camelCase hump
        score -= min(found - pos, 10)  # a gap
        prev = found
        pos = found + 1
    if needle in hay:
        score += 500
    return score - len(name)


def search(files: Iterable[tuple[str, FileIndex]], query: str, limit: int = LIMIT
           ) -> list[tuple[str, IndexedSymbol]]:
    """(key, symbol) of the best matches, best first; stable for equal scores."""
    query = query.strip()
    # A compiled subsequence pattern rejects most names in C before the Python scoring.
    flags = 0 if query != query.lower() else re.IGNORECASE
    quick = re.compile(".*?".join(re.escape(ch) for ch in query), flags) if query else None
    scored: list[tuple[int, str, str, int, str, IndexedSymbol]] = []
    for key, entry in files:
        for sym in entry.symbols:
            if sym.kind == "module" or (quick is not None and quick.search(sym.name) is None):
                continue
            score = fuzzy_score(query, sym.name)
            if score is not None:
                scored.append((-score, sym.name, key, sym.sel_start, entry.module, sym))
    scored.sort(key=lambda t: t[:4])
    return [(key, sym) for _, _, key, _, _, sym in scored[:limit]]
