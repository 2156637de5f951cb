"""`reml-run lint` as a user runs it: real subprocesses, real files, every exit code."""

from __future__ import annotations

import json
import os

from reml_lsp.cli.textreport import display_width

BROKEN = "fn main() -> Int {\n  let x = 1\n  (x + 2\n}\n"
CLEAN = "fn main() -> Int = 1\n"
WARN = "fn f(v) =\n  match v with\n  | Some(x) if x > 1 -> x\n  | _ -> 0\n"


def test_clean_file_exits_0_with_the_json_envelope(cli):
    cli.write("ok.reml", CLEAN)
    run = cli("lint", "--format", "json", "ok.reml")
    assert run.rc == 0
    doc = run.json
    assert doc["command"] == "lint"
    assert doc["diagnostics"] == []
    assert doc["summary"] == {"inputs": ["ok.reml"], "diagnostic_count": 0}
    assert doc["exit_code"] == {"label": "success", "value": 0}


def test_errors_exit_1_and_carry_the_shared_fields(cli):
    cli.write("src/bad.reml", BROKEN)
    run = cli("lint", "--format", "json", "src")
    assert run.rc == 1
    doc = run.json
    assert doc["exit_code"] == {"label": "failure", "value": 1}
    [diag] = doc["diagnostics"]
    assert diag["code"] == "parser.syntax.expected_tokens"
    assert diag["codes"] == [diag["code"]]
    assert diag["domain"] == "parser"
    assert diag["message_key"] == "parse.unexpected_token"
    assert diag["location"] == {"file": "src/bad.reml", "line": 4, "column": 1, "endLine": 4,
                                "endColumn": 2}
    assert diag["span"] == {"start": BROKEN.index("}"), "end": BROKEN.index("}") + 1}
    assert diag["expected"]["message_key"] == "parse.expected"
    assert {"token": ")", "label": ")", "kind": "token", "hint": "token"} in \
        diag["expected"]["alternatives"]
    assert diag["fixits"][0]["kind"] == "insert" and diag["fixits"][0]["text"] == ")"
    assert len(diag["audit_id"]) == 36
    for key in ("locale", "locale_args", "change_set", "severity_hint", "stream_meta"):
        assert key in diag


def test_warnings_only_exit_2_or_1_with_fail_on_warning(cli):
    cli.write("w.reml", WARN)
    first, second = cli.many(("lint", "--format", "json", "w.reml"),
                             ("lint", "--format", "json", "--fail-on-warning", "w.reml"))
    assert first.rc == 2 and first.json["exit_code"]["label"] == "warning"
    assert first.json["diagnostics"][0]["severity"] == "warning"
    assert second.rc == 1


def test_usage_error_is_exit_3_with_a_json_error(cli):
    run = cli("lint", "--format", "json")
    assert run.rc == 3
    assert run.json["status"] == "error"
    assert run.json["error"]["code"] == "cli.usage"
    assert run.json["exit_code"] == {"label": "usage", "value": 3}


def test_missing_file_is_a_located_diagnostic_and_exit_4(cli):
    cli.write("ok.reml", CLEAN)
    run = cli("lint", "--format", "json", "ok.reml", "nope.reml")
    assert run.rc == 4
    [diag] = run.json["diagnostics"]
    assert diag["code"] == "cli.input.not_found"
    assert diag["location"]["file"] == "nope.reml"
    assert run.json["summary"]["inputs"] == ["ok.reml", "nope.reml"]


def test_invalid_utf8_is_located_and_the_rest_still_linted(cli):
    (cli.root / "bin.reml").write_bytes(b"fn a() = 1\nlet s = \"\xff\"\nfn b( = 2\n")
    run = cli("lint", "--format", "json", "bin.reml")
    assert run.rc == 1
    codes = [(d["code"], d["location"]["line"]) for d in run.json["diagnostics"]]
    assert ("parser.stream.decoder_failed", 2) in codes
    assert any(c.startswith("parser.syntax") and line == 3 for c, line in codes)


def test_folders_are_walked_and_the_audit_folder_skipped(cli):
    cli.write("a.reml", CLEAN)
    cli.write("nested/deep/b.reml", CLEAN)
    (cli.root / ".reml").mkdir(exist_ok=True)
    (cli.root / ".reml" / "stale.reml").write_text("not reml at all {{{")
    run = cli("lint", "--format", "json", ".")
    assert run.rc == 0, run.stdout
    assert sorted(run.json["summary"]["inputs"]) == ["a.reml", "nested/deep/b.reml"]


