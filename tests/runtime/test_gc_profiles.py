"""GC profiles and the four audit cases of seed §10.3, on the real CPython collector."""

from __future__ import annotations

import gc
import io
import time

import pytest
from reml_lsp.audit.store import AuditStore
from reml_lsp.runtime.gc_profiles import (
    PROFILES,
    GcMonitor,
    GcProfileError,
    apply_ide_profile,
    audit_sink,
    resolve_profile,
)

GC_STATS_FIELDS = {"event", "policy", "profile", "heap_bytes", "heap_limit", "last_pause_ms",
                   "total_collections", "pause_target_ms", "run_id", "timestamp"}


def _make_cycles(n: int = 2000) -> None:
    for _ in range(n):
        a: dict = {}
        b = {"a": a}
        a["b"] = b


@pytest.fixture(autouse=True)
def _restore_gc():
    thresholds, callbacks = gc.get_threshold(), list(gc.callbacks)
    yield
    gc.set_threshold(*thresholds)
    gc.callbacks[:] = callbacks


def _monitor(profile, **kw) -> tuple[GcMonitor, list[tuple[str, dict]], io.StringIO]:
    events: list[tuple[str, dict]] = []
    warnings = io.StringIO()
    mon = GcMonitor(profile, lambda e, p: events.append((e, p)), stats_interval_s=0,
                    warn_interval_s=0, emergency_cooldown_s=0, warn_stream=warnings, **kw)
    return mon, events, warnings


def test_profile_templates_follow_the_seed() -> None:
    game, ide, web, data = (PROFILES[k] for k in ("game", "ide", "web", "data"))
    assert (game.policy, game.pause_target_ms, game.heap_max_bytes) == ("Incremental", 4.0,
                                                                        256 << 20)
    assert (ide.policy, ide.pause_target_ms, ide.heap_max_bytes) == ("Generational", 8.0, None)
    assert (web.policy, web.heap_max_bytes) == ("Rc", 512 << 20)
    assert (data.policy, data.pause_target_ms, data.heap_max_bytes) == ("Region", None, 2 << 30)
    # the thresholds order the profiles from the most to the least eager collector
    assert [p.thresholds[0] for p in (game, ide, web, data)] == sorted(
        p.thresholds[0] for p in (game, ide, web, data))


def test_unknown_profiles_and_policies_are_refused() -> None:
    with pytest.raises(GcProfileError):
        resolve_profile("mobile")
    with pytest.raises(GcProfileError):
        resolve_profile("game", policy="Tracing")
    with pytest.raises(GcProfileError):
        resolve_profile("game", pause_target_ms=-1.0)


def test_audit_case_1_profile_consistency() -> None:
    mon, events, _ = _monitor(PROFILES["game"])
    with mon:
        assert gc.get_threshold() == (400, 5, 5)
        _make_cycles()
        gc.collect()
        mon.flush()
    stats = [p for e, p in events if e == "gc.stats"]
    assert stats, events
    for payload in stats:
        assert set(payload) == GC_STATS_FIELDS
        assert payload["event"] == "gc.stats"
        assert payload["profile"] == "game" and payload["policy"] == "Incremental"
        assert payload["pause_target_ms"] == 4.0 and payload["heap_limit"] == 256 << 20
        assert payload["run_id"] == mon.run_id and payload["timestamp"].endswith("Z")
        assert payload["heap_bytes"] > 0 and payload["last_pause_ms"] >= 0
    assert stats[-1]["total_collections"] >= 1
    assert mon._callback not in gc.callbacks  # uninstalled on exit


def test_audit_case_2_emergency_trigger_when_heap_exceeds_the_limit() -> None:
    mon, events, warnings = _monitor(resolve_profile("game", heap_max_bytes=1024))
    with mon:
        gc.collect()
        mon.flush()
    triggers = [p for e, p in events if e == "gc.trigger"]
    assert len(triggers) >= 1
    trigger = triggers[0]
    assert trigger["reason"] == "Emergency"
    assert trigger["heap_bytes"] > trigger["heap_limit"] == 1024
    assert "warning[gc.trigger]" in warnings.getvalue()


def test_no_emergency_below_the_limit() -> None:
    mon, events, _ = _monitor(resolve_profile("game", heap_max_bytes=1 << 50))
    with mon:
        gc.collect()
        mon.flush()
    assert not [e for e, _ in events if e == "gc.trigger"]


def test_audit_case_3_pause_budget_exceeded_is_a_warning() -> None:
    mon, events, warnings = _monitor(resolve_profile("ide", pause_target_ms=1e-9))
    with mon:
        _make_cycles()
        gc.collect()
        mon.flush()
    [mismatch] = [p for e, p in events if e == "gc.config_mismatch"]
    assert mismatch["profile_pause_target_ms"] == 8.0
    exceeded = [p for e, p in events if e == "gc.pause_budget_exceeded"]
    assert exceeded
    assert exceeded[0]["severity"] == "warn"
    assert exceeded[0]["last_pause_ms"] > exceeded[0]["pause_target_ms"]
    assert "warning[gc.pause_budget_exceeded]" in warnings.getvalue()


def test_pause_within_budget_is_silent() -> None:
    mon, events, warnings = _monitor(resolve_profile("ide", pause_target_ms=60_000.0))
    with mon:
        gc.collect()
        mon.flush()
    assert not [e for e, _ in events if e == "gc.pause_budget_exceeded"]
    assert "pause_budget" not in warnings.getvalue()


def test_audit_case_4_policy_switch_restarts_the_count() -> None:
    mon, events, _ = _monitor(PROFILES["game"])
    with mon:
        gc.collect()
        gc.collect()
        assert mon.total_collections >= 2
        snapshot = mon.switch(policy="Generational")
        assert gc.get_threshold() == PROFILES["ide"].thresholds
        gc.collect()
        mon.flush()
    assert snapshot["policy"] == "Generational" and snapshot["total_collections"] == 0
    stats = [p for e, p in events if e == "gc.stats"]
    after = stats[stats.index(snapshot) + 1]
    assert after["policy"] == "Generational" and after["total_collections"] == 1
    assert after["profile"] == "game"


def test_profile_switch() -> None:
    mon, _, _ = _monitor(PROFILES["game"])
    with mon:
        snap = mon.switch(profile="data")
    assert (snap["profile"], snap["policy"], snap["heap_limit"]) == ("data", "Region", 2 << 30)


def test_events_reach_the_audit_store(tmp_path) -> None:
    with AuditStore(tmp_path / "audit.db") as store:
        mon = GcMonitor(PROFILES["web"], audit_sink(store), stats_interval_s=0, warn_stream=None)
        with mon:
            gc.collect()
            mon.flush()
        stored = store.show(mon.run_id)
    assert stored and stored[0].event == "gc.stats"
    assert stored[0].payload["profile"] == "web" and stored[0].payload["pause_target_ms"] is None


def test_apply_ide_profile_installs_and_flushes_in_the_background() -> None:
    events: list[tuple[str, dict]] = []
    mon = apply_ide_profile(lambda e, p: events.append((e, p)), flush_interval_s=0.05,
                            warn_stream=None)
    try:
        assert gc.get_threshold() == PROFILES["ide"].thresholds
        assert mon._callback in gc.callbacks
        gc.collect(2)  # generation 2 always yields gc.stats
        for _ in range(100):
            if events:
                break
            time.sleep(0.02)
        assert events and events[0][1]["profile"] == "ide"
    finally:
        mon.uninstall()
    assert mon._callback not in gc.callbacks
