"""Hostile config input through the real ``reml-run``: nesting past the limit is a located
``*.parse.too_deep`` error (exit 1, JSON error, no traceback: the ``cli`` fixture asserts that),
and 1 MB flat inputs go through ``diff``, ``state init`` and ``lint --domain config``."""

from __future__ import annotations

import json

import pytest

N = 100_000
LIMIT = 128  # reml_lsp.config.depth.MAX_DEPTH, the documented limit

DEEP = {
    # name: (text, line, column of the first bracket / key part past the limit)
    "array.toml": ("a = " + "[" * N + "]" * N + "\n", 1, 4 + LIMIT + 1),
    "inline.toml": ("x = 1\na = " + "{b = " * N + "1" + "}" * N + "\n", 2, 4 + 5 * LIMIT + 1),
    "dotted.toml": (".".join(["a"] * N) + " = 1\n", 1, 2 * LIMIT),
    "object.json": ('{"a":' * N + "1" + "}" * N, 1, 5 * LIMIT + 1),
    "array.json": ("[" * N + "]" * N, 1, LIMIT + 1),
    "unclosed.json": ("[" * N, 1, LIMIT + 1),
}


def _error(run, code: str) -> dict:
    assert run.rc == 1, run.stdout + run.stderr
    doc = run.json
    assert doc["status"] == "error"
    assert doc["exit_code"] == {"label": "failure", "value": 1}
    assert doc["error"]["code"] == code, doc["error"]
    return doc["error"]


@pytest.mark.parametrize("name", sorted(DEEP))
def test_diff_of_deeply_nested_config_is_a_located_error(cli, name):
    text, line, column = DEEP[name]
    cli.write(name, text)
    cli.write("ok.json", {"a": 1})
    err = _error(cli("diff", "ok.json", name, "--format", "json"), "config.parse.too_deep")
    assert (err["line"], err["column"]) == (line, column)
    assert err["message"].startswith(f"{name}:{line}:{column}: nested more than {LIMIT} levels")


def test_nesting_at_the_limit_is_accepted_and_past_it_refused(cli):
    cli.write("at.json", "[" * LIMIT + "]" * LIMIT)
    cli.write("past.json", "[" * (LIMIT + 1) + "]" * (LIMIT + 1))
    cli.write("ok.json", [])
    at, past = cli.many(("diff", "ok.json", "at.json", "--format", "json"),
                        ("diff", "ok.json", "past.json", "--format", "json"))
    assert at.rc == 0 and at.json["status"] == "changed"
    assert _error(past, "config.parse.too_deep")["column"] == LIMIT + 1


def test_parts_adding_up_past_the_limit_name_the_key(cli):
    """Each of header, dotted key and brackets is under the limit; together they are not."""
    cli.write("sum.toml", "[" + ".".join(["t"] * 60) + "]\n" + ".".join(["k"] * 60)
              + " = " + "[" * 20 + "]" * 20 + "\n")
    cli.write("ok.toml", "a = 1\n")
    err = _error(cli("diff", "ok.toml", "sum.toml", "--format", "json"), "config.parse.too_deep")
    assert err["key"].startswith("t.t.t.t.t.t.t.t")


def test_state_init_and_lint_refuse_deep_config(cli):
    text, line, column = DEEP["array.toml"]
    cli.write("deep.toml", text)
    cli.write("deep.json", DEEP["object.json"][0])
    state, lint = cli.many(
        ("state", "init", "--config", "deep.toml", "--format", "json", "st.json"),
        ("lint", "--domain", "config", "--format", "json", "deep.toml", "deep.json"))
    _error(state, "config.parse.too_deep")
    assert not (cli.root / "st.json").exists()
    assert lint.rc == 1
    found = [(d["code"], d["location"]["file"], d["location"]["line"], d["location"]["column"])
             for d in lint.json["diagnostics"]]
    assert found == [("config.parse.too_deep", "deep.toml", line, column),
                     ("config.parse.too_deep", "deep.json", 1, DEEP["object.json"][2])]
    assert lint.json["diagnostics"][0]["message"] == (
        f"nested more than {LIMIT} levels deep (arrays, tables, key parts)")