def test_text_format_underlines_under_cjk_and_emoji(cli):
    line = '  let 名前 = ("👩‍💻" + "é" +)'
    cli.write("u.reml", "fn main() -> Str {\n" + line + "\n  名前\n}\n")
    run = cli("lint", "u.reml", "--format", "text")
    assert run.rc == 1
    out = run.stdout.splitlines()
    assert out[0].startswith("u.reml:2:26: error[parser.syntax.expected_tokens]: ")
    source, caret = out[1], out[2]
    assert source.endswith(line)
    gutter = source.index(line)
    col = caret.index("^") - gutter
    assert col == display_width(line[:line.index(")")])  # the caret sits under the `)`


def test_locale_from_flag_env_and_fallback(cli):
    cli.write("e.reml", "fn f(flag: Bool) -> Int {\n  if flag then { 1 }\n  0\n}\n")
    by_flag, unknown = cli.many(
        ("lint", "--format", "json", "--locale", "ja-JP", "e.reml"),
        ("lint", "--format", "json", "--locale", "fr-FR", "e.reml"),
    )
    assert by_flag.json["diagnostics"][0]["expected"]["humanized"] == "ここで`else`が必要です"
    assert by_flag.json["diagnostics"][0]["locale"] == "ja-JP"
    env_run = cli("lint", "--format", "json", "e.reml", env={"REML_LOCALE": "ja_JP.UTF-8"})
    assert env_run.json["diagnostics"][0]["locale"] == "ja-JP"
    lang_run = cli("lint", "--format", "json", "e.reml",
                   env={"LANG": "ja_JP.UTF-8", "REML_LOCALE": ""})
    assert lang_run.json["diagnostics"][0]["locale"] == "ja-JP"
    assert unknown.json["diagnostics"][0]["locale"] == "en-US"
    assert unknown.json["warnings"][0]["message_key"] == "cli.locale.default"
    # the locale changes the words, never the finding's identity
    assert by_flag.json["diagnostics"][0]["audit_id"] == unknown.json["diagnostics"][0]["audit_id"]


def test_audit_id_depends_on_the_workspace_relative_path_not_the_cwd(cli):
    cli.write("sub/x.reml", BROKEN)
    from_root = cli("lint", "--format", "json", "sub/x.reml")
    env = {**os.environ, "REML_AUDIT_DB": str(cli.root / ".reml" / "audit.db")}
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "reml_lsp.cli.main", "lint", "--format", "json",
                           "x.reml"], cwd=cli.root / "sub", capture_output=True, text=True,
                          env=env)
    from_sub = json.loads(proc.stdout)
    again = cli("lint", "--format", "json", "sub/x.reml")
    ids = [d["audit_id"] for d in from_root.json["diagnostics"]]
    assert ids == [d["audit_id"] for d in from_sub["diagnostics"]]
    assert ids == [d["audit_id"] for d in again.json["diagnostics"]]


def test_table_format_has_one_row_per_diagnostic(cli):
    cli.write("bad.reml", BROKEN)
    cli.write("w.reml", WARN)
    run = cli("lint", "--format", "table", "bad.reml", "w.reml")
    rows = run.stdout.splitlines()
    assert rows[0].split() == ["location", "severity", "code", "message"]
    assert rows[1].startswith("bad.reml:4:1") and "parser.syntax.expected_tokens" in rows[1]
    assert rows[2].startswith("w.reml:3:13") and "warning" in rows[2]
    assert run.rc == 1


def test_top_level_expressions_need_the_flag(cli):
    """Spec 1-1 §B.4: top-level expressions are rejected unless --allow-top-level-expr."""
    cli.write("script.reml",
              'let total = 1\ntotal := total + 1\nif total > 1 then "big" else "small"\n')
    default, allowed = cli.many(("lint", "--format", "json", "script.reml"),
                                ("lint", "--format", "json", "--allow-top-level-expr",
                                 "script.reml"))
    assert default.rc == 1
    assert default.json["diagnostics"][0]["location"]["line"] == 2
    assert allowed.rc == 0 and allowed.json["diagnostics"] == []
