"""From "every terminal the parser could shift" to the expected set a person should read.

The full set is what completion offers. A diagnostic names what the innermost unfinished
construct needs: the terminals reached after the most reductions (``if c then {1}`` followed by
``0`` needs ``else``, not another operator on ``{1}``); inside an unclosed ``(`` or ``[`` every
continuation of the enclosed expression is listed with the closer, as the reference compiler does.
"""

from __future__ import annotations

from reml_lsp.syntax import tokens as T

_GROUP_CLOSERS = frozenset(("RPAR", "RSQB", "COMMA"))


def summarize(expected: dict[str, int]) -> tuple[str, ...]:
    """Terminal names to report, in the reference's order, one per label."""
    candidates = {t: r for t, r in expected.items() if t not in ("ERROR", "$END")}
    if not candidates:
        candidates = {t: r for t, r in expected.items() if t == "$END"}
    if not candidates:
        return ()
    deepest = max(candidates.values())
    chosen = [t for t, r in candidates.items() if r == deepest]
    if _GROUP_CLOSERS & set(chosen):
        chosen = list(candidates)
    if "WHEN" in chosen and "IF" in chosen:  # a guard: suggest the canonical spelling only
        chosen.remove("IF")
    return order(chosen)


# Not named in a message (completion still offers them): virtual tokens, and the openers of
# forms the reference's expected-token sets (corpus goldens) never list: `#[` (`@` stands for
# attributes), the prefix keywords `async`, `await`, `rec`, the `test "name" {…}` block, and
# `:=` (an assignment may follow any postfix expression, 1-1 §C.6: naming it after every operand
# would lengthen each message with a token the reference's sets never list).
_UNLISTED = frozenset(("ERROR", "HASH_LSQB", "ASYNC", "AWAIT", "REC", "TEST", "COLONEQ"))

# When several terminals share a label, the one named here stands for them.
_PREFERRED = frozenset("IDENT BREAK RETURN LPAR LSQB MINUS VBAR OROR STRING".split())


def order(terminals) -> tuple[str, ...]:
    """One terminal per label (virtual ones dropped), in the reference's order."""
    seen: dict[str, str] = {}
    for term in terminals:
        if term in _UNLISTED:
            continue
        lab, _ = T.label(term)
        if lab not in seen or term in _PREFERRED:
            seen[lab] = term
    return tuple(sorted(seen.values(), key=_sort_key))


def _sort_key(term: str) -> tuple[int, bytes]:
    lab, kind = T.label(term)
    return T.KIND_ORDER.get(kind, 4), lab.encode("utf-8")