def test_deep_schema_diff_document_and_key_paths_are_errors(cli):
    cli.write("cfg.json", {"a": 1})
    cli.write("deep_schema.json", '{"a":' * N + "1" + "}" * N)
    cli.write("long_key_schema.json",
              {"name": "s", "fields": {".".join(["a"] * N): {"data_type": "string"}}})
    cli.write("deep_diff.json", '{"a":' * N + "1" + "}" * N)
    long_key = {"change_set": {"items": [
        {"kind": "collections.diff.added", "key": ".".join(["a"] * N), "current": 1}]}}
    cli.write("long_key_diff.json", long_key)
    assert cli("state", "init", "--config", "cfg.json", "st.json", "--format", "json").rc == 0
    deep_schema, long_schema, deep_diff, long_diff = cli.many(
        ("diff", "cfg.json", "cfg.json", "--schema", "deep_schema.json", "--format", "json"),
        ("diff", "cfg.json", "cfg.json", "--schema", "long_key_schema.json", "--format", "json"),
        ("reload", "st.json", "deep_diff.json", "--dry-run", "--format", "json"),
        ("reload", "st.json", "long_key_diff.json", "--dry-run", "--format", "json"))
    _error(deep_schema, "schema.parse.too_deep")
    assert f"more than {LIMIT + 1} parts" in _error(long_schema, "schema.invalid")["message"]
    _error(deep_diff, "diff.parse.too_deep")
    assert f"more than {LIMIT + 1} parts" in _error(long_diff, "config.diff.invalid")["message"]


def test_flat_megabyte_configs_go_through_diff_state_and_lint(cli):
    """100 000 keys (~1 MB), a 1 MB string, a 100 000-item array, invalid UTF-8 in a .toml."""
    cli.write("keys.toml", "".join(f"k{i} = {i}\n" for i in range(N)))
    cli.write("keys2.json", json.dumps({f"k{i}": i + (i % 2) for i in range(N)}))
    cli.write("string.toml", 's = "' + "é" * 500_000 + '"\n')
    cli.write("array.toml", "a = [" + ",".join(["1"] * N) + "]\n")
    (cli.root / "latin1.toml").write_bytes(b"a = 1\nb = \"caf\xe9\"\n" + b"c = 2\n" * N)
    diff, state, lint, bad = cli.many(
        ("diff", "keys.toml", "keys2.json", "--format", "json"),
        ("state", "init", "--config", "string.toml", "st.json", "--format", "json"),
        ("lint", "--domain", "config", "--format", "json", "keys.toml", "string.toml",
         "array.toml"),
        ("diff", "keys.toml", "latin1.toml", "--format", "json"))
    assert diff.rc == 0, diff.stdout
    assert diff.json["change_set"]["summary"] == {"added": 0, "removed": 0,
                                                  "updated": N // 2, "total": N // 2}
    assert state.rc == 0, state.stdout
    assert lint.rc == 0 and lint.json["diagnostics"] == []
    assert "not UTF-8" in _error(bad, "config.parse.encoding")["message"]


def test_schema_finding_per_array_element_on_a_long_line(cli):
    """20 000 findings on one 40 KB line (the keys are located once, not once per finding)."""
    cli.write("s.json", {"name": "s", "fields": {"a[*]": {"data_type": "string"}}})
    cli.write("many.toml", "a = [" + ",".join(["1"] * 20_000) + "]\n")
    run = cli("lint", "--domain", "config", "--schema", "s.json", "--format", "json",
              "many.toml")
    assert run.rc == 1
    diags = run.json["diagnostics"]
    assert len(diags) == 20_000
    assert {d["code"] for d in diags} == {"config.schema.type_mismatch"}
    assert diags[-1]["message"] == "`a[19999]` must be `string`, found `number`"


def test_state_files_hold_configs_at_the_limit_but_refuse_hostile_nesting(cli):
    """A state made from a config nested to the limit loads again; a hand-made 100 000-deep
    state file is reload.state.invalid, not a RecursionError."""
    cli.write("at.toml", "a = " + "[" * LIMIT + "]" * LIMIT + "\n")
    cli.write("deep_state.json", '{"a":' * N + "1" + "}" * N)
    cli.write("ok.json", {"a": 1})
    assert cli("state", "init", "--config", "at.toml", "st.json", "--format", "json").rc == 0
    show, deep = cli.many(("state", "show", "st.json", "--format", "json"),
                          ("state", "show", "deep_state.json", "--format", "json"))
    assert show.rc == 0, show.stdout
    assert deep.rc == 1, deep.stdout
    assert "nested too deeply" in deep.stdout
    assert "reload.state.invalid" in deep.stdout
