"""The language server as the VSIX runs it with nothing installed: a bare Python (a fresh venv
without packages) with only ``vscode-extension/bundled/libs`` on PYTHONPATH, driven over stdio
by a real LSP client. Builds the bundle with ``scripts/bundle-python.mjs`` when it is missing
(pip from PyPI or its cache: slow the first time)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from lsprotocol import types as lsp
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-extension"
LIBS = EXT / "bundled" / "libs"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("node") is None, reason="needs node to bundle")]


@pytest.fixture(scope="module")
def bundle() -> Path:
    if not (LIBS / "reml_lsp" / "cli" / "main.py").exists():
        subprocess.run(["node", str(EXT / "scripts" / "bundle-python.mjs")], check=True,
                       timeout=900, env={**os.environ, "PYTHON": sys.executable})
    return LIBS


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A Python with no packages at all: what a fresh machine has."""
    target = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(target)
    return target / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def test_the_bare_python_really_lacks_the_server(bare_python: Path):
    probe = subprocess.run([str(bare_python), "-c", "import pygls"], capture_output=True,
                           text=True, timeout=60)
    assert probe.returncode != 0 and "ModuleNotFoundError" in probe.stderr


async def test_bundled_server_answers_over_stdio(bundle: Path, bare_python: Path, tmp_path: Path):
    (tmp_path / "reml.toml").write_text("")
    doc = tmp_path / "broken.reml"
    text = "fn main() -> Int {\n  (1 + 2\n}\n"
    doc.write_text(text)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYTHONPATH=str(bundle), PYTHONSAFEPATH="1")
    client = make_test_lsp_client()
    await client.start_io(str(bare_python), "-m", "reml_lsp.cli.main", "lsp", "--stdio",
                          env=env, cwd=str(tmp_path))
    try:
        result = await client.initialize_session(lsp.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp_path.as_uri(), workspace_folders=[
                lsp.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
        assert result.server_info is not None
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=doc.as_uri(), language_id="reml", version=1,
                                               text=text)))
        for _ in range(100):
            if client.diagnostics.get(doc.as_uri()):
                break
            await asyncio.sleep(0.1)
        diags = client.diagnostics.get(doc.as_uri())
        assert diags and diags[0].code.startswith("parser.")
        assert diags[0].data["audit"]["metadata"]["audit.channel"] == "lsp"
        items = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=doc.as_uri()),
            position=lsp.Position(line=1, character=2)))
        assert items is not None
    finally:
        await client.shutdown_session()
