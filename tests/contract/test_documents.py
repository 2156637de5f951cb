"""Choosing and structuring a document's contract class, and the CLI's printing through it."""

from __future__ import annotations

import json

import pytest
from reml_lsp.cli.output import print_result
from reml_lsp.contract.documents import ContractError, conform, document_class, read_document
from reml_lsp.contract.results import ErrorDocument, InstrumentCommandDocument, ReloadDocument

QUERY = {"command": "instrument query", "status": "ok", "audit_id": "a1", "resource": "R",
         "backend": "@sim", "scpi": "*IDN?", "reply": "X", "latency_ms": 1.5, "metrics": {},
         "exit_code": {"label": "success", "value": 0}}
ENVELOPE = {"command": "reload", "status": "error",
            "error": {"code": "cli.usage", "message": "DIFF is required", "path": "x"},
            "exit_code": {"label": "usage", "value": 3}}


def test_the_bare_error_envelope_is_an_error_document_whatever_the_command() -> None:
    assert document_class(ENVELOPE) is ErrorDocument
    doc = read_document(ENVELOPE, "reload")
    assert isinstance(doc, ErrorDocument) and doc.error.details == {"path": "x"}
    assert doc.outcome() == "error" and doc.audit() is None


def test_the_command_that_was_run_picks_the_class_not_the_document() -> None:
    assert document_class(QUERY) is InstrumentCommandDocument
    assert document_class(QUERY, "reload") is ReloadDocument
    with pytest.raises(ContractError) as err:
        read_document(QUERY, "reload")
    assert "required field missing @ $.result" in str(err.value)
    with pytest.raises(ContractError, match="no contract class"):
        read_document(QUERY, "metrics show")


def test_strict_values_are_located() -> None:
    bad = {**QUERY, "latency_ms": True, "reply": 3, "exit_code": {"label": "x", "value": "0"}}
    with pytest.raises(ContractError) as err:
        read_document(bad, "instrument query")
    problems = err.value.problems
    assert "expected a number, got bool True @ $.latency_ms" in problems
    assert "expected an integer, got str '0' @ $.exit_code.value" in problems
    assert any(p.endswith("@ $.reply") for p in problems)


def test_conform_refuses_an_undeclared_field_and_keeps_a_matching_document() -> None:
    assert conform(dict(QUERY)) == QUERY
    with pytest.raises(ContractError, match="undeclared or changed fields \\['extra'\\]"):
        conform({**QUERY, "extra": 1})
    assert conform({"command": "lint", "anything": 1}) == {"command": "lint", "anything": 1}


def test_print_result_never_loses_an_outcome(capsys) -> None:
    print_result({**QUERY, "extra": 1})
    out = capsys.readouterr()
    assert json.loads(out.out)["extra"] == 1  # printed as it was, and the bug is named
    assert "does not match its contract" in out.err and "extra" in out.err
    print_result(dict(QUERY))
    out = capsys.readouterr()
    assert json.loads(out.out) == QUERY and out.err == ""
