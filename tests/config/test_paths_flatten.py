"""Key paths, flattening and compare/apply_diff: round trips and properties over random JSON."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reml_lsp.config.apply import apply_diff
from reml_lsp.config.compare import change_set_from_json, compare
from reml_lsp.config.errors import ConfigError
from reml_lsp.config.flatten import flatten, same_value, unflatten
from reml_lsp.config.paths import format_path, parse_path

keys = st.text(min_size=0, max_size=6)
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=4) | st.floats(
    allow_nan=False, allow_infinity=False, width=32)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize(("segments", "text"), [
    ((), "$"),
    (("service", "features", 1), "service.features[1]"),
    (("a.b", "c"), '["a.b"].c'),
    ((0, "x"), "[0].x"),
    (("k-1", "_y"), "k-1._y"),
    (("", 'q"]'), '[""]["q\\"]"]'),
])
def test_format_and_parse_are_inverse(segments, text):
    assert format_path(segments) == text
    assert parse_path(text) == segments


@pytest.mark.parametrize("bad", ["", ".a", "a..b", "a[x]", "a[1", "a b", '["unterminated]'])
def test_malformed_paths_are_rejected(bad):
    with pytest.raises(ConfigError) as err:
        parse_path(bad)
    assert err.value.code == "config.path.invalid"


def test_flatten_matches_upstream_key_style():
    value = {"service": {"features": ["audit", "telemetry"], "empty": {}}, "list": []}
    assert flatten(value) == {"service.features[0]": "audit", "service.features[1]": "telemetry",
                              "service.empty": {}, "list": []}
    assert flatten(3) == {"$": 3}


def test_same_value_does_not_confuse_bool_and_number():
    assert not same_value(True, 1)
    assert not same_value([0], [False])
    assert same_value({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]})


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_unflatten_inverts_flatten(value):
    assert same_value(unflatten(flatten(value)), value)


@settings(max_examples=200, deadline=None)
@given(json_values, json_values)
def test_apply_diff_of_compare_gives_new(old, new):
    change_set = compare(old, new)
    assert same_value(apply_diff(old, change_set), new)
    # and a change set survives its own JSON form (what reload reads back)
    again = change_set_from_json({"change_set": change_set.change_set_json()})
    assert again.change_set_json() == change_set.change_set_json()
    assert bool(change_set) == (not same_value(old, new))


def test_unflatten_rejects_conflicts_and_holes():
    with pytest.raises(ConfigError, match="holes"):
        unflatten({"a[0]": 1, "a[2]": 3})
    with pytest.raises(ConfigError, match="both"):
        unflatten({"a": 1, "a.b": 2})
    with pytest.raises(ConfigError, match="both an array and an object"):
        unflatten({"a[0]": 1, "a.b": 2})
