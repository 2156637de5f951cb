"""Config input at scale, in process: how the config layer's time grows with its input.

Prints seconds and the ratio per doubling (about 2.0 is linear): schema findings on one long line
(``lint --domain config`` locating every ``a[i]``), a flat table through load + compare, and the
depth scan over a whole flat file (a deep one stops at the first bracket past the limit).

    .venv/bin/python benchmarks/config_input_bench.py
"""

from __future__ import annotations

import time
from pathlib import Path

from reml_lsp.config.compare import compare
from reml_lsp.config.depth import text_too_deep
from reml_lsp.config.lint import lint_config
from reml_lsp.config.loader import parse_text
from reml_lsp.config.schema import parse_schema

SCHEMA = parse_schema({"name": "s", "fields": {"a[*]": {"data_type": "string"}}})


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _series(label: str, sizes: list[int], run) -> None:
    previous = None
    for n in sizes:
        seconds = _timed(lambda n=n: run(n))
        ratio = f"  x{seconds / previous:.2f}" if previous else ""
        print(f"{label:<38} n={n:>7}  {seconds:7.3f} s{ratio}")
        previous = seconds


def _lint(n: int) -> None:
    raw = ("a = [" + ",".join(["1"] * n) + "]\n").encode()
    found = lint_config(raw, path=Path("/b/x.toml"), file="x.toml", rel_path="x.toml",
                        schema=SCHEMA).diagnostics
    assert len(found) == n


def _flat(n: int) -> None:
    old = parse_text(Path("a.toml"), "".join(f"k{i} = {i}\n" for i in range(n)), "toml")
    new = parse_text(Path("b.toml"), "".join(f"k{i} = {i + i % 2}\n" for i in range(n)), "toml")
    assert len(compare(old, new).changes) == n // 2


def _scan(n: int) -> None:
    text = "".join(f'k{i}.x = ["v{i}", {{a = 1.5}}]  # c\n' for i in range(n))
    assert text_too_deep(text, "toml") is None


if __name__ == "__main__":
    _series("lint: a[*] findings on one line", [5_000, 10_000, 20_000], _lint)
    _series("load + compare: flat table", [25_000, 50_000, 100_000], _flat)
    _series("depth scan: a whole flat file", [25_000, 50_000, 100_000], _scan)
