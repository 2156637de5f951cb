"""Stream drivers write ``parser.stream.*`` audit events by default: keep them in a temp store."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _audit_db(tmp_path, monkeypatch):
    monkeypatch.setenv("REML_AUDIT_DB", str(tmp_path / "audit.db"))
