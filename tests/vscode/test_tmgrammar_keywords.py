"""The TextMate grammar's keyword list must match the keyword terminals of grammars/reml.lark.

Keyword terminals in the Lark grammar are upper-case names bound to one quoted word, e.g.
``FN: "fn"`` or ``LLVM_IR.2: "llvm_ir!"``. The TextMate grammar keeps its keywords in the
``keywords`` repository entry as ``\\b(?:a|b|c)\\b`` alternations. Both directions are checked
so the two never drift: every Lark keyword is highlighted, and every highlighted keyword is either
a Lark keyword or one of the words the spec reserves (1-1 §A.3) that the grammar does not use yet.

Stdlib only: runs under pytest and as ``python3 tests/vscode/test_tmgrammar_keywords.py``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LARK = ROOT / "grammars" / "reml.lark"
TMLANGUAGE = ROOT / "grammars" / "reml.tmLanguage.json"

# Spec 1-1 §A.3 reserved words plus the contextual `pattern` / `when`.
SPEC_RESERVED = set(
    """module use as pub self super let var fn type alias new trait impl extern effect operation
    handler conductor channels execution monitoring if then else match with for in while loop return
    defer unsafe perform do handle where true false break continue pattern when""".split()
)

# Contextual keywords highlighted only where they act as keywords (outside the `keywords` entry):
# `pattern` only at an active-pattern declaration, so `let pattern = 1` stays an identifier.
# `test`/`case` before a string (Core.Test, 3-11); `actor spec Name`; `macro name(`.
CONTEXTUAL = {"pattern", "test", "case", "actor", "spec", "macro"}

_TERMINAL = re.compile(r'^([A-Z][A-Z0-9_]*)(?:\.-?\d+)?\s*:\s*"([^"\\]+)"\s*(?://.*)?$')
_WORD = re.compile(r"^[a-z][a-z0-9_]*!?$")
_ALTERNATION = re.compile(r"^\\b\(\?:(.*)\)(?:\\b)?$")


def lark_keywords(text: str) -> set[str]:
    words = set()
    for line in text.splitlines():
        m = _TERMINAL.match(line.strip())
        if m and _WORD.match(m.group(2)):
            words.add(m.group(2))
    return words


def tm_keywords(grammar: dict) -> set[str]:
    words = set()
    for pattern in grammar["repository"]["keywords"]["patterns"]:
        m = _ALTERNATION.match(pattern["match"])
        assert m, f"keyword pattern is not a \\b(?:…)\\b alternation: {pattern['match']!r}"
        words.update(m.group(1).split("|"))
    text = json.dumps(grammar)
    words.update(w for w in CONTEXTUAL if f"({w})" in text)
    return words


def _load() -> tuple[set[str], set[str]]:
    return (
        lark_keywords(LARK.read_text(encoding="utf-8")),
        tm_keywords(json.loads(TMLANGUAGE.read_text(encoding="utf-8"))),
    )


def test_extractors_on_samples() -> None:
    sample = 'FN: "fn"\nLLVM_IR.2: "llvm_ir!"\nPIPE: "|>"\nUNDERSCORE: "_"\nname: FN IDENT\n'
    assert lark_keywords(sample) == {"fn", "llvm_ir!"}
    grammar = {"repository": {"keywords": {"patterns": [{"match": "\\b(?:if|then)\\b"}]}}}
    assert tm_keywords(grammar) == {"if", "then"}


def test_every_lark_keyword_is_highlighted() -> None:
    if not LARK.exists():
        import pytest

        pytest.skip("grammars/reml.lark not written yet")
    lark, tm = _load()
    assert lark, "no keyword terminals found in grammars/reml.lark"
    assert sorted(lark - tm) == [], "Lark keywords missing from reml.tmLanguage.json"


def test_every_highlighted_keyword_is_known() -> None:
    if not LARK.exists():
        import pytest

        pytest.skip("grammars/reml.lark not written yet")
    lark, tm = _load()
    unknown = sorted(tm - lark - SPEC_RESERVED)
    assert unknown == [], "tmLanguage keywords unknown to the Lark grammar"


def test_spec_reserved_words_are_highlighted() -> None:
    _, tm = _load()
    assert sorted(SPEC_RESERVED - tm) == []


if __name__ == "__main__":
    lark, tm = _load()
    missing, unknown = sorted(lark - tm), sorted(tm - lark - SPEC_RESERVED)
    reserved = sorted(SPEC_RESERVED - tm)
    for label, items in (("missing", missing), ("unknown", unknown), ("reserved", reserved)):
        if items:
            print(f"keyword check: {label}: {' '.join(items)}")
    ok = not (missing or unknown or reserved)
    print(
        f"keyword check: {len(lark)} Lark keywords, {len(tm)} TextMate keywords: "
        + ("in sync" if ok else "DRIFT")
    )
    sys.exit(0 if ok else 1)
