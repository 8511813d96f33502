"""The fast path of the packet validation (packet_schema.is_valid_fast) accepts exactly what the
full JSON Schema validator accepts, and is really taken for the fixtures (else the API would
silently be as slow as before)."""

from __future__ import annotations

import copy

import pytest
from helpers import fixture
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from patient_risk_api import packet_schema
from test_contract import _PATHS as _MUTATION_PATHS
from test_contract import _VALUES


def _mutate(doc, path, value, delete):
    """Set (or delete) doc[path]; a path through a non-container leaves doc unchanged."""
    target = doc
    for key in path[:-1]:
        if isinstance(target, dict):
            target = target.setdefault(key, {})
        elif isinstance(target, list) and isinstance(key, int) and key < len(target):
            target = target[key]
        else:
            return doc
    last = path[-1]
    if isinstance(target, dict):
        if delete:
            target.pop(last, None)
        else:
            target[last] = value
    elif isinstance(target, list) and isinstance(last, int) and last < len(target) and not delete:
        target[last] = value
    return doc


def _full_errors(doc):
    return sorted(packet_schema._validator().iter_errors(doc), key=packet_schema._sort_key)


def test_the_fast_path_exists_for_the_contract_schema():
    """The checked-in schema compiles to a fast plan (a new Sample keyword would drop it)."""
    plan = packet_schema._fast_plan()
    assert plan is not None
    assert set(plan.fields) == {"offset_s", "spo2", "heart_rate"} and plan.required == {"offset_s"}


@pytest.mark.parametrize("name", ["low-spo2-trend.json", "normal.json"])
def test_valid_fixtures_take_the_fast_path(name):
    doc = fixture(name)
    assert packet_schema.is_valid_fast(doc)
    assert not _full_errors(doc)


def test_the_malformed_fixture_gets_the_full_validators_errors():
    doc = fixture("malformed.json")
    assert not packet_schema.is_valid_fast(doc)
    assert packet_schema.validate_packet(doc) and _full_errors(doc)


_BASE = fixture("low-spo2-trend.json")
_BASE["samples"] = _BASE["samples"][:4]
_SAMPLE_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 90_000), st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0, 0.0, 255, 255.0, 255.0001, 1000, 1000.5, 86400, 86400.0, 86400.1, -0.0, "97", [97], {}]),
)
_SAMPLE_PATHS = [("samples", i, key) for i in range(4) for key in ("offset_s", "spo2", "heart_rate", "bpm")]


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_SAMPLE_PATHS + _MUTATION_PATHS),
                          st.one_of(_SAMPLE_VALUES, _VALUES), st.booleans()), min_size=1, max_size=4))
@example([(("samples", 0, "spo2"), True, False)])
@example([(("samples", 1, "offset_s"), None, False)])
@example([(("samples", 2, "offset_s"), None, True)])
@example([(("samples",), [], False)])
@example([(("samples", 3, "heart_rate"), 1000.0, False)])
def test_fast_path_agrees_with_the_full_validator(mutations):
    """Over mutated packets (sample values at and beyond every bound, wrong types, missing and
    unknown keys, and the contract test's top-level mutations), fast == full."""
    doc = copy.deepcopy(_BASE)
    for path, value, delete in mutations:
        doc = _mutate(doc, path, value, delete)
    assert packet_schema.is_valid_fast(doc) == (not _full_errors(doc)), doc
