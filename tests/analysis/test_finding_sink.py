"""The bounded finding collector keeps exactly what trimming every finding would keep."""

from __future__ import annotations

import heapq
import random

from reml_lsp.analysis.analyze import analyze_text
from reml_lsp.analysis.finding_sink import FindingSink, finding_key
from reml_lsp.analysis.findings import Finding


def _findings(n: int, seed: int) -> list[Finding]:
    rng = random.Random(seed)
    return [Finding(rng.choice(["a.x", "b.y"]), "names", "warning", s, s + rng.randint(0, 3),
                    (str(i),)) for i, s in enumerate(rng.randint(0, n // 3) for _ in range(n))]


def test_sink_keeps_the_first_by_position_stably_and_counts_the_rest() -> None:
    for limit in (0, 1, 7, 200):
        for seed in range(5):
            found = _findings(3000, seed)
            sink = FindingSink(limit)
            for f in found:
                if sink.wants(f.start, f.end, f.code):
                    sink.add(f)
            expected = heapq.nsmallest(limit + 1, found, key=finding_key)
            got = heapq.nsmallest(limit + 1, sink.findings(), key=finding_key)
            assert got == expected
            assert [f.args for f in got] == [f.args for f in expected]  # ties: first offered
            assert sink.count == len(found)


def test_uncapped_sink_keeps_every_finding_in_order() -> None:
    found = _findings(500, 1)
    sink = FindingSink(-1)
    sink.extend(found)
    assert sink.findings() == found and sink.count == 500


def test_lint_cap_on_many_unresolved_names_matches_the_uncapped_head() -> None:
    text = "let xs = [" + "f(x, y), " * 2000 + "]\n"
    capped = analyze_text(text, file="t.reml", rel_path="t.reml", max_diagnostics=50)
    full = analyze_text(text, file="t.reml", rel_path="t.reml", max_diagnostics=0)
    assert len(full.diagnostics) == 6000
    assert [(d.code, d.span, d.message, d.audit_id) for d in capped.diagnostics[:50]] == [
        (d.code, d.span, d.message, d.audit_id) for d in full.diagnostics[:50]]
    summary = capped.diagnostics[50]
    assert summary.code == "diagnostics.truncated"
    assert summary.locale_args[0] == str(6000 - 50)
