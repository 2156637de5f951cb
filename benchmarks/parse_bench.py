"""Full-parse throughput, incremental edit latency, expected-token latency and peak RSS.

Usage: python benchmarks/parse_bench.py [--sizes 1000 10000 50000] [--edits 200]
Each size runs in a fresh subprocess so peak RSS is per size. Prints one table.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def one(lines: int, edits: int) -> dict:
    from gen import generate
    from reml_lsp.syntax.grammar import tables
    from reml_lsp.syntax.incremental import ParsedDocument

    tables()  # grammar load is start-up, not parse
    text = generate(lines)
    size_kb = len(text.encode()) / 1024
    best = None
    for _ in range(3 if lines <= 10000 else 1):  # best of 3: the machine is shared
        t0 = time.perf_counter()
        doc = ParsedDocument(text)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    rnd = random.Random(lines)
    times = []
    for _ in range(edits):
        t = doc.text
        pos = rnd.randrange(len(t))
        kind = rnd.random()
        if kind < 0.5:
            start, end, new = pos, pos, rnd.choice(["x", "1", " ", "(", ")", "a + b"])
        elif kind < 0.8:
            start, end, new = pos, min(len(t), pos + rnd.randrange(1, 4)), ""
        else:
            start, end, new = pos, min(len(t), pos + 1), rnd.choice(["y", "{", "}", "\n"])
        t0 = time.perf_counter()
        doc.edit(start, end, new)
        times.append(time.perf_counter() - t0)
    times.sort()
    caret_times = []
    for _ in range(50):
        off = rnd.randrange(len(doc.text))
        t0 = time.perf_counter()
        doc.expected_at(off)
        caret_times.append(time.perf_counter() - t0)
    caret_times.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "lines": lines, "kb": round(size_kb, 1), "full_s": round(best, 3),
        "kb_per_s": round(size_kb / best), "edit_p50_ms": round(statistics.median(times) * 1e3, 2),
        "edit_p95_ms": round(times[int(len(times) * 0.95)] * 1e3, 2),
        "ratio": round(best / statistics.median(times)),
        "expected_p50_ms": round(statistics.median(caret_times) * 1e3, 2),
        "rss_mb": round(rss, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 50000])
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.edits)))
        return
    cols = ["lines", "kb", "full_s", "kb_per_s", "edit_p50_ms", "edit_p95_ms", "ratio",
            "expected_p50_ms", "rss_mb"]
    print(" ".join(f"{c:>15}" for c in cols))
    for size in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(size), "--edits",
                              str(args.edits)], capture_output=True, text=True, check=True)
        row = json.loads(out.stdout)
        print(" ".join(f"{row[c]:>15}" for c in cols), flush=True)


if __name__ == "__main__":
    main()
