"""The real ``reml-run`` outputs of the runtime commands validate against the checked-in JSON
Schema (``schemas/runtime-results.schema.json``, with the ``jsonschema`` library) and structure
into their attrs classes: success, refusal, failure and the error envelope of each command."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from reml_lsp.contract import results as r
from reml_lsp.contract.converter import converter
from reml_lsp.contract.documents import document_class
from reml_lsp.contract.schema import for_class

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "schemas" / "runtime-results.schema.json").read_text("utf-8"))
FIXTURES = REPO / "fixtures" / "instruments"
SIM = ["--backend", "@sim", "--sim-file", str(FIXTURES / "sim-devices.yaml")]
BOARD = "TCPIP0::sim-board::INSTR"
OLD = {"service": {"name": "a", "replicas": 2}}
NEW = {"service": {"name": "a", "replicas": 3}}


def check(run, cls: type) -> dict:
    """``run``'s stdout is one JSON document of ``cls``: valid against the schema's definition
    of it, and it structures into ``cls`` and unstructures to the very same JSON."""
    doc = run.json
    jsonschema.validate(doc, for_class(SCHEMA, cls))
    jsonschema.validate(doc, SCHEMA)  # and against the schema as a whole (its anyOf)
    assert document_class(doc) is cls
    assert converter.unstructure(converter.structure(doc, cls)) == doc
    return doc


def test_config_commands_print_their_documents(cli) -> None:
    cli.write("old.json", OLD)
    cli.write("new.json", NEW)
    cli.write("broken.json", "{")
    check(cli("diff", "old.json", "new.json", "--format", "json"), r.DiffDocument)
    diff = cli("diff", "old.json", "new.json", "--format", "json")
    cli.write("diff.json", diff.stdout)
    assert cli("state", "init", "live.state", "--config", "old.json", "--format", "json").rc == 0
    dry = check(cli("reload", "live.state", "diff.json", "--dry-run", "--format", "json"),
                r.ReloadDocument)
    assert dry["result"]["status"] == "dry-run"
    done = check(cli("reload", "live.state", "diff.json", "--audit", "--format", "json"),
                 r.ReloadDocument)
    assert done["result"]["status"] == "applied" and done["result"]["audited"] is True
    stale = check(cli("reload", "live.state", "diff.json", "--format", "json"), r.ReloadDocument)
    assert stale["result"]["status"] == "rejected" and stale["error"]["code"]
    back = check(cli("reload", "live.state", "--rollback", "--format", "json"), r.ReloadDocument)
    assert back["result"]["status"] == "rolled-back"
    empty = check(cli("reload", "live.state", "--rollback", "--format", "json"),
                  r.ReloadDocument)
    assert empty["exit_code"] == {"label": "rejected", "value": 5}
    usage = check(cli("reload", "live.state", "--format", "json"), r.ErrorDocument)
    assert usage["error"]["code"] == "cli.usage"
    unreadable = check(cli("diff", "old.json", "broken.json", "--format", "json"),
                       r.ErrorDocument)
    assert unreadable["exit_code"]["value"] != 0


def test_gpu_commands_print_their_documents(cli) -> None:
    launch, kernels, unknown = cli.many(
        ("gpu", "launch", "saxpy", "--backend", "numpy", "-p", "n=4096", "--format", "json"),
        ("gpu", "kernels", "--format", "json"),
        ("gpu", "launch", "no-such-kernel", "--backend", "numpy", "--format", "json"))
    assert check(launch, r.GpuLaunchDocument)["backend"] == "numpy"
    assert {k["name"] for k in check(kernels, r.GpuKernelsDocument)["kernels"]} >= {"saxpy"}
    assert check(unknown, r.ErrorDocument)["error"]["code"] == "gpu.unknown_kernel"


def test_instrument_commands_print_their_documents(cli) -> None:
    bad_map = FIXTURES / "bad-mode.regmap.toml"
    query, write, telemetry, plan, failed, timeout = cli.many(
        ("instrument", "query", BOARD, "*IDN?", *SIM, "--format", "json"),
        ("instrument", "write", BOARD, "WDT:RST", *SIM, "--format", "json"),
        ("instrument", "telemetry", BOARD, "--samples", "2", *SIM, "--format", "json"),
        ("instrument", "apply", bad_map, "--dry-run", *SIM, "--format", "json"),
        ("instrument", "apply", bad_map, *SIM, "--format", "json"),
        ("instrument", "query", "TCPIP0::sim-mute::INSTR", "MEAS:VOLT?", "--timeout-ms", "100",
         *SIM, "--format", "json"))
    assert check(query, r.InstrumentCommandDocument)["reply"]
    check(write, r.InstrumentCommandDocument)
    assert len(check(telemetry, r.TelemetryDocument)["samples"]) == 2
    assert check(plan, r.RegmapApplyDocument)["dry_run"] is True
    err = check(failed, r.ErrorDocument)["error"]
    assert err["audit_id"] and err["code"]  # the failed apply names its operation
    assert check(timeout, r.ErrorDocument)["error"]["code"] == "instrument.timeout"


@pytest.mark.parametrize("cls", r.SCHEMA_ROOTS, ids=lambda c: c.__name__)
def test_every_root_class_has_a_closed_schema(cls: type) -> None:
    definition = SCHEMA["$defs"][cls.__name__]
    assert definition["title"] == cls.__name__ and definition["additionalProperties"] is False
    assert {"command", "status"} <= set(definition["properties"])
