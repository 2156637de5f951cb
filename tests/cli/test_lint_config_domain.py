"""`reml-run lint --domain config`: config files linted as a user runs it (real subprocesses,
real files): syntax errors at their line, schema findings at the key, domain validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

SCHEMA = {
    "name": "app",
    "version": "1.0.0",
    "fields": {
        "server.port": {"data_type": "int", "required": True},
        "server.host": {"data_type": "string", "required": True},
        "title": {"data_type": "string"},
    },
}
APP = 'title = "demo"\n\n[server]\nport = "8080"\n'


def test_broken_toml_exits_1_with_the_error_on_its_line(cli):
    cli.write("broken.toml", '[server]\nport = 80\nname = "unterminated\n')
    run = cli("lint", "--domain", "config", "--format", "json", "broken.toml")
    assert run.rc == 1
    [d] = run.json["diagnostics"]
    assert d["code"] == "config.parse.invalid_toml"
    assert d["domain"] == "config"
    assert d["location"]["line"] == 3
    assert d["audit_id"]


def test_broken_json_is_located_at_line_and_column(cli):
    cli.write("broken.json", '{\n  "a": 1,\n  "b": tru\n}\n')
    run = cli("lint", "--domain", "config", "--format", "json", "broken.json")
    assert run.rc == 1
    [d] = run.json["diagnostics"]
    assert (d["code"], d["location"]["line"], d["location"]["column"]) == (
        "config.parse.invalid_json", 3, 8)


def test_schema_reports_a_type_mismatch_at_the_key_and_a_missing_required_key(cli):
    cli.write("schema.json", SCHEMA)
    cli.write("app.toml", APP)
    run = cli("lint", "--domain", "config", "--schema", "schema.json", "--format", "json",
              "app.toml")
    assert run.rc == 1
    got = {d["code"]: d for d in run.json["diagnostics"]}
    mismatch = got["config.schema.type_mismatch"]
    assert mismatch["location"]["line"] == 4  # `port = "8080"`
    assert mismatch["extensions"]["config"]["key_path"] == "server.port"
    missing = got["config.schema.required_missing"]
    assert missing["location"]["line"] == 3  # the [server] table that lacks `host`
    assert "server.host" in missing["message"]


def test_json_config_against_the_schema_and_ja_jp(cli):
    cli.write("schema.json", SCHEMA)
    cli.write("app.json", '{\n  "title": 3,\n  "server": {"port": 1, "host": "h"}\n}\n')
    run = cli("lint", "--domain", "config", "--schema", "schema.json", "--format", "json",
              "--locale", "ja-JP", "app.json")
    [d] = run.json["diagnostics"]
    assert (d["code"], d["location"]["line"]) == ("config.schema.type_mismatch", 2)
    assert "である必要があります" in d["message"]


def test_manifest_association_gives_the_schema_without_the_flag(cli):
    cli.write("schemas/app.json", SCHEMA)
    cli.write("reml.toml", '[project]\nname = "t"\nversion = "0.1.0"\n\n'
                           '[config.schemas]\n"conf/*.toml" = "schemas/app.json"\n')
    cli.write("conf/app.toml", APP)
    run = cli("lint", "--domain", "config", "--format", "json", ".")
    assert run.rc == 1
    by_file = {}
    for d in run.json["diagnostics"]:
        by_file.setdefault(d["location"]["file"], []).append(d["code"])
    assert sorted(by_file["conf/app.toml"]) == ["config.schema.required_missing",
                                                 "config.schema.type_mismatch"]
    assert "reml.toml" not in by_file  # the manifest itself is well typed


def test_manifest_types_are_checked(cli):
    cli.write("reml.toml", '[project]\nname = 3\n')
    run = cli("lint", "--domain", "config", "--format", "json", "reml.toml")
    assert run.rc == 1
    [d] = run.json["diagnostics"]
    assert (d["code"], d["location"]["line"]) == ("config.schema.type_mismatch", 2)


def test_clean_config_exits_0(cli):
    cli.write("ok.json", '{"a": [1, 2, {"b": null}]}\n')
    run = cli("lint", "--domain", "config", "--format", "json", "ok.json")
    assert (run.rc, run.json["diagnostics"]) == (0, [])


def test_unknown_domain_exits_3_with_the_documented_domains(cli):
    cli.write("ok.reml", "fn main() -> Int = 1\n")
    run = cli("lint", "--domain", "parsr", "--format", "json", "ok.reml")
    assert run.rc == 3
    err = run.json["error"]
    assert err["code"] == "cli.lint.unknown_domain"
    assert err["domains"] == ["parser", "names", "bridges", "config", "cli"]


def test_schema_without_the_config_domain_is_a_usage_error(cli):
    cli.write("schema.json", SCHEMA)
    run = cli("lint", "--schema", "schema.json", "--format", "json", ".")
    assert run.rc == 3


def test_missing_schema_exits_4(cli):
    cli.write("app.toml", APP)
    run = cli("lint", "--domain", "config", "--schema", "nope.json", "--format", "json",
              "app.toml")
    assert run.rc == 4
    assert run.json["error"]["code"] == "schema.io.not_found"


def test_domain_filters_reml_findings(cli):
    cli.write("m.reml", "module m\n\nfn f(x: Int) -> Int = y\n")
    names = cli("lint", "--domain", "names", "--format", "json", "m.reml")
    assert [d["code"] for d in names.json["diagnostics"]] == ["name.unused.param",
                                                             "name.unresolved"]
    parser = cli("lint", "--domain", "parser", "--format", "json", "m.reml")
    assert (parser.rc, parser.json["diagnostics"]) == (0, [])


def test_hostile_config_is_a_located_error_not_a_crash(cli):
    cli.write("deep.toml", "a = " + "[" * 50_000 + "\n")
    cli.write("deep.json", "[" * 100_000)
    (cli.root / "latin1.json").write_bytes(b'{"caf\xe9": 1}')
    run = cli("lint", "--domain", "config", "--format", "json", "deep.toml", "deep.json",
              "latin1.json")
    assert run.rc == 1
    codes = [(d["code"], d["location"]["file"]) for d in run.json["diagnostics"]]
    assert codes == [("config.parse.too_deep", "deep.toml"),
                     ("config.parse.too_deep", "deep.json"),
                     ("config.parse.encoding", "latin1.json")]


def test_config_fixtures_report_exactly_their_expectations(cli):
    """fixtures/config_lint: one file per config rule (valid and invalid), linted as a folder
    against its schema; ``expect.json`` lists (code, line, column) per file."""
    src = Path(__file__).resolve().parents[2] / "fixtures" / "config_lint"
    shutil.copytree(src, cli.root / "cfg")
    run = cli("lint", "--domain", "config", "--schema", "cfg/schema.json", "--format", "json",
              "cfg/valid", "cfg/invalid")
    assert run.rc == 1
    got: dict[str, list[list]] = {}
    for d in run.json["diagnostics"]:
        rel = d["location"]["file"][len("cfg/"):]
        got.setdefault(rel, []).append([d["code"], d["location"]["line"],
                                        d["location"]["column"]])
    want = json.loads((src / "expect.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in want.items() if v} == got
