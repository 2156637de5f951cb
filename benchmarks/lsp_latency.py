"""Latency of the Reml language server on a 10k-line file, beside a no-op pygls server (the
floor), both driven by the same pytest-lsp client over stdio in this run.

    .venv/bin/python benchmarks/lsp_latency.py [--lines 10000] [--edits 200]

Prints p50/p95 of didChange → publishDiagnostics (matched by version) and of completion, their
ratio to the floor, and the cold open time (didOpen → first diagnostics). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types as lsp
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

HERE = Path(__file__).resolve().parent
UNIT = '''
/// The area of shape {i}.
pub fn area{i}(shape: Shape) -> Float {{
  match shape with
  | Circle(r) -> 3.14159 * r * r
  | Rect(w, h) -> w * h
  | Triangle(a, b, c) -> {{
      let s = (a + b + c) / 2.0
      heron(s, a, b, c)
    }}
}}

fn describe{i}(shape: Shape, count: Int) -> Str {{
  let total = area{i}(shape)
  let label = |value| "area=" + value
  if count > 0 then label(total) else "none"
}}
'''
HEADER = '''module bench

type Shape = | Circle(Float) | Rect(Float, Float) | Triangle(Float, Float, Float)

fn heron(s: Float, a: Float, b: Float, c: Float) -> Float {
  sqrt(s * (s - a) * (s - b) * (s - c))
}
'''


def make_text(lines: int) -> str:
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) < lines:
        parts.append(UNIT.format(i=i))
        i += 1
    return "".join(parts)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


async def measure(command: list[str], text: str, edits: int, root: Path) -> dict[str, float]:
    client = make_test_lsp_client()
    published: dict[int, float] = {}
    waiters: dict[int, asyncio.Future] = {}

    def on_publish(params: lsp.PublishDiagnosticsParams) -> None:
        now = time.perf_counter()
        if params.version is not None:
            published.setdefault(params.version, now)
            fut = waiters.pop(params.version, None)
            if fut is not None and not fut.done():
                fut.set_result(now)

    client.protocol.fm.features[lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    await client.start_io(*command)
    caps = client_capabilities("visual-studio-code")
    caps.text_document.publish_diagnostics.version_support = True
    await client.initialize_session(lsp.InitializeParams(capabilities=caps,
                                                         root_uri=root.as_uri()))
    path = root / "bench.reml"
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    loop = asyncio.get_running_loop()

    async def wait_version(version: int) -> float:
        if version in published:
            return published[version]
        fut = loop.create_future()
        waiters[version] = fut
        return await asyncio.wait_for(fut, 120)

    start = time.perf_counter()
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
        uri=uri, language_id="reml", version=1, text=text)))
    cold = await wait_version(1) - start
    # edits inside the body of a function in the middle of the file: type a call, then undo
    mid_line = text[: len(text) // 2].count("\n")
    lines = text.split("\n")
    line = next(n for n in range(mid_line, len(lines)) if lines[n].startswith("  let total"))
    change_lat: list[float] = []
    version = 1
    for k in range(edits):
        version += 1
        insert = k % 2 == 0
        pos = lsp.Position(line=line, character=2)
        rng = lsp.Range(start=pos, end=pos if insert else lsp.Position(line=line, character=3))
        sent = time.perf_counter()
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangePartial(
                range=rng, text="x" if insert else "")]))
        got = await wait_version(version)
        change_lat.append(got - sent)
    # completion after a typed prefix in the same body (the text is back to the original)
    version += 1
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[lsp.TextDocumentContentChangePartial(
            range=lsp.Range(start=lsp.Position(line=line, character=0),
                            end=lsp.Position(line=line, character=0)), text="  he\n")]))
    await wait_version(version)
    comp_lat: list[float] = []
    for _ in range(edits):
        sent = time.perf_counter()
        await client.text_document_completion_async(lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri),
            position=lsp.Position(line=line, character=4)))
        comp_lat.append(time.perf_counter() - sent)
    await client.shutdown_session()
    await client.stop()
    return {"cold": cold, "change_p50": pct(change_lat, 0.5), "change_p95": pct(change_lat, 0.95),
            "comp_p50": pct(comp_lat, 0.5), "comp_p95": pct(comp_lat, 0.95)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()
    text = make_text(args.lines)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "reml.toml").write_text('[package]\nname = "bench"\n')
        floor = await measure([sys.executable, str(HERE / "noop_server.py")], text, args.edits,
                              root)
        reml = await measure([sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"],
                             text, args.edits, root)
    ms = 1000.0
    print(f"file: {text.count(chr(10))} lines, {len(text.encode()) / 1024:.0f} KiB; "
          f"{args.edits} edits, {args.edits} completions")
    print(f"{'':32}{'no-op floor':>14}{'reml-lsp':>12}{'ratio':>8}")
    for key, label in (("change_p50", "didChange→diagnostics p50"),
                       ("change_p95", "didChange→diagnostics p95"),
                       ("comp_p50", "completion p50"), ("comp_p95", "completion p95"),
                       ("cold", "cold open (didOpen→diag.)")):
        f, r = floor[key] * ms, reml[key] * ms
        print(f"{label:32}{f:>11.2f} ms{r:>9.2f} ms{r / f if f else float('nan'):>7.1f}×")
    print("targets: change p50 ≤ 3× floor, change p95 < 25 ms, completion p50 < 3 ms, "
          "cold open < 800 ms")


if __name__ == "__main__":
    asyncio.run(main())
