"""`lint --format json|sarif|github` and `--color`, validated with real schema validators:
every JSON diagnostic is a Reml Diagnostic V2 object, the SARIF log is valid SARIF 2.1.0."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
from reml_lsp.cli.github import escape_data, escape_property

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "tests" / "fixtures" / "schemas"
INVALID = ROOT / "fixtures" / "syntax" / "invalid"
V2 = json.loads((SCHEMAS / "diagnostic-v2.schema.json").read_text("utf-8"))
SARIF = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text("utf-8"))
SGR = re.compile(r"\x1b\[[0-9;]*m")


def v2_errors(diag: dict) -> list[str]:
    validator = jsonschema.Draft7Validator(V2)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(diag)]


@pytest.fixture
def broken(cli) -> list[str]:
    """Every invalid syntax fixture, with a name holding a space and a comma (URI and
    annotation escaping), plus a clean file."""
    names = []
    for src in sorted(INVALID.glob("*.reml")):
        name = f"src/{src.stem}, copy.reml" if src.stem == "missing_paren" else f"src/{src.name}"
        target = cli.root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        names.append(name)
    cli.write("src/clean.reml", "fn main() -> Int = 1\n")
    return names


def test_every_json_diagnostic_is_a_valid_v2_object(cli, broken):
    run = cli("lint", "--format", "json", "src", "missing.reml")
    assert run.rc == 4  # the missing input wins over the syntax errors
    diags = run.json["diagnostics"]
    assert len(diags) >= len(broken)
    for d in diags:
        assert v2_errors(d) == [], (d["code"], v2_errors(d))
    # our own fields stay beside the V2 ones
    for d in diags:
        assert {"code", "message_key", "locale", "span", "location", "fixits", "audit_id"} <= set(d)
        loc, primary = d["location"], d["primary"]
        assert primary == {"file": loc["file"], "start_line": loc["line"],
                           "start_col": loc["column"], "end_line": loc["endLine"],
                           "end_col": loc["endColumn"]}
        assert d["codes"][0] == d["code"]
        assert d["audit"]["audit_id"] == d["audit_id"] == d["audit_metadata"]["audit.id.uuid"]
        assert d["severity_level"] == {"error": 1, "warning": 2, "info": 3, "hint": 4}[
            d["severity"]]
    assert len({d["timestamp"] for d in diags}) == 1, "one run, one timestamp"
    fixed = [d for d in diags if d["fixits"]]
    assert fixed, "the fixtures include fix-its"
    for d in fixed:
        assert len(d["hints"]) == len(d["fixits"]) == len(d["structured_hints"])
        action = d["hints"][0]["actions"][0]
        assert action["kind"] == d["fixits"][0]["kind"]
        assert action["text"] == d["fixits"][0]["text"]
    noted = [d for d in diags if any(n.get("location") for n in d["notes"])]
    assert noted and all(d["secondary"] for d in noted)
    assert any(d["code"] == "cli.input.not_found" for d in diags)


def test_v2_validation_catches_a_broken_object(cli, broken):
    """The check has teeth: the same object without ``primary`` or with a bad timestamp fails."""
    d = cli("lint", "--format", "json", "src").json["diagnostics"][0]
    assert v2_errors({k: v for k, v in d.items() if k != "primary"})
    assert v2_errors({**d, "timestamp": "2026-01-01 00:00:00"})


def test_sarif_log_is_valid_sarif_2_1_0(cli, broken):
    run = cli("lint", "--format", "sarif", "src")
    assert run.rc == 1
    log = run.json
    jsonschema.Draft4Validator(SARIF).validate(log)
    [sarif_run] = log["runs"]
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    rules = sarif_run["tool"]["driver"]["rules"]
    results = sarif_run["results"]
    json_diags = cli("lint", "--format", "json", "src").json["diagnostics"]
    assert len(results) == len(json_diags)
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["help"]["text"] and rule["shortDescription"]["text"]
    for result, d in zip(results, json_diags, strict=True):
        rule = rules[result["ruleIndex"]]
        assert result["ruleId"] == rule["id"] == d["code"]
        assert result["message"]["text"] == d["message"]
        if "id" in result["message"]:  # the catalog message, with the arguments of this finding
            template = rule["messageStrings"][result["message"]["id"]]["text"]
            assert template.format(*result["message"]["arguments"]) == d["message"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (d["location"]["line"],
                                                                d["location"]["column"])
        artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "SRCROOT" and " " not in artifact["uri"]
        assert result["partialFingerprints"]["remlAuditId/v1"] == d["audit_id"]
        assert len(result.get("fixes", [])) == len(d["fixits"])
    assert any("fixes" in r for r in results)
    assert any("%20" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
               for r in results)


def test_github_annotations_one_line_per_diagnostic_escaped(cli, broken):
    run = cli("lint", "--format", "github", "src")
    assert run.rc == 1
    json_diags = cli("lint", "--format", "json", "src").json["diagnostics"]
    lines = run.stdout.splitlines()
    assert len(lines) == len(json_diags)
    pattern = re.compile(r"^::(error|warning|notice) file=([^,:]+),line=(\d+),col=(\d+),"
                         r"endLine=(\d+),endColumn=(\d+),title=([^,:]+)::(.*)$")
    for line, d in zip(lines, json_diags, strict=True):
        m = pattern.match(line)
        assert m, line
        assert m[1] == {"error": "error", "warning": "warning"}.get(d["severity"], "notice")
        assert m[2] == escape_property(d["location"]["file"])
        assert int(m[3]) == d["location"]["line"] and int(m[4]) == d["location"]["column"]
        assert m[7] == escape_property(d["code"])
        assert m[8] == escape_data(d["message"])
    assert any("%2C" in line.split("::")[1] for line in lines), "the comma in the path is escaped"


def test_escaping_rules():
    assert escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_colour_follows_the_guide(cli):
    cli.write("bad.reml", "fn main() -> Int {\n  (1 + 2\n}\n")
    cli.write("warn.reml", "fn f(v) =\n  match v with\n  | Some(x) if x > 1 -> x\n  | _ -> 0\n")
    env_clean = {"NO_COLOR": "", "FORCE_COLOR": ""}
    piped = cli("lint", "--format", "text", "bad.reml", "warn.reml", env=env_clean)
    assert not SGR.search(piped.stdout), "a pipe gets no colour by default"
    always = cli("lint", "--format", "text", "--color", "always", "bad.reml", "warn.reml",
                 env=env_clean)
    assert "\x1b[91merror[" in always.stdout  # error: bright red (91)
    assert "\x1b[93mwarning[" in always.stdout  # warning: bright yellow (93)
    assert "\x1b[36m" in always.stdout  # line numbers: cyan (36)
    assert "\x1b[91m^" in always.stdout  # the pointer in the severity's colour
    assert SGR.sub("", always.stdout) == piped.stdout, "colour changes nothing else"
    forced = cli("lint", "--format", "text", "bad.reml", env={"FORCE_COLOR": "1",
                                                              "NO_COLOR": ""})
    assert SGR.search(forced.stdout)
    never = cli("lint", "--format", "text", "--color", "never", "bad.reml",
                env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert not SGR.search(never.stdout)
    no_color = cli("lint", "--format", "text", "--color", "always", "bad.reml",
                   env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert not SGR.search(no_color.stdout), "NO_COLOR wins over everything"
    as_json = cli("lint", "--format", "json", "--color", "always", "bad.reml", env=env_clean)
    assert not SGR.search(as_json.stdout)


def test_auto_colours_a_terminal_only():
    import os

    from reml_lsp.cli.color import colour_enabled

    master, slave = os.openpty()
    try:
        with open(slave, "w", closefd=False) as tty, open(os.devnull, "w") as null:
            assert colour_enabled("auto", tty, {})
            assert not colour_enabled("auto", null, {})
            assert colour_enabled("auto", null, {"FORCE_COLOR": "1"})
            assert not colour_enabled("auto", tty, {"NO_COLOR": "1"})
            assert not colour_enabled("always", tty, {"NO_COLOR": "1"})
            assert not colour_enabled("never", tty, {})
    finally:
        os.close(master)
        os.close(slave)


def test_config_and_name_diagnostics_are_v2_and_sarif_too(cli):
    """Every domain goes through the same envelope: config lint and the name checks."""
    cli.write("reml.toml", '[project\nname = "x"\n')
    cli.write("names.reml", "fn main() -> Int {\n  let unused = 1\n  missing_name\n}\n")
    config = cli("lint", "--domain", "config", "--format", "json", "reml.toml")
    code = cli("lint", "--format", "json", "names.reml")
    diags = config.json["diagnostics"] + code.json["diagnostics"]
    assert {d["domain"] for d in config.json["diagnostics"]} == {"config"}
    assert len({d["code"] for d in diags}) >= 2
    for d in diags:
        assert v2_errors(d) == [], (d["code"], v2_errors(d))
    for args in (("--domain", "config", "reml.toml"), ("names.reml",)):
        log = cli("lint", "--format", "sarif", *args).json
        jsonschema.Draft4Validator(SARIF).validate(log)
        assert log["runs"][0]["results"]
