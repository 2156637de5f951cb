"""GC profiles of the long-running commands: ``[run.gc]`` in ``reml.toml`` and ``--gc-profile``
read by ``watch`` and ``metrics serve``; ``gc.stats`` and ``gc.pause_budget_exceeded`` (shown on
stderr, ``severity: warn`` in the audit store) from the real collector of the command."""

from __future__ import annotations

import json

from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.state_file import new_state

MANIFEST = '[project]\nname = "t"\nversion = "0.1.0"\n\n'


def _events(cli, name: str) -> list[dict]:
    with AuditStore(cli.root / ".reml" / "audit.db") as store:
        return [{"audit_id": e.audit_id, **e.payload} for e in store.list(event=name)]


def _big_version(cli) -> None:
    """A state and a config version big enough that applying it runs the collector."""
    (cli.root / "st.json").write_bytes(new_state({"replicas": 1}, "live.json", "json",
                                                 None).to_bytes())
    big = {"replicas": 2, "items": [{"i": i, "tags": [str(i)]} for i in range(2000)]}
    (cli.root / "live.json").write_text(json.dumps(big))


def test_watch_uses_the_cli_profile_and_warns_over_the_pause_budget(cli):
    (cli.root / "reml.toml").write_text(MANIFEST + '[run.gc]\nprofile = "data"\n'
                                        'pause_target_ms = 0.000001\n')
    _big_version(cli)
    run = cli("watch", "st.json", "live.json", "--max-versions", "1", "--gc-profile", "game",
              "--format", "json", timeout=120)
    assert run.rc == 0, run.stderr
    assert json.loads(run.stdout.splitlines()[-1])["applied"] == 1
    stats = _events(cli, "gc.stats")
    assert stats and {s["profile"] for s in stats} == {"game"}  # --gc-profile wins
    assert {s["pause_target_ms"] for s in stats} == {0.000001}  # the [run.gc] override stays
    assert max(s["total_collections"] for s in stats) >= 1
    over = _events(cli, "gc.pause_budget_exceeded")
    assert over and all(e["severity"] == "warn" for e in over)
    assert over[0]["last_pause_ms"] > over[0]["pause_target_ms"]
    assert "warning[gc.pause_budget_exceeded]" in run.stderr
    assert len({s["run_id"] for s in stats}) == 1 and stats[0]["audit_id"] == stats[0]["run_id"]


def test_metrics_serve_reads_a_custom_profile(cli):
    (cli.root / "reml.toml").write_text(
        MANIFEST + '[run.gc]\nprofile = "editor"\n\n[run.gc.profiles.editor]\n'
        'policy = "Generational"\npause_target_ms = 12.0\n')
    cli.write("metrics.jsonl", "")
    run = cli("metrics", "serve", "--port", "0", "--duration", "0.2", "--file", "metrics.jsonl",
              "--format", "json")
    assert run.rc == 0, run.stderr
    stats = _events(cli, "gc.stats")
    assert stats and stats[0]["profile"] == "editor" and stats[0]["policy"] == "Generational"
    assert stats[0]["pause_target_ms"] == 12.0 and stats[0]["total_collections"] == 0


def test_bad_gc_profiles_are_located_errors(cli):
    cli.write("st.json", new_state({"a": 1}, "c.json", "json", None).to_json())
    cli.write("c.json", {"a": 1})
    unknown_flag = cli("watch", "st.json", "c.json", "--gc-profile", "mobile",
                       "--format", "json")
    assert unknown_flag.rc == 3
    assert unknown_flag.json["error"]["code"] == "run.gc.invalid"
    assert "unknown GC profile 'mobile'" in unknown_flag.json["error"]["message"]
    (cli.root / "reml.toml").write_text(MANIFEST + '[run.gc]\nprofile = "game"\nheap_max = 1\n')
    bad_key = cli("metrics", "serve", "--port", "0", "--duration", "0", "--format", "json")
    assert bad_key.rc == 1 and bad_key.json["error"]["key"] == "heap_max"
    assert bad_key.json["error"]["path"].endswith("reml.toml")
    assert "serving" not in bad_key.stdout  # refused before listening
