"""Reload of a large diff (N changed keys) through ``Reloader``: prints seconds per N and the
ratio to N=2000 (linear growth gives ratio ≈ N/2000). Before the duplicate-key check used a
Counter, 20 000 items took minutes (quadratic). Usage: .venv/bin/python benchmarks/reload_bench.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from reml_lsp.config.compare import compare
from reml_lsp.runtime.reload import Reloader
from reml_lsp.runtime.state_file import new_state


def one(n: int, folder: Path) -> float:
    state = folder / f"st-{n}.json"
    state.write_bytes(new_state({"replicas": 1}, "live.json", "json", None).to_bytes())
    target = {"replicas": 2, "items": [{"i": i, "tags": [str(i)]} for i in range(n)]}
    doc = {"change_set": compare({"replicas": 1}, target).change_set_json()}
    started = time.perf_counter()
    outcome = Reloader(state).reload(doc)
    assert outcome.status == "applied", outcome.errors
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        for n in (2000, 8000, 20000):
            seconds = one(n, Path(tmp))
            base = base or seconds
            print(f"N={n:>6} items ({2 * n + 1} changed keys): {seconds:6.2f} s   "
                  f"ratio to N=2000: {seconds / base:5.1f}  (linear: {n / 2000:.1f})")


if __name__ == "__main__":
    main()
