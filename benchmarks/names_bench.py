"""Cost of the semantic checks (names, duplicates, runtime-bridges rules) on a generated file.

    .venv/bin/python benchmarks/names_bench.py [LINES]

Prints the time of a full parse, of the semantic checks on the fresh document, and of the
document's diagnostics after a one-character edit (the editor's path: syntax + semantic), with
the semantic share. Figures depend on the machine and its load; the script prints, it does not
assert.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.semantic_checks import semantic_findings

ITEM = """fn item_{n}(xs: List<Int>, scale: Int) -> Int !{{gpu, runtime}} {{
  let total = fold(xs, 0, |acc, x| acc + x * scale)
  unsafe {{
    audit.log("item_{n}", total)
    let buf = gpu.alloc(total)
    defer gpu.free(buf)
  }}
  match Some(total) with
  | Some(t) -> t
  | None -> 0
}}

"""


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    per = ITEM.count("\n")
    text = "module bench\n\n" + "".join(ITEM.format(n=i) for i in range(lines // per))
    doc = AnalyzedDocument(text, file="bench.reml", rel_path="bench.reml")
    entries = [(item.tree, dpos) for item, dpos, _ in doc.entries() if item.tree is not None]
    t = time.perf_counter()
    semantic_findings(text, entries)  # fresh trees: nothing memoised yet
    cold = (time.perf_counter() - t) * 1000
    warm = best(lambda: semantic_findings(text, entries))
    doc.diagnostics("en-US")
    at = text.index("let total") + 4

    def edit_and_diagnose() -> None:
        doc.apply_change(at, at, "x")
        doc.diagnostics("en-US")
        doc.apply_change(at, at + 1, "")
        doc.diagnostics("en-US")

    edit = best(edit_and_diagnose) / 2
    name_at = doc.text.index("fn item_7(") + len("fn item_7")

    def rename_and_diagnose() -> None:  # the set of top-level names changes
        doc.apply_change(name_at, name_at, "x")
        doc.diagnostics("en-US")
        doc.apply_change(name_at, name_at + 1, "")
        doc.diagnostics("en-US")

    rename = best(rename_and_diagnose) / 2
    print(f"{text.count(chr(10))} lines, {len(entries)} items")
    print(f"semantic checks, whole file, first run: {cold:.1f} ms")
    print(f"semantic checks, whole file, items memoised: {warm:.1f} ms")
    print(f"one-character edit in a body, syntax + semantic diagnostics: {edit:.1f} ms")
    print(f"one-character edit in a top-level name (all items re-resolved): {rename:.1f} ms")


if __name__ == "__main__":
    main()
