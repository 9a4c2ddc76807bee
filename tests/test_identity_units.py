"""Metric keys and constraint ids (issue #10). No Spark.

A metric key hashes what defines the metric (source, filter, analyzer, the user's columns, the
parameters, the Deequ metric name); a constraint id is ``id:`` from the suite, else a hash of
(check, type, parameters). Neither depends on positions, labels or (for keys) check names.
"""
from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from dqengine import ConfigError
from dqengine.checks import parse_suite
from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.identity import MetricScope, constraint_id, metric_key, verdict_metric_name
from dqengine.planner import plan_suite
from dqengine.results import MetricRecord
from dqengine.schema import suite_json_schema

SCOPE = MetricScope("/data/readings", "plant = 'P1'")


def _suite(constraints: str, check: str = "c", where: str | None = "plant = 'P1'", path: str = "/data/readings"):
    body = "\n".join("      " + line for line in constraints.strip("\n").splitlines())
    filt = f"\n  where: \"{where}\"" if where else ""
    return parse_suite(f"suite: s\ndataset:\n  path: {path}{filt}\nchecks:\n  - name: {check}\n"
                       f"    constraints:\n{body}\n", "s.yml")


def _keys(suite, schema=None, scope=SCOPE) -> dict[str, str]:
    """label -> key of each constraint's analyzers' metric (named as Deequ would: the kind)."""
    plan = plan_suite(suite, schema=schema)
    out = {}
    for c in suite.constraints:
        for spec in c.definition.analyzers_for(c.params, schema):
            out[f"{c.label}/{spec.kind}"] = plan.metric_key(spec, spec.kind, scope)
    return out


CONSTRAINTS = """
- is_complete: sensor_id
- completeness: {column: temperature, must_be_at_least: 0.98}
- satisfies: {expression: 'end_ts >= start_ts', label: ends_after_start}
- quantile: {column: pressure, quantile: 0.5, must_be_between: [0.1, 100]}
- min: {column: ts, must_be_at_least: 0}
"""
SCHEMA = {"sensor_id": "string", "temperature": "double", "pressure": "double", "ts": "timestamp",
          "end_ts": "timestamp", "start_ts": "timestamp"}


# --- metric keys ---------------------------------------------------------------------------------


def test_reordering_constraints_keeps_every_metric_key_and_constraint_id():
    forward = _suite(CONSTRAINTS)
    backward = _suite("\n".join(reversed(CONSTRAINTS.strip().splitlines())))
    assert _keys(forward, SCHEMA) == _keys(backward, SCHEMA)
    ids = {c.label: c.constraint_id for c in forward.constraints}
    assert {c.label: c.constraint_id for c in backward.constraints} == ids
    positions = {c.label: c.index for c in forward.constraints}
    assert {c.label: c.index for c in backward.constraints} != positions  # they did move


def test_rewording_a_label_keeps_the_metric_key_and_the_constraint_id():
    before = _suite("- satisfies: {expression: 'end_ts >= start_ts', label: ends_after_start}")
    after = _suite("- satisfies: {expression: 'end_ts >= start_ts', label: 'ends after it starts'}")
    (key_before,), (key_after,) = _keys(before).values(), _keys(after).values()
    assert key_before == key_after
    assert before.constraints[0].constraint_id == after.constraints[0].constraint_id


def test_renaming_the_check_keeps_metric_keys_but_changes_derived_constraint_ids():
    a, b = _suite(CONSTRAINTS, check="keys"), _suite(CONSTRAINTS, check="renamed")
    assert list(_keys(a, SCHEMA).values()) == list(_keys(b, SCHEMA).values())
    assert not {c.constraint_id for c in a.constraints} & {c.constraint_id for c in b.constraints}


