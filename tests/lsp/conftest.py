"""pytest-lsp fixtures: a real ``reml-run lsp --stdio`` process per test module and client
profile (VS Code: push diagnostics, UTF-16; Neovim 0.11: pull diagnostics, UTF-8), driving a
copy of ``fixtures/lsp/workspace``."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_helpers import fix_code_action_union, record_published, start
from pytest_lsp import ClientServerConfig, LanguageClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "lsp"
CLIENTS = ["visual-studio-code", "neovim"]
SERVER = [sys.executable, "-m", "reml_lsp.cli.main", "lsp", "--stdio"]
SERVER_ENV = {k: v for k, v in os.environ.items() if k != "REML_AUDIT_DB"}
SERVER_ENV["LANG"] = "C.UTF-8"
SERVER_ENV.pop("REML_LOCALE", None)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.fspath and Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.filterwarnings(
                "error::pytest_lsp.LspSpecificationWarning"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ws") / "workspace"
    shutil.copytree(FIXTURES / "workspace", root)
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=SERVER_ENV),
                    params=CLIENTS, scope="module")
async def client(lsp_client: LanguageClient, request, workspace: Path):
    lsp_client.profile = request.param
    lsp_client.root = workspace
    record_published(lsp_client)
    fix_code_action_union(lsp_client)
    await start(lsp_client, request.param, workspace)
    yield
    await lsp_client.shutdown_session()


