"""Hostile-input benchmark: `reml-run lint --format json` on pathological files at two sizes.

Usage: python benchmarks/hostile_bench.py [--sizes 100000 1000000] [--timeout 60]
                                           [--only CLASS ...] [--max-diagnostics N]

Each class is generated at each size (bytes) and linted in a fresh subprocess. Prints, per class
and size: wall time, the child's peak RSS (``os.wait4`` rusage), the diagnostic count, whether
stdout is valid UTF-8 JSON, whether stderr holds a traceback, and the growth ratio of time from
the smallest to the largest size (10x the input: ~10 is linear, ~100 quadratic).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

_PROGRAM = (
    "fn total(xs: Array<Int>) -> Int {\n"
    "  var acc: Int = 0\n"
    "  for x in xs { acc := acc + x * 2 }\n"
    "  acc\n"
    "}\n"
)


def _fill(unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    body = max(0, size - len(head) - len(tail))
    return head + (unit * (body // len(unit) + 1))[:body] + tail


def _program_lines(size: int) -> bytes:
    return _fill(_PROGRAM.encode(), size)


def _op_chain(size: int) -> bytes:
    return _fill(b" + 1", size, b"fn f() -> Int = 1", b"\n")


def _long_line(size: int) -> bytes:
    return _fill(b"f(x, y), ", size, b"let xs = [", b"]\n")


def _long_line_errors(size: int) -> bytes:
    return _fill(b"x ) = ", size, b"fn f() -> Int = ", b"\n")


def _latin1(size: int) -> bytes:
    unit = "// café déjà vu — naïve\nfn größe() -> Int = 1\n".replace("—", "-")
    return _fill(unit.encode("latin-1"), size)


def _unterminated(opener: bytes) -> Callable[[int], bytes]:
    return lambda size: _fill(_PROGRAM.encode(), size, b"fn f() -> Str = " + opener + b"\n")


CLASSES: dict[str, Callable[[int], bytes]] = {
    "ff_a": lambda n: _fill(b"\xffa", n),
    "nul": lambda n: _fill(b"\x00", n),
    "emoji": lambda n: _fill("😀".encode(), n),
    "quote_flood": lambda n: _fill(b"'", n),
    "dquote_flood": lambda n: _fill(b'"', n),
    "invalid_in_string": lambda n: _fill(b"\xff", n, b'fn f() -> Str = "', b'"\n'),
    "u_escape_flood": lambda n: _fill(b"\\u{", n, b'fn f() -> Str = "', b'"\n'),
    "latin1": _latin1,
    "op_chain": _op_chain,
    "long_line": _long_line,
    "long_line_errors": _long_line_errors,
    "unterminated_string": _unterminated(b'"'),
    "unterminated_multiline": _unterminated(b'"""'),
    "unterminated_raw": _unterminated(b'r"'),
    "unterminated_comment": lambda n: _fill(_PROGRAM.encode(), n, b"/*\n"),
    "deep_parens": lambda n: _fill(b"(", n, b"fn f() -> Int = "),
    "deep_brackets": lambda n: _fill(b"[", n, b"fn f() -> Int = "),
    "deep_blocks": lambda n: _fill(b"{ ", n, b"fn f() -> Int = "),
    "deep_closed_parens": lambda n: (b"fn f() -> Int = " + b"(" * (n // 2 - 10) + b"1"
                                     + b")" * (n // 2 - 10) + b"\n"),
    "deep_neg": lambda n: _fill(b"- ", n, b"fn f() -> Int = ", b"1\n"),
    "deep_field": lambda n: _fill(b".f", n, b"fn f() -> Int = x", b"\n"),
    "deep_return": lambda n: _fill(b"return ", n, b"fn f() = { ", b"1 }\n"),
    # One line of `) (x) (x) …`: panic recovery skips it (a bounded record of the skipped tokens).
    "paren_groups": lambda n: _fill(b" (x)", n, b")", b"\n"),
    # The same after an error inside a block: recovery resumes into a call chain `ERROR(x)(x)…`
    # whose tree is too deep; it is dropped at the depth limit instead of built to the end.
    "call_chain_after_error": lambda n: _fill(b" (x)", n, b"fn f() { x )", b"\n}\n"),
    "unknown_run": lambda n: _fill("§".encode(), n),
    "unknown_ctrl": lambda n: _fill(b"\x07", n),
    "program": _program_lines,
}


_TIME = "/usr/bin/time"


def _reml_run() -> list[str]:
    exe = Path(sys.executable).with_name("reml-run")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "reml_lsp.cli.main"]


def run_one(path: Path, timeout: float, extra: list[str]) -> dict:
    """Lint ``path`` in a child. Peak RSS comes from /usr/bin/time when present: a child's own
    ``wait4`` figure also counts this (large) process's memory, inherited at fork/exec."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss_file:
        cmd = [*_reml_run(), "lint", "--format", "json", *extra, str(path)]
        if Path(_TIME).exists():
            cmd = [_TIME, "-f", "%M", "-o", rss_file.name, *cmd]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, start_new_session=True)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        raw, errtext = out.read(), err.read()
        rss_kb = usage.ru_maxrss
        measured = rss_file.read().strip().splitlines()
        if measured and measured[-1].isdigit():
            rss_kb = int(measured[-1])
    row = {"time": elapsed, "rss_mb": rss_kb / 1024, "rc": proc.returncode,
           "timed_out": timed_out, "traceback": b"Traceback" in errtext, "utf8_json": False,
           "diags": None}
    try:
        doc = json.loads(raw.decode("utf-8"))
        row["utf8_json"] = True
        row["diags"] = len(doc.get("diagnostics", []))
    except (UnicodeDecodeError, ValueError):
        pass
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", help="class names to run (default: all)")
    ap.add_argument("--max-diagnostics", type=int, help="passed to lint when given")
    args = ap.parse_args()
    extra = [] if args.max_diagnostics is None else ["--max-diagnostics",
                                                    str(args.max_diagnostics)]
    names = args.only or list(CLASSES)
    sizes = sorted(args.sizes)
    print(f"{'class':24} {'size':>8} {'time s':>8} {'RSS MB':>7} {'diags':>6} {'json':>5} "
          f"{'tb':>3} {'rc':>3}  growth")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            times = []
            for size in sizes:
                path = Path(tmp) / f"{name}_{size}.reml"
                path.write_bytes(CLASSES[name](size))
                row = run_one(path, args.timeout, extra)
                times.append(row["time"])
                growth = ""
                if len(times) > 1:
                    ratio = times[-1] / max(times[0], 1e-9)
                    growth = f"x{ratio:.1f} for x{size / sizes[0]:.0f} input"
                    # Startup (~0.3 s) dominates small runs; growth over the startup matters.
                    worst = max(worst, ratio)
                mark = " TIMEOUT" if row["timed_out"] else ""
                print(f"{name:24} {size:>8} {row['time']:>8.2f} {row['rss_mb']:>7.0f} "
                      f"{row['diags'] if row['diags'] is not None else '-':>6} "
                      f"{'ok' if row['utf8_json'] else 'BAD':>5} "
                      f"{'YES' if row['traceback'] else 'no':>3} {row['rc']:>3}  {growth}{mark}",
                      flush=True)
    print(f"worst growth ratio: x{worst:.1f}")


if __name__ == "__main__":
    main()
