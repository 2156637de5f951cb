"""``[run.gc]`` of reml.toml: profiles, overrides, custom profiles, and located refusals."""

from __future__ import annotations

import pytest
from reml_lsp.runtime.gc_config import GcConfigError, load_gc_settings, resolve_gc


def _root(tmp_path, body: str):
    (tmp_path / "reml.toml").write_text('[project]\nname = "t"\n\n' + body)
    return tmp_path


def test_defaults_without_a_manifest_or_a_table(tmp_path):
    assert resolve_gc(tmp_path).id == "ide"
    assert resolve_gc(_root(tmp_path, "")).id == "ide"
    assert resolve_gc(tmp_path, default="web").id == "web"


def test_profile_overrides_and_the_cli_winning(tmp_path):
    root = _root(tmp_path, '[run.gc]\nprofile = "game"\npause_target_ms = 2\n'
                           'heap_max_bytes = 1024\npolicy = "Region"\n')
    game = resolve_gc(root)
    assert (game.id, game.policy, game.pause_target_ms, game.heap_max_bytes) == (
        "game", "Region", 2.0, 1024)
    assert game.thresholds == (50000, 50, 100)  # the policy's collector settings
    data = resolve_gc(root, "data")
    assert (data.id, data.pause_target_ms, data.heap_max_bytes) == ("data", 2.0, 1024)
    cleared = resolve_gc(_root(tmp_path, '[run.gc]\nprofile = "game"\n'), None)
    assert cleared.heap_max_bytes == 256 << 20


def test_custom_profiles_are_declared_first(tmp_path):
    root = _root(tmp_path, '[run.gc]\nprofile = "editor"\n\n[run.gc.profiles.editor]\n'
                           'policy = "Generational"\npause_target_ms = 12.5\n')
    editor = resolve_gc(root)
    assert (editor.id, editor.policy, editor.pause_target_ms, editor.heap_max_bytes) == (
        "editor", "Generational", 12.5, None)
    assert set(load_gc_settings(root).custom) == {"editor"}


@pytest.mark.parametrize(("body", "key", "needle"), [
    ('[run.gc]\nprofile = "mobile"\n', "profile", "unknown GC profile 'mobile'"),
    ('[run.gc]\nprofile = 3\n', "profile", "must be a string"),
    ('[run.gc]\npolicy = "Tracing"\n', "policy", "policy must be one of"),
    ('[run.gc]\npause_target_ms = "fast"\n', "pause_target_ms", "must be a number"),
    ('[run.gc]\nheap_max_bytes = 1.5\n', "heap_max_bytes", "must be an integer"),
    ('[run.gc]\nheap_max_bytes = -1\n', "heap_max_bytes", "must be positive"),
    ('[run.gc]\nheap = 1\n', "heap", "unknown key(s) heap"),
    ('[run.gc.profiles.x]\npolicy = "Fast"\n', "profiles.x.policy", "policy must be one of"),
    ('[run]\ngc = 1\n', "gc", "must be a table"),
])
def test_bad_tables_are_located_errors(tmp_path, body, key, needle):
    with pytest.raises(GcConfigError) as info:
        resolve_gc(_root(tmp_path, body))
    assert info.value.key == key and needle in str(info.value)
    assert info.value.path == tmp_path / "reml.toml"


def test_invalid_toml_is_reported_not_ignored(tmp_path):
    (tmp_path / "reml.toml").write_text("[run.gc\nprofile = 1\n")
    with pytest.raises(GcConfigError, match="invalid TOML"):
        resolve_gc(tmp_path)
