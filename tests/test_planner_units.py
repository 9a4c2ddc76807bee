"""Planning with the pinned schema, and type knowledge in the constraint definitions. No Spark."""
from __future__ import annotations

from dqengine.checks import parse_suite
from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec, type_family
from dqengine.planner import ROW_COUNT, plan_suite
from dqengine.results import MetricRecord

SUITE = parse_suite("""
suite: s
dataset: {path: /t}
checks:
  - name: c
    constraints:
      - min: {column: ts, must_be_at_least: 0}
      - max: {column: ts, must_be_at_most: 2000000000}
      - max: {column: d, must_be_at_most: 2000000000}
      - min: {column: v, must_be_at_least: 0}
      - quantile: {column: v, quantile: 0.5, must_be: 1}
      - quantile: {column: n, quantile: 0.5, must_be: 1}
""", "s.yml")
SCHEMA = {"ts": "timestamp", "d": "date", "v": "double", "n": "bigint"}


def test_min_max_of_a_timestamp_or_date_plan_a_derived_epoch_column_and_map_it_back():
    plan = plan_suite(SUITE, schema=SCHEMA)
    derived = dict(plan.derived_columns)
    instances = dict(plan.instances)
    assert sorted(instances.values()) == ["d", "ts"]
    ts_col = next(k for k, v in instances.items() if v == "ts")
    d_col = next(k for k, v in instances.items() if v == "d")
    assert derived == {ts_col: "unix_micros(`ts`) / 1e6", d_col: "CAST(unix_date(`d`) AS BIGINT) * 86400"}
    kinds = [(s.kind, s.columns) for s in plan.analyzers]
    assert kinds == [("Size", ()), ("Minimum", (ts_col,)), ("Maximum", (ts_col,)), ("Maximum", (d_col,)),
                     ("Minimum", ("v",)), ("ApproxQuantile", ("v",)), ("Compliance", ("v",)),
                     ("ApproxQuantile", ("n",))]

    outputs = {spec: AnalyzerOutput(records=(MetricRecord("Column", spec.columns[0] if spec.columns else "*",
                                                          spec.kind, 1.0),))
               for spec in plan.analyzers}
    instances_recorded = [r.instance for r in plan.metric_records(outputs)]
    assert instances_recorded == ["*", "ts", "ts", "d", "v", "v", "v", "n"]
    assert plan.instance(ts_col) == "ts" and plan.instance("v") == "v"


def test_without_a_schema_the_plan_is_the_type_blind_one():
    plan = plan_suite(SUITE)
    assert plan.derived_columns == () and plan.instances == ()
    assert AnalyzerSpec("Minimum", ("ts",)) in plan.analyzers
    assert ROW_COUNT in plan.analyzers and "Compliance" not in [s.kind for s in plan.analyzers]


def test_type_families_of_spark_simple_strings():
    assert [type_family(t) for t in ("int", "bigint", "double", "decimal(10,2)", "string", "varchar(5)",
                                     "boolean", "date", "timestamp", "timestamp_ntz", "array<int>", "binary")] == [
        "integral", "integral", "fractional", "decimal", "string", "string", "boolean", "date", "timestamp",
        "timestamp_ntz", "other", "other"]


def test_type_problems_are_stated_by_the_constraint_definitions():
    suite = parse_suite("""
suite: s
dataset: {path: /t}
checks:
  - name: c
    constraints:
      - mean: {column: s, must_be: 1}
      - allowed_values: {column: n, values: ['1']}
      - allowed_values: {column: n, values: [1, 2.5]}
      - pattern: {column: s, regex: x}
      - entropy: {column: ts, must_be_at_least: 0}
      - min: {column: d, must_be: 0}
""", "s.yml")
    schema = {"s": "string", "n": "int", "ts": "timestamp", "d": "date"}
    problems = [c.definition.type_problem(c.params, schema) for c in suite.constraints]
    assert problems[0].startswith("column 's' is string, but mean needs a numeric column")
    assert problems[1].startswith("column 'n' is int, so its values must be numbers, but values lists '1'")
    assert problems[2:] == [None, None, None, None]
