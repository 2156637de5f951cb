"""Reml in real headless Neovim 0.11: diagnostics (pull and push), positions on lines with CJK
and emoji, completion, edits, diagnostics on save, the missing-bracket quick fix, settings through
`settings`/`init_options`, and the same audit_id as `reml-run lint --format json`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "neovim" / "workspace"
# line 5 (1-based) of src/clean.reml gets a stray `)`
BROKEN_LINE = "  let scaled = value * factor)"
# the same, with CJK and emoji before the error
BROKEN_UNICODE_LINE = '  let 倍率 = "🎉 スケール 👨‍👩‍👧" + value)'


def columns(line: str, index: int) -> dict[str, int]:
    """Column of the code point ``index`` of ``line`` in each LSP position encoding."""
    before = line[:index]
    return {"utf-8": len(before.encode("utf-8")),
            "utf-16": len(before.encode("utf-16-le")) // 2,
            "utf-32": len(before)}


def fixture_line(rel: str, lnum: int) -> str:
    return (FIXTURES / rel).read_text(encoding="utf-8").splitlines()[lnum]


def lint(reml_run: str, root: Path, rel: str, env: dict[str, str]) -> list[dict]:
    """`reml-run lint --format json` in the workspace, with the environment of the server."""
    proc = subprocess.run([reml_run, "lint", "--format", "json", rel], cwd=root, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    return json.loads(proc.stdout)["diagnostics"]


def by_code(diags: list[dict], code: str) -> list[dict]:
    return [d for d in diags if d["code"] == code]


SYNTAX = "parser.syntax.expected_tokens"


# -- diagnostics and positions -------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["default", "utf-16"])
def test_syntax_error_position_after_cjk_and_emoji(run_nvim, workspace, encoding):
    result = run_nvim("diagnostics_unicode", workspace, encoding=encoding)
    client = result["client"]
    assert result["filetype"] == "reml"
    assert client["root_dir"] == str(workspace)  # found through reml.toml
    assert client["pull"] is True  # Neovim 0.11 pulls: the server offers diagnosticProvider
    # Neovim 0.11 prefers UTF-8 and the server accepts it; a UTF-16-only client gets UTF-16
    assert client["offset_encoding"] == ("utf-8" if encoding == "default" else "utf-16")

    line = fixture_line("src/greeting.reml", 6)
    at = line.rindex(")")
    assert any(ord(c) > 0xFFFF for c in line[:at]) and "挨拶" in line[:at]
    cols = columns(line, at)
    assert cols["utf-16"] != cols["utf-8"] != cols["utf-32"]

    [diag] = result["diagnostics"]
    assert diag["code"] == SYNTAX
    assert diag["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert "`)`" in diag["message"]
    # what Neovim shows: 0-based line, byte column in the buffer
    assert (diag["lnum"], diag["col"]) == (6, cols["utf-8"])
    assert (diag["end_lnum"], diag["end_col"]) == (6, cols["utf-8"] + 1)
    # what the server sent: the range in the negotiated encoding
    assert diag["range"]["start"] == {"line": 6, "character": cols[client["offset_encoding"]]}
    assert diag["range"]["end"] == {"line": 6, "character": cols[client["offset_encoding"]] + 1}
    assert diag["data"]["domain"] == "parser"
    assert diag["data"]["audit_id"]
    # semantic tokens are on by default in Neovim: `fn` is a keyword
    assert "keyword" in result["fn_token_types"]


def test_legacy_vim_lsp_start_setup(run_nvim, workspace):
    """The Neovim 0.8–0.10 configuration (vim.lsp.start in a FileType autocmd) also works."""
    result = run_nvim("legacy_start", workspace)
    assert result["client"]["root_dir"] == str(workspace)
    assert [d["code"] for d in result["diagnostics"]] == [SYNTAX]
    assert result["diagnostics"][0]["lnum"] == 6


# -- completion ---------------------------------------------------------------------------------

def test_completion_after_let_offers_expression_keywords(run_nvim, workspace):
    line = fixture_line("src/complete.reml", 3)
    assert line.rstrip() == "let x =".rjust(len(line.rstrip()))
    result = run_nvim("completion", workspace, line=3, character=len(line))
    labels = set(result["labels"])
    assert {"if", "match", "fn", "true", "false", "loop"} <= labels, sorted(labels)
    # statement-only keywords do not start an expression
    assert not {"module", "use", "pub", "type"} & labels, sorted(labels)
    # Keyword, or Snippet: Neovim 0.11 announces snippet support
    assert result["kinds"]["if"] in (14, 15)


# -- edits ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["pull", "push"])
def test_edit_updates_diagnostics(run_nvim, workspace, mode):
    result = run_nvim("edit", workspace, mode=mode, broken_line=BROKEN_LINE)
    assert result["client"]["pull"] is (mode == "pull")
    assert result["initial"] == []
    [broken] = result["broken"]
    assert broken["code"] == SYNTAX
    assert (broken["lnum"], broken["col"]) == (4, BROKEN_LINE.index(")"))
    assert result["fixed"] == []
    requests = result["requests"] or {}
    if mode == "pull":
        assert requests.get("textDocument/diagnostic", 0) >= 3  # open, break, fix
        assert result["published"] == 0
    else:
        assert "textDocument/diagnostic" not in requests
        assert result["published"] >= 3


# -- diagnostics on save --------------------------------------------------------------------------

@pytest.mark.parametrize("snippet", [True, False], ids=["pull-on-save-autocmd", "plain"])
def test_save_pull(run_nvim, workspace, snippet):
    result = run_nvim("save", workspace, mode="pull", snippet=int(snippet))
    before, after = result["before_save"], result["after_save"]
    assert result["client"]["pull"] is True
    assert result["notified"]["textDocument/didSave"] == 1
    assert after["modified"] is False
    assert after["published"] == 0  # pull mode: the server never pushes
    assert [d["data"]["audit_id"] for d in after["diagnostics"]] == \
        [d["data"]["audit_id"] for d in before["diagnostics"]]
    if snippet:
        assert after["pulls"] > after["pulls_before"]


def test_save_push_republishes(run_nvim, workspace):
    result = run_nvim("save", workspace, mode="push")
    before, after = result["before_save"], result["after_save"]
    assert result["client"]["pull"] is False
    assert after["pulls"] == 0
    assert after["published"] > before["published"] >= 1
    assert [d["code"] for d in after["diagnostics"]] == [SYNTAX]


@pytest.mark.parametrize("route", ["settings", "init_options"])
def test_save_publishes_past_the_debounce_with_client_settings(run_nvim, workspace, route):
    """A 60 s debounce and the ja-JP locale, passed through `settings` (workspace/configuration)
    or `init_options`: edits are held back, `:silent write` publishes at once, in Japanese."""
    result = run_nvim("save", workspace, mode="push", route=route, broken_line=BROKEN_LINE)
    before, after = result["before_save"], result["after_save"]
    assert before["published_since_edit"] == 0 and before["diagnostics"] == [], \
        "the debounce from the client settings did not reach the server"
    [diag] = after["diagnostics"]
    assert diag["code"] == SYNTAX
    assert diag["data"]["locale"] == "ja-JP"
    assert not diag["message"].startswith("syntax error")  # the en-US wording


# -- code actions ---------------------------------------------------------------------------------

def test_missing_paren_quick_fix_applies(run_nvim, reml_run, workspace):
    result = run_nvim("code_action", workspace, title="insert `)`")
    [diag] = result["diagnostics"]
    assert diag["code"] == SYNTAX and "`)`" in diag["message"]
    titles = [a["title"] for a in result["actions"]]
    assert "insert `)`" in titles
    action = result["actions"][titles.index("insert `)`")]
    assert action["kind"] == "quickfix"
    assert action.get("command") or action.get("edit")
    original = (FIXTURES / "src/parens.reml").read_text(encoding="utf-8")
    assert result["text"] == original.replace("add(x, 1\n", "add(x, 1)\n")
    assert result["after"] == []
    assert result["modified"] is True  # applied to the buffer, not written
    # reml.applyFix recorded the fix under the diagnostic's audit_id (workspace audit store)
    audit_id = diag["data"]["audit_id"]
    proc = subprocess.run([reml_run, "audit", "show", audit_id, "--format", "json"],
                          cwd=workspace, env=run_nvim.env, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    events = json.loads(proc.stdout)["events"]
    assert any(e["event"] == "lsp.codeAction" for e in events), events


# -- audit_id shared with the CLI -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["pull", "push"])
def test_audit_id_matches_reml_run_lint(run_nvim, reml_run, workspace, mode):
    result = run_nvim("audit", workspace, mode=mode, broken_line=BROKEN_UNICODE_LINE)
    assert result["modified"] is False
    saved = workspace / "src" / "clean.reml"
    assert Path(result["file"]) == saved
    assert saved.read_text(encoding="utf-8") == result["text"]

    cli = by_code(lint(reml_run, workspace, "src/clean.reml", run_nvim.env), SYNTAX)
    nvim = by_code(result["diagnostics"], SYNTAX)
    assert cli and len(nvim) == len(cli)
    assert [d["data"]["audit_id"] for d in nvim] == [d["audit_id"] for d in cli]
    for n, c in zip(nvim, cli, strict=True):
        assert n["lnum"] + 1 == c["location"]["line"]
        line = result["text"].splitlines()[n["lnum"]]
        assert n["col"] == columns(line, c["location"]["column"] - 1)["utf-8"]
        assert n["message"] == c["message"]