def test_two_satisfies_with_one_label_and_different_expressions_never_share_a_key():
    suite = _suite("""
- satisfies: {expression: 'end_ts >= start_ts', label: ordered}
- satisfies: {expression: 'end_ts > start_ts', label: ordered}
""")
    plan = plan_suite(suite)
    first, second = (c.definition.analyzers(c.params)[0] for c in suite.constraints)
    assert plan.metric_key(first, "Compliance", SCOPE) != plan.metric_key(second, "Compliance", SCOPE)
    assert suite.constraints[0].constraint_id != suite.constraints[1].constraint_id


def test_one_expression_under_two_labels_is_one_metric():
    suite = _suite("""
- satisfies: {expression: 'end_ts >= start_ts', label: ordered}
- satisfies: {expression: 'end_ts >= start_ts', label: in_order}
""")
    plan = plan_suite(suite)
    first, second = (c.definition.analyzers(c.params)[0] for c in suite.constraints)
    assert first != second  # Deequ computes it under each name
    assert plan.metric_key(first, "Compliance", SCOPE) == plan.metric_key(second, "Compliance", SCOPE)


def test_shared_metrics_share_their_key():
    """is_complete and completeness of one column need one Completeness: one key."""
    keys = _keys(_suite("- is_complete: temperature\n- completeness: {column: temperature, must_be: 1}"))
    assert len(set(keys.values())) == 1


@pytest.mark.parametrize("change", [
    {"where": None}, {"where": "plant = 'P2'"}, {"path": "/data/other"},
], ids=["no-filter", "other-filter", "other-dataset"])
def test_the_source_and_the_filter_are_part_of_the_key(change):
    base = _keys(_suite("- is_complete: temperature"), scope=SCOPE)
    where = change.get("where", SCOPE.filter)
    scope = MetricScope(change.get("path", SCOPE.source), where)
    other = _keys(_suite("- is_complete: temperature", where=where, path=scope.source), scope=scope)
    assert base.keys() == other.keys() and set(base.values()).isdisjoint(other.values())


def test_a_metric_on_a_derived_column_is_keyed_by_the_users_column_and_the_expression():
    """min of a TIMESTAMP is Deequ's Minimum of a derived epoch column: its key names the user's
    column and the expression, so it is not the key of a min over a DOUBLE column of that name."""
    suite = _suite("- min: {column: ts, must_be_at_least: 0}")
    as_timestamp = _keys(suite, {"ts": "timestamp"})
    as_double = _keys(suite, {"ts": "double"})
    assert as_timestamp.keys() == as_double.keys() and as_timestamp != as_double
    plan = plan_suite(suite, schema={"ts": "timestamp"})
    (spec,) = [s for s in plan.analyzers if s.kind == "Minimum"]
    assert spec.columns[0].startswith("_dq_epoch_")
    expected = metric_key(AnalyzerSpec("Minimum", ("renamed_internal",), (("instance", "ts"),)), "Minimum", SCOPE,
                          {"renamed_internal": "unix_micros(`ts`) / 1e6"}, {"renamed_internal": "ts"})
    assert plan.metric_key(spec, "Minimum", SCOPE) == expected  # the internal name is not in the key


def test_each_metric_of_an_analyzer_has_its_own_key_and_deequs_own_where_counts():
    spec = AnalyzerSpec("DataType", ("code",))
    names = ["Histogram.bins", "Histogram.abs.Integral", "Histogram.ratio.Integral"]
    assert len({metric_key(spec, n, SCOPE) for n in names}) == 3
    size, filtered = AnalyzerSpec("Size"), AnalyzerSpec("Size", (), (("where", "x IS NOT NULL"),))
    assert metric_key(size, "Size", SCOPE) != metric_key(filtered, "Size", SCOPE)


