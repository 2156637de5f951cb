"""Pattern rules the reference compiler reports that need no types (spec 1-5 §5, 1-1 §C.3):

* ``pattern.slice.multiple_rest``: a slice pattern holds ``..`` (a rest, named or not) more
  than once (``[..a, 0, ..b]``): which elements each rest takes would be ambiguous;
* ``pattern.range.bound_inverted``: a range pattern whose bounds are both number literals has
  its lower bound above its upper one (``10..1``, ``5..=4``): it matches nothing.

Both are errors at the whole pattern, with the reference's codes and notes. And, with the
module-level duplicates' code ``name.duplicate``, a variant listed twice in one type or an
operation twice in one effect (``members``): the second is an error, noted at the first.
"""

from __future__ import annotations

from lark import Token, Tree

from reml_lsp.analysis.decl_names import variants
from reml_lsp.analysis.findings import Finding, FindingNote
from reml_lsp.analysis.item_cache import nodes
from reml_lsp.analysis.tree import name_token, span

DUPLICATE = "name.duplicate"
MULTIPLE_REST = "pattern.slice.multiple_rest"
BOUND_INVERTED = "pattern.range.bound_inverted"


def check(tree: Tree) -> list[Finding]:
    """The findings of one item tree (tree offsets)."""
    index = nodes(tree)
    out: list[Finding] = []
    for pat in index.get("slice_pattern", ()):
        items = next((c for c in pat.children if isinstance(c, Tree)
                      and c.data == "pattern_items"), None)
        rests = [c for c in items.children if isinstance(c, Tree)
                 and c.data == "rest_pattern"] if items is not None else []
        s = span(pat, 0)
        if len(rests) > 1 and s is not None:
            out.append(Finding(MULTIPLE_REST, "names", "error", s[0], s[1],
                               notes=(FindingNote("note.slice_single_rest"),)))
    for pat in index.get("range_pattern", ()):
        bounds = [c for c in pat.children if not (isinstance(c, Token) and c.type in (
            "DOTDOT", "DOTDOTEQ"))]
        values = [_number(b) for b in bounds]
        s = span(pat, 0)
        if len(values) == 2 and None not in values and values[0] > values[1] and s is not None:
            lo, hi = (_text(b) for b in bounds)
            out.append(Finding(BOUND_INVERTED, "names", "error", s[0], s[1],
                               notes=(FindingNote("note.range_bounds", (lo, hi)),)))
    out.extend(members(index))
    return out


def members(index: dict[str, list[Tree]]) -> list[Finding]:
    """A variant named twice in one type, an operation twice in one effect (tree offsets)."""
    groups = [variants(d) for kind in ("type_decl", "enum_decl") for d in index.get(kind, ())]
    groups += [[t for op in d.children if isinstance(op, Tree) and op.data == "operation_decl"
                and (t := name_token(op)) is not None] for d in index.get("effect_decl", ())]
    out: list[Finding] = []
    for toks in groups:
        first: dict[str, Token] = {}
        for tok in toks:
            seen = first.setdefault(str(tok), tok)
            if seen is not tok:
                out.append(Finding(DUPLICATE, "names", "error", tok.start_pos, tok.end_pos,
                                   (str(tok),), notes=(FindingNote(
                                       "note.first_defined", (str(tok),), seen.start_pos,
                                       seen.end_pos),)))
    return out


def _number(bound) -> float | None:
    """The value of a number-literal bound (``10``, ``-3``, ``0x1F``, ``2.5``), else None."""
    text = _text(bound)
    if text is None:
        return None
    digits = text.replace("_", "")
    try:
        if digits.lstrip("-")[:2].lower() in ("0x", "0o", "0b"):
            return float(int(digits, 0))
        return float(digits)
    except ValueError:
        return None


def _text(bound) -> str | None:
    if isinstance(bound, Tree) and bound.data in ("int_lit", "float_lit", "neg_int_lit",
                                                   "neg_float_lit"):
        return "".join(str(t) for t in bound.children if isinstance(t, Token))
    return None
