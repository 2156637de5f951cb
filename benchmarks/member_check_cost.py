"""CPU cost per keystroke of the cross-module member check (``analysis/module_members.py``), in
process: the incremental document's edit + diagnostics with the workspace lookup vs without it,
on the 10k-line file of ``lsp_latency.py`` (no imports) and on the same file importing 8
workspace modules and naming their members through aliases in one unit of 10. The variants
alternate edit by edit (load on the machine hits both alike). Prints figures; asserts nothing.

    .venv/bin/python benchmarks/member_check_cost.py [--lines 10000] [--edits 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import make_text, pct
from reml_lsp.analysis.analyzed_document import AnalyzedDocument
from reml_lsp.analysis.file_index import index_bytes
from reml_lsp.analysis.module_exports import ExportTable
from reml_lsp.analysis.resolve import NO_MODULES

DEPS = 8


def workspace() -> ExportTable:
    files = [index_bytes(f"module ws.m{j}\npub fn api_{j}(x: Int) -> Int {{ x }}\n"
                         f"pub type T{j} = A{j} | B{j}\n".encode(), f"ws/m{j}.reml")
             for j in range(DEPS)]
    return ExportTable.of(files)


def importer(lines: int) -> str:
    text = make_text(lines)
    head = "".join(f"use ws.m{j}.{{api_{j}}}\nuse ws.m{j} as dep{j}\n" for j in range(DEPS))
    text = text.replace("module bench\n", "module bench\n" + head, 1)
    out, n = [], 0
    for line in text.split("\n"):
        out.append(line)
        if line.startswith("pub fn area"):
            n += 1
            if n % 10 == 0:
                out.append(f"  let _u = dep{n % DEPS}.api_{n % DEPS}(api_{n % DEPS}(1))")
    return "\n".join(out)


def run(text: str, edits: int) -> dict[str, list[float]]:
    table = workspace()
    docs = {}
    for name, modules in (("without", NO_MODULES), ("with", table)):
        doc = AnalyzedDocument(text, file="/w/bench.reml", rel_path="bench.reml")
        doc.modules = modules
        doc.diagnostics("en-US")
        docs[name] = doc
    times: dict[str, list[float]] = {name: [] for name in docs}
    anchor = "3.14159 * r * r"
    for k in range(edits):
        for name, doc in docs.items():
            at = doc.text.find(anchor, (k * 7919) % max(1, len(doc.text) - 100))
            at = doc.text.find(anchor) if at < 0 else at
            t0 = time.process_time()
            doc.apply_change(at, at, " ")
            doc.diagnostics("en-US")
            times[name].append((time.process_time() - t0) * 1000)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=10_000)
    ap.add_argument("--edits", type=int, default=200)
    args = ap.parse_args()
    for label, text in (("no imports", make_text(args.lines)),
                        (f"{DEPS} workspace imports", importer(args.lines))):
        times = run(text, args.edits)
        a, b = times["without"], times["with"]
        print(f"{label} ({text.count(chr(10))} lines, {args.edits} edits), CPU ms per edit:")
        for q, name in ((0.5, "p50"), (0.95, "p95")):
            print(f"  {name}: without the lookup {pct(a, q):6.2f}   with it {pct(b, q):6.2f}"
                  f"   ratio {pct(b, q) / max(pct(a, q), 1e-9):.2f}x")


if __name__ == "__main__":
    main()
