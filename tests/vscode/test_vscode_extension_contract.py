"""The VS Code extension and the server agree on names: command ids, settings, the semantic token
legend. The server's names live in ``reml_lsp.lsp.names`` and ``reml_lsp.lsp.settings``; the
extension's in ``vscode-extension/package.json`` and ``src/commands.ts``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-extension"
PACKAGE = json.loads((EXT / "package.json").read_text(encoding="utf-8"))
COMMANDS_TS = (EXT / "src" / "commands.ts").read_text(encoding="utf-8")

names = pytest.importorskip("reml_lsp.lsp.names")

# LSP 3.17 predefined semantic token types and modifiers; VS Code themes know them already.
STANDARD_TYPES = set(
    """namespace type class enum interface struct typeParameter parameter variable property
    enumMember event function method macro keyword modifier comment string number regexp operator
    decorator label""".split()
)
STANDARD_MODIFIERS = set(
    """declaration definition readonly static deprecated abstract async modification documentation
    defaultLibrary""".split()
)


def _ids(name: str) -> set[str]:
    block = re.search(rf"export const {name} = \{{(.*?)\}}", COMMANDS_TS, re.S)
    assert block, f"{name} not found in src/commands.ts"
    return set(re.findall(r"'(reml\.[A-Za-z.]+)'", block.group(1)))


def test_local_commands_do_not_clash_with_server_commands() -> None:
    # vscode-languageclient registers every server command as a VS Code command: the extension
    # registering one of them too would stop the client from starting.
    assert sorted(_ids("LOCAL_COMMANDS") & set(names.COMMANDS)) == []


def test_server_commands_used_by_the_extension_exist() -> None:
    assert sorted(_ids("SERVER_COMMANDS") - set(names.COMMANDS)) == []


def test_contributed_commands_are_local_or_the_servers() -> None:
    """One namespace: the palette entries are the server's own command ids (forwarded by
    vscode-languageclient) or the extension's few local ones."""
    ours = {c["command"] for c in PACKAGE["contributes"]["commands"]}
    assert sorted(ours - _ids("LOCAL_COMMANDS") - set(names.COMMANDS)) == []


def test_initialization_options_carry_only_what_the_server_reads() -> None:
    """lsp/server.py reads ``initializationOptions.settings`` (and ``i18n.locale``, which the
    settings' ``language.locale`` supersedes): the extension sends nothing else."""
    settings_ts = (EXT / "src" / "settings.ts").read_text(encoding="utf-8")
    function = settings_ts.split("export function initializationOptions()", 1)[-1]
    returned = re.search(r"\breturn \{([^;]*)\};", function)
    assert returned, "initializationOptions() not found in src/settings.ts"
    assert re.findall(r"(\w+):", returned.group(1)) == ["settings"]
    server_py = (ROOT / "server" / "reml_lsp" / "lsp" / "server.py").read_text(encoding="utf-8")
    assert 'opts.get("settings")' in server_py


def test_custom_semantic_tokens_are_declared() -> None:
    contributes = PACKAGE["contributes"]
    declared_types = {t["id"] for t in contributes.get("semanticTokenTypes", [])}
    declared_mods = {m["id"] for m in contributes.get("semanticTokenModifiers", [])}
    assert sorted(set(names.TOKEN_TYPES) - STANDARD_TYPES - declared_types) == []
    assert sorted(set(names.TOKEN_MODIFIERS) - STANDARD_MODIFIERS - declared_mods) == []


def test_semantic_token_scopes_use_legend_names() -> None:
    legend_types, legend_mods = set(names.TOKEN_TYPES), set(names.TOKEN_MODIFIERS)
    for entry in PACKAGE["contributes"]["semanticTokenScopes"]:
        assert entry["language"] == "reml"
        for selector in entry["scopes"]:
            token_type, *mods = selector.split(".")
            assert token_type in legend_types, selector
            assert set(mods) <= legend_mods, selector


def test_every_server_setting_is_contributed() -> None:
    settings = pytest.importorskip("reml_lsp.lsp.settings")
    props = PACKAGE["contributes"]["configuration"]["properties"]
    fields = getattr(settings, "_FIELDS", {})
    missing = [
        ".".join(("reml", *path)) for path in fields if ".".join(("reml", *path)) not in props
    ]
    assert missing == []
    assert names.CONFIG_SECTION == "reml"


def test_config_documents_reach_the_server() -> None:
    """The client's selector names the manifest the server treats as a config document, by
    pattern (no TOML extension needed), and a reml.toml alone activates the extension."""
    from reml_lsp.config.lint import CONFIG_SUFFIXES, MANIFEST_NAME

    selector_ts = (EXT / "src" / "configSelector.ts").read_text(encoding="utf-8")
    client_ts = (EXT / "src" / "client.ts").read_text(encoding="utf-8")
    assert f"export const MANIFEST_NAME = '{MANIFEST_NAME}';" in selector_ts
    assert "pattern: `**/${MANIFEST_NAME}`" in selector_ts
    assert "language: 'toml'" not in selector_ts
    assert re.search(r"documentSelector:\s*documentSelector\(", client_ts)
    assert f"workspaceContains:**/{MANIFEST_NAME}" in PACKAGE["activationEvents"]
    assert Path(MANIFEST_NAME).suffix in CONFIG_SUFFIXES
