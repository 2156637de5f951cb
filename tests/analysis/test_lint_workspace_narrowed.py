"""`reml-run lint` of a few files in a large workspace indexes only what their imports ask
about (``lint_exports._narrowed``): every file's answers — names of the asked modules, which
paths are modules, the children below them — equal those of the fully indexed workspace."""

from __future__ import annotations

import json
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from reml_lsp.analysis.file_index import index_bytes
from reml_lsp.analysis.lint_exports import (
    _narrowed,
    _table_from_json,
    _table_to_json,
    _workspace_keyed,
    build_workspace,
)

SEGMENTS = ["app", "util", "core", "net", "m1", "m2", "Text"]


def index_many(files):
    return [index_bytes(data, rel) for _, data, rel in files]


def module_text(rng: random.Random, header: str | None, paths: list[str]) -> str:
    lines = []
    if rng.random() < 0.3:
        lines.append("/* leading comment */ // and a line comment")
    if header is not None:
        spaced = header.replace(".", " . ") if rng.random() < 0.2 else header
        lines.append(f"module {spaced}")
    for _ in range(rng.randrange(4)):
        target = rng.choice(paths)
        name = rng.choice(["f", "g", "T", "helper", "Text"])
        form = rng.randrange(3)
        if form == 0:
            lines.append(f"use {target}.{{{name}}}")
        elif form == 1:
            lines.append(f"use {target}.{name}")
        else:
            lines.append(f"use {target} as alias{rng.randrange(9)}")
    for name in rng.sample(["f", "g", "helper", "run"], rng.randrange(3)):
        lines.append(f"pub fn {name}(x: Int) -> Int {{ x }}")
    if rng.random() < 0.3:
        lines.append("type T = | A | B")
    if rng.random() < 0.2:
        lines.append("module inner { fn f() -> Int { 1 } }")
    if rng.random() < 0.1:
        lines.append("fn broken( { ")  # a syntax error after the header
    return "\n".join(lines) + "\n"


def write_workspace(root: Path, seed: int, files: int) -> list[Path]:
    rng = random.Random(seed)
    paths = sorted({".".join(rng.choice(SEGMENTS) for _ in range(rng.randrange(1, 4)))
                    for _ in range(12)})
    out = []
    for k in range(files):
        folder = rng.choice(["src", "src/app", "src/util/net", "lib"])
        header = rng.choice(paths) if rng.random() < 0.7 else None
        path = root / folder / f"f{k}.reml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module_text(rng, header, paths), encoding="utf-8")
        out.append(path.resolve())
    (root / "reml.toml").write_text("[package]\nname = \"t\"\n", encoding="utf-8")
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), files=st.integers(2, 24))
def test_narrowed_answers_equal_the_whole_workspace(tmp_path_factory, seed: int, files: int):
    root = tmp_path_factory.mktemp("ws")
    written = write_workspace(root, seed, files)
    whole = build_workspace([root], None, index_many)
    keyed = _workspace_keyed([root])
    for path in written:
        narrow = _narrowed(keyed, {path}, None, index_many)
        assert narrow.for_file(path) == whole.for_file(path), path.read_text()


def test_a_few_linted_files_take_the_narrow_path(tmp_path: Path):
    written = write_workspace(tmp_path, 7, 12)
    calls: list[int] = []

    def counting(files):
        calls.append(len(files))
        return index_many(files)

    build_workspace([tmp_path], None, counting, linted=written[:1])
    assert sum(calls) < len(written)  # not every file indexed
    calls.clear()
    build_workspace([tmp_path], None, counting, linted=written)
    assert sum(calls) == len(written)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), files=st.integers(2, 16))
def test_a_saved_workspace_table_answers_as_the_entries_do(tmp_path_factory, seed: int,
                                                          files: int):
    """A warm lint of an unchanged workspace reads one saved table instead of every entry."""
    root = tmp_path_factory.mktemp("ws")
    written = write_workspace(root, seed, files)
    whole = build_workspace([root], None, index_many)
    saved = _table_from_json(json.loads(json.dumps(_table_to_json(whole))))
    assert saved is not None
    for path in written:
        assert saved.for_file(path) == whole.for_file(path)
    assert _table_from_json({"v": -1}) is None and _table_from_json({"files": 3}) is None
