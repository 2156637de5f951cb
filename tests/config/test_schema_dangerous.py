"""Schema parsing, validation, dangerous-change rules, loading TOML, and config diagnostics."""

from __future__ import annotations

import json

import pytest
from reml_lsp.config.compare import compare
from reml_lsp.config.dangerous import classify, restart_required
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.issue_diagnostics import issue_to_diagnostic
from reml_lsp.config.loader import dump_config, load_config
from reml_lsp.config.schema import SchemaVersion, load_schema, parse_schema
from reml_lsp.config.validate import validate
from reml_lsp.diagnostics import to_json

SCHEMA = {
    "name": "svc",
    "version": {"major": 1, "minor": 2, "patch": 0},
    "fields": {
        "service.name": {"data_type": "String", "required": True},
        "service.replicas": {"data_type": "Int", "restart_required": True},
        "limits.memory": {"data_type": "String", "dangerous": True},
        "ports[*].number": {"data_type": "Int", "required": True},
        "board.regs": {"data_type": "Object", "role": "register_map"},
    },
}


def reasons(old, new, schema=None, target_version=None):
    return sorted((d.key, d.reason) for d in
                  classify(old, new, compare(old, new), schema, target_version))



@pytest.fixture
def schema():
    return parse_schema(SCHEMA)


def test_schema_fields_and_version(schema):
    assert schema.version == SchemaVersion(1, 2, 0)
    assert [f.path for f in schema.fields][:2] == ["service.name", "service.replicas"]
    assert parse_schema({"name": "x", "version": "2.0.1"}).version == SchemaVersion(2, 0, 1)


@pytest.mark.parametrize("doc", [
    [], {"name": ""}, {"name": "x", "fields": {"a": {"data_type": "Quaternion"}}},
    {"name": "x", "fields": {"a": {"required": "yes"}}}, {"name": "x", "version": "one"},
    {"name": "x", "fields": {"a": {"role": "gpio"}}}, {"name": "x", "fields": {"a..b": {}}},
])
def test_bad_schemas_are_rejected(doc):
    with pytest.raises(ConfigError) as err:
        parse_schema(doc)
    assert err.value.code == "schema.invalid"


def test_validation_reports_missing_and_mistyped_fields(schema):
    value = {"service": {"replicas": 2.5}, "ports": [{"number": 80}, {"name": "x"}],
             "limits": {"memory": 1}}
    found = {(i.code, i.key) for i in validate(value, schema)}
    assert found == {
        ("config.schema.required_missing", "service.name"),
        ("config.schema.type_mismatch", "service.replicas"),
        ("config.schema.required_missing", "ports[1].number"),
        ("config.schema.type_mismatch", "limits.memory"),
    }
    good = {"service": {"name": "a", "replicas": 2}, "ports": [{"number": 80}]}
    assert validate(good, schema) == []


def test_type_change_is_dangerous_without_schema():
    assert reasons({"a": 2}, {"a": "2"}) == [("a", "type_changed")]
    assert reasons({"a": 1}, {"a": {"b": 1}}) == [("a", "type_changed")]
    assert reasons({"a": 1}, {"a": 2}) == []


def test_schema_rules(schema):
    base = {"service": {"name": "a", "replicas": 1}, "limits": {"memory": "1Gi"},
            "board": {"regs": {"CTRL": 1}}}
    removed = json.loads(json.dumps(base))
    del removed["service"]["name"]
    assert ("service.name", "required_removed") in reasons(base, removed, schema)
    mem = json.loads(json.dumps(base))
    mem["limits"]["memory"] = "2Gi"
    assert reasons(base, mem, schema) == [("limits.memory", "field_dangerous")]
    regs = json.loads(json.dumps(base))
    regs["board"]["regs"]["CTRL"] = 3
    assert reasons(base, regs, schema) == [("board.regs.CTRL", "register_map")]
    replicas = json.loads(json.dumps(base))
    replicas["service"]["replicas"] = 4
    assert reasons(base, replicas, schema) == []
    assert restart_required(compare(base, replicas), schema) == ["service.replicas"]


def test_conventional_embedded_names_and_schema_major():
    assert reasons({"irq_mask": 1}, {"irq_mask": 3}) == [("irq_mask", "interrupt_mask")]
    assert reasons({"mcu": {"register_map": {"A": 1}}}, {"mcu": {"register_map": {"A": 2}}}) \
        == [("mcu.register_map.A", "register_map")]
    schema = parse_schema({"name": "s", "version": "1.4.0"})
    assert reasons({"a": 1}, {"a": 1}, schema, SchemaVersion(2, 0, 0)) == [("$", "schema_major")]
    assert reasons({"a": 1}, {"a": 1}, schema, SchemaVersion(1, 9, 0)) == []


def test_toml_loading_dumping_and_errors(tmp_path):
    path = tmp_path / "reml.toml"
    path.write_text('[project]\nname = "x"\nwhen = 2024-01-02\n[[ports]]\nn = 1\n')
    loaded = load_config(path)
    assert loaded.format == "toml"
    assert loaded.data == {"project": {"name": "x", "when": "2024-01-02"}, "ports": [{"n": 1}]}
    assert load_config_bytes(tmp_path, dump_config(loaded.data, "toml")) == loaded.data
    with pytest.raises(ConfigError) as err:
        dump_config({"a": None}, "toml")
    assert err.value.code == "config.write.unrepresentable"
    (tmp_path / "bad.toml").write_text("a = = 1\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "bad.toml")
    assert err.value.code == "config.parse.invalid_toml"
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "missing.json")
    assert (err.value.code, err.value.kind) == ("config.io.not_found", "io")


def load_config_bytes(folder, data: bytes):
    path = folder / "roundtrip.toml"
    path.write_bytes(data)
    return load_config(path).data


def test_issue_becomes_a_config_diagnostic(tmp_path, schema):
    text = '{\n  "service": {"replicas": "two", "name": "a"}\n}\n'
    [issue] = validate(json.loads(text), schema)
    diag = to_json(issue_to_diagnostic(issue, "conf/app.json", text))
    assert diag["code"] == "config.schema.type_mismatch"
    assert diag["domain"] == "config"
    assert diag["location"]["line"] == 2
    assert text.encode()[diag["span"]["start"]:diag["span"]["end"]] == b'"replicas"'
    assert diag["audit_id"]  # deterministic UUIDv5 (same inputs → same id)
    assert issue_to_diagnostic(issue, "conf/app.json", text).audit_id == diag["audit_id"]


def test_corpus_schema_loads(corpus):
    schema = load_schema(corpus / "schema.json")
    assert schema.name == "core-config-cli"
    assert str(schema.version) == "0.3.0"