def test_keys_and_ids_are_short_hex_and_numbers_are_canonical():
    key = metric_key(AnalyzerSpec("ApproxQuantile", ("p",), (("quantile", 1), ("relative_error", 0.01))),
                     "ApproxQuantile-1.0", SCOPE)
    same = metric_key(AnalyzerSpec("ApproxQuantile", ("p",), (("relative_error", 0.01), ("quantile", 1.0))),
                      "ApproxQuantile-1.0", SCOPE)
    assert key == same and re.fullmatch(r"[0-9a-f]{20}", key)
    assert re.fullmatch(r"[0-9a-f]{16}", constraint_id("c", "is_complete", {"column": "x"}))


def test_the_metric_a_verdict_and_a_state_stand_for():
    one = (MetricRecord("Column", "x", "ApproxQuantile-0.5", 1.0),)
    histogram = tuple(MetricRecord("Column", "x", n, 1.0) for n in ("Histogram.bins", "Histogram.abs.Integral"))
    assert verdict_metric_name(one) == "ApproxQuantile-0.5"
    assert verdict_metric_name(histogram) == "Histogram"
    assert verdict_metric_name(()) is None


def test_metric_records_carry_their_keys_given_the_runs_scope():
    suite = _suite("- is_complete: temperature\n- min: {column: ts, must_be_at_least: 0}")
    plan = plan_suite(suite, schema={"temperature": "double", "ts": "date"})
    outputs = {spec: AnalyzerOutput(records=(MetricRecord("Column", spec.columns[0] if spec.columns else "*",
                                                          spec.kind, 1.0),)) for spec in plan.analyzers}
    assert all(r.key == "" for r in plan.metric_records(outputs))  # the old call still works
    keyed = plan.metric_records(outputs, SCOPE)
    assert [r.instance for r in keyed] == ["*", "temperature", "ts"]
    assert [r.key for r in keyed] == [plan.metric_key(s, s.kind, SCOPE) for s in plan.analyzers]


# --- constraint ids --------------------------------------------------------------------------------


def test_an_id_in_the_suite_is_the_constraint_id_and_others_are_hashes():
    suite = _suite("""
- is_complete: sensor_id
  id: sensor_present
- {completeness: {column: temperature, must_be_at_least: 0.98}, id: 3f2a-temperature.v2}
- is_unique: sensor_id
""")
    ids = [c.constraint_id for c in suite.constraints]
    assert ids[:2] == ["sensor_present", "3f2a-temperature.v2"]
    assert ids[2] == constraint_id("c", "is_unique", {"column": "sensor_id"})


def test_shorthand_and_full_form_have_one_id_and_the_fingerprint_ignores_ids():
    short, full = _suite("- is_complete: x"), _suite("- is_complete: {column: x}")
    assert short.constraints[0].constraint_id == full.constraints[0].constraint_id
    with_id = _suite("- is_complete: x\n  id: x_present")
    assert with_id.fingerprint == short.fingerprint  # naming a constraint does not change what is asked


def test_a_changed_threshold_is_a_new_constraint_unless_it_has_an_id():
    a, b = _suite("- completeness: {column: t, must_be_at_least: 0.9}"), _suite(
        "- completeness: {column: t, must_be_at_least: 0.95}")
    assert a.constraints[0].constraint_id != b.constraints[0].constraint_id
    assert _keys(a) == _keys(b)  # the metric is the same
    pinned = _suite(f"- completeness: {{column: t, must_be_at_least: 0.95}}\n  id: '{a.constraints[0].constraint_id}'")
    assert pinned.constraints[0].constraint_id == a.constraints[0].constraint_id


def test_identical_constraints_get_numbered_ids():
    suite = _suite("- is_complete: x\n- is_complete: x\n- is_complete: x")
    base = suite.constraints[0].constraint_id
    assert [c.constraint_id for c in suite.constraints] == [base, f"{base}-2", f"{base}-3"]


