"""The suite-level ``nan_is_missing`` without Spark: what it plans, what it leaves alone, and how it
changes ids and fingerprints (only when set)."""
from __future__ import annotations

import pytest

from dqengine import ConfigError, parse_suite
from dqengine.planner import plan_suite

SCHEMA = {"temperature": "double", "sensor_id": "string", "ts": "timestamp", "seq": "bigint"}
ITEMS = """
      - is_complete: temperature
      - completeness: {column: temperature, must_be_at_least: 0.9}
      - is_complete: sensor_id
      - stuck_value: {column: temperature, time: ts, by: [sensor_id], must_be_at_most: 30}
      - max_rate_of_change: {column: temperature, time: ts, by: [sensor_id], must_be_at_most: 30}
      - monotonic: {column: temperature, order_by: [ts], by: [sensor_id]}
      - no_nan: temperature
"""


def _suite(nan: str | None):
    key = f"nan_is_missing: {nan}\n" if nan is not None else ""
    return parse_suite(f"suite: s\ndataset: {{path: /tmp/x}}\n{key}checks:\n  - name: c\n    constraints:{ITEMS}",
                       "s.yml")


def test_completeness_of_a_float_column_counts_nan_as_missing():
    plan = plan_suite(_suite("true"), schema=SCHEMA)
    kinds = {(a.kind, a.columns) for a in plan.analyzers}
    predicates = [a.param("predicate") for a in plan.analyzers if a.kind == "Compliance"]
    assert "`temperature` IS NOT NULL AND NOT isnan(`temperature`)" in predicates
    assert ("Completeness", ("temperature",)) not in kinds  # both constraints share the NaN-aware metric
    assert ("Completeness", ("sensor_id",)) in kinds         # a string holds no NaN: unchanged
    # no_nan is not completeness-type: its own Compliance is still there, apart
    assert sum(1 for a in plan.analyzers if a.kind == "Compliance") == 2


def test_time_series_values_skip_nan_only_when_asked():
    for nan, expected in (("true", True), ("false", False), (None, False)):
        plan = plan_suite(_suite(nan), schema=SCHEMA)
        windowed = [c for p in plan.passes for c in p.window_columns]
        assert windowed
        readers = [c for c in windowed if "`temperature`" in c.expression]
        assert readers and all(("isnan(`temperature`)" in c.expression) is expected for c in readers), nan


def test_without_a_schema_nothing_is_known_to_hold_nan():
    plan = plan_suite(_suite("true"), schema=None)
    assert not any(a.kind == "Compliance" and "isnan" in a.param("predicate", "") and "IS NOT NULL AND" in
                   a.param("predicate", "") for a in plan.analyzers)


def test_ids_and_fingerprint_change_only_when_set():
    plain, off, on = _suite(None), _suite("false"), _suite("true")
    assert plain.fingerprint == off.fingerprint != on.fingerprint
    ids = lambda s: [c.constraint_id for c in s.constraints]  # noqa: E731
    assert ids(plain) == ids(off)
    changed = [a != b for a, b in zip(ids(plain), ids(on))]
    # is_complete/completeness of temperature, the string one too (the type is unknown at load
    # time), the three time-series constraints; no_nan unchanged
    assert changed == [True, True, True, True, True, True, False]
    assert on.nan_is_missing and not off.nan_is_missing


def test_nan_is_missing_is_a_suite_key_not_a_constraint_parameter():
    with pytest.raises(ConfigError) as err:
        _suite("1")
    assert "nan_is_missing" in str(err.value) and "boolean" in str(err.value)
    with pytest.raises(ConfigError) as err:
        parse_suite("suite: s\ndataset: {path: /tmp/x}\nchecks:\n  - name: c\n    constraints:\n"
                    "      - completeness: {column: t, must_be_at_least: 0.9, nan_is_missing: true}\n", "s.yml")
    assert "unknown key 'nan_is_missing'" in str(err.value)
