"""CLI ↔ server parity: ``reml-run lint --format json`` on a fixture folder and the server on the
same files give the same code, range and audit_id for every finding, one by one — syntax,
name-resolution and runtime-bridges findings of ``*.reml``, and the config findings of
``reml.toml`` and of a config file the manifest associates with a schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_helpers import diagnostics, encoding, mark, open_doc
from lsprotocol import types as lsp

pytestmark = pytest.mark.asyncio(loop_scope="module")

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "examples" / "spec_core"
SEMANTIC = Path(__file__).resolve().parents[2] / "fixtures" / "semantic"
SEMANTIC_CODES = {"name.unresolved", "name.duplicate", "namespace.conflict",
                  "pattern.binding.duplicate_name", "name.unused.let", "name.unused.param",
                  "name.unused.import", "bridges.unsafe.missing_defer",
                  "bridges.unsafe.missing_audit", "bridges.effects.missing_tag"}


def units(line: str, col: int, enc: str) -> int:
    seg = line[:col - 1]
    if enc == "utf-8":
        return len(seg.encode("utf-8"))
    return len(seg.encode("utf-16-le")) // 2


@pytest.fixture(scope="module")
def linted(workspace: Path) -> tuple[Path, dict[str, list[dict]]]:
    folder = workspace / "parity"
    if not folder.exists():
        shutil.copytree(workspace / "src", folder / "src")
        if CORPUS.is_dir():
            shutil.copytree(CORPUS / "chapter1", folder / "chapter1")
        shutil.copytree(SEMANTIC, folder / "semantic")
    done = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "parity",
                           "--format", "json"], cwd=workspace, capture_output=True, text=True)
    assert done.returncode in (0, 1, 2), done.stderr
    by_file: dict[str, list[dict]] = {}
    for d in json.loads(done.stdout)["diagnostics"]:
        by_file.setdefault(d["location"]["file"], []).append(d)
    return folder, by_file


async def test_lint_and_server_agree(client, linted):
    folder, by_file = linted
    files = sorted(folder.rglob("*.reml"))
    assert len(files) >= 5
    enc = encoding(client)
    compared = 0
    codes: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        m = mark(client)
        doc_uri = await open_doc(client, path, text, version=100)
        got = await diagnostics(client, doc_uri, m)
        display = str(path.relative_to(client.root))
        want = by_file.get(display, [])
        assert len(got) == len(want), display
        for g, w in zip(sorted(got, key=lambda d: (d.range.start.line, d.range.start.character,
                                                   d.code)),
                        sorted(want, key=lambda d: (d["location"]["line"],
                                                    d["location"]["column"], d["code"])),
                        strict=True):
            loc = w["location"]
            expected = lsp.Range(
                start=lsp.Position(line=loc["line"] - 1,
                                   character=units(lines[loc["line"] - 1], loc["column"], enc)),
                end=lsp.Position(line=loc["endLine"] - 1, character=units(
                    lines[loc["endLine"] - 1], loc["endColumn"], enc)))
            assert (g.code, g.range, g.data["audit_id"]) == (w["code"], expected,
                                                             w["audit_id"]), display
            compared += 1
            codes.add(g.code)
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    assert compared >= 5
    assert SEMANTIC_CODES <= codes  # every semantic rule took part in the comparison


SCHEMA = {"name": "app", "fields": {"server.port": {"data_type": "int", "required": True},
                                    "server.host": {"data_type": "string", "required": True}}}


async def test_config_findings_agree(client, workspace: Path):
    folder = workspace / "parity_config"
    (folder / "conf").mkdir(parents=True, exist_ok=True)
    (folder / "schema.json").write_text(json.dumps(SCHEMA), encoding="utf-8")
    (folder / "reml.toml").write_text('[project]\nname = 7\n\n[config.schemas]\n'
                                      '"conf/*.toml" = "schema.json"\n', encoding="utf-8")
    (folder / "conf" / "app.toml").write_text('[server]\nport = "80"\n', encoding="utf-8")
    (folder / "conf" / "broken.toml").write_text("[server\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--domain",
                           "config", "parity_config", "--format", "json"], cwd=workspace,
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    by_file: dict[str, list[dict]] = {}
    for d in json.loads(done.stdout)["diagnostics"]:
        by_file.setdefault(d["location"]["file"], []).append(d)
    enc = encoding(client)
    seen = set()
    for rel in ("reml.toml", "conf/app.toml", "conf/broken.toml"):
        path = folder / rel
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        m = mark(client)
        doc_uri = await open_doc(client, path, text, version=100)
        got = await diagnostics(client, doc_uri, m)
        want = by_file[str(path.relative_to(workspace))]
        assert len(got) == len(want), rel
        for g, w in zip(sorted(got, key=lambda d: (d.range.start.line, d.code)),
                        sorted(want, key=lambda d: (d["location"]["line"], d["code"])),
                        strict=True):
            loc = w["location"]
            assert g.code == w["code"] and g.data["audit_id"] == w["audit_id"], rel
            assert g.range.start == lsp.Position(
                line=loc["line"] - 1,
                character=units(lines[loc["line"] - 1], loc["column"], enc)), rel
            seen.add(g.code)
        client.text_document_did_close(lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc_uri)))
    assert seen == {"config.schema.type_mismatch", "config.schema.required_missing",
                    "config.parse.invalid_toml"}