ID_ERRORS = [
    ("""
- is_complete: a
  id: a_present
- is_complete: b
  id: a_present
""", ["s.yml:10:13: duplicate constraint id 'a_present' (first at line 8, column 13); ids must be unique "
      "in the suite"]),
    ("""
- {is_complete: a, id: 'two words'}
- {is_complete: b, id: -lead}
""", ["s.yml:7:30: checks[0].constraints[0].id: 'two words' must start with a letter, a digit or '_' and use "
      "only letters, digits, '_', '.', '-'",
      "s.yml:8:30: checks[0].constraints[1].id: '-lead' must start with a letter, a digit or '_' and use only "
      "letters, digits, '_', '.', '-'"]),
    ("""
- {is_complete: a, id: 42}
- {is_complete: b, id: ''}
""", ["s.yml:7:30: checks[0].constraints[0].id: expected a string (got 42); put it in quotes if it is text",
      "s.yml:8:30: checks[0].constraints[1].id: must not be empty; write a value"]),
    ("""
- id: orphan
""", ["s.yml:7:9: checks[0].constraints[0]: the item has an id but no constraint; write the constraint in "
      "the same item, as in '- {is_complete: sensor_id, id: sensor_present}'"]),
]


@pytest.mark.parametrize("constraints, expected", ID_ERRORS, ids=["duplicate", "pattern", "type", "orphan"])
def test_id_errors_name_the_place_and_the_fix(constraints, expected):
    with pytest.raises(ConfigError) as info:
        _suite(constraints, where=None)
    assert str(info.value).splitlines() == expected


def test_id_problems_are_reported_with_the_others():
    """A duplicate id in an item whose parameters are also wrong: both problems, at once."""
    with pytest.raises(ConfigError) as info:
        _suite("- {is_complete: a, id: x}\n- {completeness: {column: b}, id: x}", where=None)
    lines = str(info.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("s.yml:8:24: checks[0].constraints[1].completeness: give exactly one threshold")
    assert lines[1] == ("s.yml:8:41: duplicate constraint id 'x' (first at line 7, column 30); ids must be "
                        "unique in the suite")


def test_the_json_schema_takes_an_id_beside_the_constraint():
    validator = Draft202012Validator(suite_json_schema())

    def errors(item):
        suite = {"suite": "s", "dataset": {"path": "/t"}, "checks": [{"name": "c", "constraints": [item]}]}
        return list(validator.iter_errors(suite))

    assert errors({"is_complete": "x", "id": "x_present"}) == []
    assert errors({"is_complete": "x", "id": "two words"})
    assert errors({"id": "orphan"})


class _Context:
    """An evaluation context whose outputs know their analyzer, as the runner's does."""

    def __init__(self, value: float, schema):
        self.value, self.schema, self.row_count = value, schema, 10

    def output(self, spec: AnalyzerSpec) -> AnalyzerOutput:
        if spec.kind == "DataType":
            records = tuple(MetricRecord("Column", "x", f"Histogram.abs.{t}", 5.0)
                            for t in ("Integral", "String"))
        else:
            records = (MetricRecord("Column", "x", spec.kind, self.value),)
        return AnalyzerOutput(records=records, spec=spec)


@pytest.mark.parametrize("value", [0.0, 1.0], ids=["low", "high"])
def test_every_verdict_names_the_analyzer_it_rests_on(value):
    """Whatever a built-in constraint concludes, PASSED or not, its outcome keeps the analyzer
    (so that dq_check_results records the metric's key); columns_exist has none."""
    from dqengine import default_registry

    schema = {"x": "double", "pressure": "double", "temperature": "double", "status": "string",
              "sensor_id": "string", "heat_id": "string", "reading_id": "bigint", "ts": "timestamp",
              "energy_kwh": "double", "end_ts": "timestamp", "start_ts": "timestamp"}
    for definition in default_registry():
        (constraint,) = _suite(f"- {definition.example}").constraints
        outcome = definition.evaluate(constraint.params, _Context(value, schema))
        if definition.name == "columns_exist":
            assert outcome.spec is None
        else:
            assert outcome.spec in definition.analyzers_for(constraint.params, schema), (definition.name, outcome)
