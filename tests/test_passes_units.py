"""Which analyzer lands in which pass, and which provider answers it. Pure Python: no Spark."""
from __future__ import annotations

import pytest
from passes_helpers import registry

from dqengine.checks import parse_suite
from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.planner import (
    FREQUENCIES,
    GROUPING,
    GROUPING_SETS,
    MAX_SET_COLUMNS,
    METADATA,
    ROW_COUNT,
    SCAN,
    WINDOW_COUNT,
    WINDOWED,
    key_bounds,
    key_row_count,
    plan_suite,
)
from dqengine.results import MetricRecord


def _plan(constraints: str, schema=None, where: str = ""):
    body = "\n".join(f"      - {line}" for line in constraints.strip().splitlines())
    text = (f"suite: s\ndataset: {{path: /t{', where: ' + repr(where) if where else ''}}}\n"
            f"checks:\n  - name: c\n    constraints:\n{body}\n")
    return plan_suite(parse_suite(text, "s.yml", registry()), schema=schema)


MIXED = """
row_count: {must_be_greater_than: 0}
column_count: {must_be: 7}
is_primary_key: [reading_id]
is_complete: sensor_id
between: {column: temperature, min: -50, max: 1500}
mean: {column: temperature, must_be_between: [0, 1000]}
approx_distinct_count: {column: sensor_id, must_be_at_least: 10}
quantile: {column: pressure, quantile: 0.5, must_be_at_most: 100}
distinct_count: {column: sensor_id, must_be_at_least: 4}
uniqueness: {columns: [sensor_id, ts], must_be_at_least: 0.99}
distinct_count: {columns: [ts, sensor_id], must_be_at_least: 1}
entropy: {column: status, must_be_greater_than: 0}
max_step: {column: temperature, keys: [sensor_id], time: ts, must_be_at_most: 50}
max_step: {column: pressure, keys: [sensor_id], time: ts, must_be_at_most: 5}
max_step: {column: pressure, keys: [sensor_id], time: reading_id, must_be_at_most: 5}
"""


def _kinds(p):
    return [(s.kind, s.columns) for s in p.analyzers]


def test_every_analyzer_is_in_exactly_one_pass_and_the_passes_run_scan_first():
    plan = _plan(MIXED, schema={"pressure": "double", "ts": "timestamp"})
    answered = [s for p in plan.passes for s in p.analyzers]
    assert sorted(map(str, answered)) == sorted(map(str, plan.analyzers))
    assert len(answered) == len(set(answered))
    assert [(p.provider, p.strategy) for p in plan.passes] == [
        (METADATA, ""), (SCAN, "fused"), (SCAN, "sketch"),
        (GROUPING, WINDOW_COUNT), (GROUPING, FREQUENCIES), (GROUPING, WINDOW_COUNT), (GROUPING, FREQUENCIES),
        (WINDOWED, ""), (WINDOWED, ""),
    ]


def test_scan_pass_fuses_every_scan_shareable_analyzer_and_keeps_quantiles_apart():
    plan = _plan(MIXED, schema={"pressure": "double", "ts": "timestamp"})
    metadata, scan, sketch = plan.passes[:3]
    assert _kinds(metadata) == [("ColumnCount", ())]
    assert metadata.fallback == ()  # the scan reads anyway: the row count is free there
    assert _kinds(scan) == [("Size", ()), ("Completeness", ("reading_id",)), ("Completeness", ("sensor_id",)),
                            ("Compliance", ("temperature",)), ("Mean", ("temperature",)),
                            ("Compliance", ("pressure",)),  # the NaN count behind the quantile
                            ("ApproxCountDistinct", ("sensor_id",))]  # a narrow scan keeps HyperLogLog
    assert _kinds(sketch) == [("ApproxQuantile", ("pressure",))]
    assert ROW_COUNT in scan.analyzers
    # the columns its analyzers and the row counts of the frequencies passes read
    assert scan.columns == ("reading_id", "sensor_id", "temperature", "pressure", "status")


def test_hyperloglog_and_datatype_leave_only_a_wide_scan():
    from dqengine.planner import WIDE_SCAN

    sketches = "approx_distinct_count: {column: s, must_be_at_least: 1}\ndata_type: {column: s, type: string}\n"
    narrow = _plan(sketches + "is_complete: a")
    assert [(p.strategy, len(p.analyzers)) for p in narrow.passes] == [("fused", 4)]
    wide = _plan(sketches + "\n".join(f"is_complete: c{i}" for i in range(WIDE_SCAN - 1)))
    fused, sketch = wide.passes
    assert len(fused.analyzers) == WIDE_SCAN
    assert {s.kind for s in sketch.analyzers} == {"ApproxCountDistinct", "DataType"}


def test_grouping_sets_are_merged_by_column_set_and_get_their_row_count_from_the_scan():
    plan = _plan(MIXED, schema={"pressure": "double", "ts": "timestamp"})
    groups = {p.grouping: p for p in plan.passes if p.provider == GROUPING}
    assert list(groups) == [("reading_id",), ("sensor_id",), ("sensor_id", "ts"), ("status",)]
    # uniqueness over [sensor_id, ts] and distinct_count over [ts, sensor_id]: one set, one pass
    assert _kinds(groups[("sensor_id", "ts")]) == [("Uniqueness", ("sensor_id", "ts")),
                                                   ("CountDistinct", ("ts", "sensor_id"))]
    # the frequencies passes read the rows with a non-null key from the scan; window counts count their own
    scan = plan.passes[1]
    assert scan.helpers == (key_row_count(("sensor_id",)), key_row_count(("status",)))
    assert key_row_count(("a", "b c")) == AnalyzerSpec(
        "Size", ("a", "b c"), (("where", "`a` IS NOT NULL OR `b c` IS NOT NULL"),))
    # helpers are computed but never recorded as the suite's metrics
    assert not set(scan.helpers) & set(plan.analyzers)


@pytest.mark.parametrize("constraint, strategy", [
    ("is_unique: k", WINDOW_COUNT),
    ("is_primary_key: [k]", WINDOW_COUNT),
    ("uniqueness: {column: k, must_be_at_least: 0.5}", WINDOW_COUNT),
    ("distinctness: {column: k, must_be_between: [0.9, 1]}", WINDOW_COUNT),
    ("uniqueness: {column: k, must_be_at_least: 0.2}", FREQUENCIES),
    ("uniqueness: {column: k, must_be_at_most: 0.99}", FREQUENCIES),
    ("distinct_count: {column: k, must_be_at_least: 1}", FREQUENCIES),
    ("entropy: {column: k, must_be_at_least: 0}", FREQUENCIES),
], ids=["is_unique", "primary_key", "uniqueness_high", "distinctness_high", "uniqueness_low",
        "uniqueness_at_most", "distinct_count", "entropy"])
def test_a_window_count_only_for_keys_the_suite_expects_unique(constraint, strategy):
    (group,) = [p for p in _plan(constraint).passes if p.provider == GROUPING]
    assert group.strategy == strategy


@pytest.mark.parametrize("constraints, key_type, bounded", [
    ("is_unique: k", "bigint", True),
    ("is_unique: k", "int", True),
    ("is_unique: k", "string", False),
    ("is_unique: k", "double", False),
    ("is_unique: k", None, False),  # no schema: nothing is known of the type
    ("is_primary_key: [k, j]", "bigint", False),
    ("uniqueness: {column: k, must_be_at_least: 0.2}", "bigint", False),  # a groupBy, no window count
], ids=["bigint", "int", "string", "double", "no_schema", "composite", "frequencies"])
def test_the_scan_bounds_an_integral_key_the_window_count_may_count_with_bitmaps(constraints, key_type, bounded):
    schema = None if key_type is None else {"k": key_type, "j": "bigint"}
    plan = _plan(constraints + "\nis_complete: j", schema=schema)  # a fused scan runs anyway
    scan = next(p for p in plan.passes if p.provider == SCAN)
    assert (set(key_bounds("k")) <= set(scan.helpers)) is bounded
    assert not set(scan.helpers) & set(plan.analyzers)  # never recorded as the suite's metrics


def test_bounds_never_cost_a_scan_the_delta_log_would_spare():
    plan = _plan("is_unique: k\nrow_count: {must_be_greater_than: 0}", schema={"k": "bigint"})
    assert [(p.provider, p.strategy) for p in plan.passes] == [(METADATA, ""), (SCAN, "fused"), (GROUPING, WINDOW_COUNT)]
    metadata, scan, _ = plan.passes
    assert ROW_COUNT in metadata.fallback and not scan.analyzers and not scan.helpers


def test_a_bound_the_suite_asks_for_itself_is_not_computed_twice():
    plan = _plan("is_unique: k\nmin: {column: k, must_be_at_least: 0}\nis_complete: j", schema={"k": "bigint", "j": "int"})
    low, high = key_bounds("k")
    scan = next(p for p in plan.passes if p.provider == SCAN)
    assert low in plan.analyzers and low not in scan.helpers and high in scan.helpers


def test_column_sets_needing_only_counts_share_one_grouping_sets_pass():
    plan = _plan("""
uniqueness: {column: a, must_be_at_most: 0.5}
is_unique: k
distinct_count: {column: b, must_be_at_least: 1}
entropy: {column: c, must_be_at_least: 0}
distinctness: {columns: [b, a], must_be_at_least: 0.1}
uniqueness: {column: b, must_be_at_most: 0.5}
""")
    groups = [p for p in plan.passes if p.provider == GROUPING]
    assert [(p.strategy, p.grouping or p.grouping_sets) for p in groups] == [
        (GROUPING_SETS, (("a",), ("b",), ("a", "b"))),  # where its first set was
        (WINDOW_COUNT, ("k",)),
        (FREQUENCIES, ("c",)),                          # Entropy: Deequ's aggregation
    ]
    assert _kinds(groups[0]) == [("Uniqueness", ("a",)), ("CountDistinct", ("b",)), ("Uniqueness", ("b",)),
                                 ("Distinctness", ("b", "a"))]
    scan = next(p for p in plan.passes if p.provider == SCAN)
    assert scan.helpers == (key_row_count(("c",)),)  # the stacked sets count their own rows


def test_a_set_alone_keeps_deequs_groupby_and_many_columns_split_the_sets():
    (group,) = [p for p in _plan("uniqueness: {column: a, must_be_at_most: 0.5}").passes if p.provider == GROUPING]
    assert group.strategy == FREQUENCIES
    many = "\n".join(f"uniqueness: {{column: c{i}, must_be_at_most: 0.5}}" for i in range(MAX_SET_COLUMNS + 2))
    groups = [p for p in _plan(many).passes if p.provider == GROUPING]
    assert [(p.strategy, len(p.grouping_sets)) for p in groups] == [(GROUPING_SETS, MAX_SET_COLUMNS),
                                                                    (GROUPING_SETS, 2)]


def test_a_metric_the_window_count_cannot_give_sends_the_whole_set_to_the_groupby():
    plan = _plan("is_unique: k\nentropy: {column: k, must_be_at_least: 0}\ndistinct_count: {column: k, must_be: 3}")
    (group,) = [p for p in plan.passes if p.provider == GROUPING]
    assert group.strategy == FREQUENCIES
    assert _kinds(group) == [("Uniqueness", ("k",)), ("Entropy", ("k",)), ("CountDistinct", ("k",))]


def test_windowed_analyzers_never_join_the_scan_and_share_one_pass_per_keys_and_time():
    plan = _plan(MIXED, schema={"pressure": "double", "ts": "timestamp"})
    windowed = [p for p in plan.passes if p.provider == WINDOWED]
    assert [p.window for p in windowed] == [(("sensor_id",), "ts"), (("sensor_id",), "reading_id")]
    first, second = windowed
    assert len(first.analyzers) == 2 and len(first.window_columns) == 2  # two constraints, one shuffle
    assert len(second.analyzers) == 1
    assert {c.name for c in first.window_columns} == {c for s in first.analyzers for c in s.columns}
    assert first.columns[:2] == ("sensor_id", "ts")
    window_names = {c.name for p in windowed for c in p.window_columns}
    for p in plan.passes:
        if p.provider != WINDOWED:
            assert not window_names & set(p.columns), p
    # a window column is no derived column: the runner never adds it to the frame the scan reads
    assert not window_names & {name for name, _ in plan.derived_columns}


def test_each_metric_records_the_provider_that_answered_it():
    plan = _plan(MIXED, schema={"pressure": "double", "ts": "timestamp"})
    outputs = {spec: AnalyzerOutput(records=(MetricRecord("Column", ",".join(spec.columns) or "*", spec.kind, 1.0),))
               for p in plan.passes for spec in p.specs}
    records = plan.metric_records(outputs)
    assert len(records) == len(plan.analyzers)
    providers = {(r.name, r.instance): r.provider for r in records}
    assert providers[("ColumnCount", "*")] == METADATA
    assert providers[("Size", "*")] == SCAN
    # a provider that answered stamps its records: a metadata fallback computed by the scan says so
    stamped = {**outputs, ROW_COUNT: AnalyzerOutput(records=(MetricRecord("Dataset", "*", "Size", 1.0,
                                                                             provider=METADATA),))}
    assert {r.name: r.provider for r in plan.metric_records(stamped)}["Size"] == METADATA
    assert providers[("ApproxQuantile", "pressure")] == SCAN
    assert providers[("Uniqueness", "reading_id")] == GROUPING
    assert providers[("Entropy", "status")] == GROUPING
    # a metric over a window column is recorded under the user's column, answered by the window pass
    assert providers[("Maximum", "temperature")] == WINDOWED
    assert all(r.provider for r in records)
    assert plan.provider_of(AnalyzerSpec("Mean", ("nothing",))) == ""


def test_the_log_is_asked_for_counts_and_numeric_extrema_of_every_row_only():
    constraints = """
row_count: {must_be_greater_than: 0}
min: {column: pressure, must_be_at_least: 0}
max: {column: n, must_be_at_most: 9}
max: {column: ts, must_be_at_most: 1900000000}
min: {column: label, must_be_at_least: 0}
min: {column: amount, must_be_at_least: 0}
"""
    schema = {"pressure": "double", "n": "int", "ts": "timestamp", "label": "string", "amount": "decimal(10,2)"}
    # timestamps are planned on derived epoch columns (and decimals Delta does not answer): a scan
    # reads anyway, so nothing is asked of the log
    assert all(p.provider != METADATA for p in _plan(constraints, schema=schema).passes)
    numeric = "\n".join(constraints.strip().splitlines()[:3])
    metadata, fused = _plan(numeric, schema=schema).passes
    assert metadata.provider == METADATA and fused.analyzers == ()
    assert _kinds(metadata) == [("Size", ()), ("Minimum", ("pressure",)), ("Maximum", ("n",))]
    assert metadata.fallback == metadata.analyzers
    # one analyzer that needs a scan: the scan computes them all
    assert all(p.provider != METADATA for p in _plan(numeric + "\nis_complete: pressure", schema=schema).passes)
    constraints = numeric
    # a dataset filter: the log's counts are of other rows
    assert all(p.provider != METADATA for p in _plan(constraints, schema=schema, where="n > 1").passes)
    # no schema (a plan made before pinning): nothing is known about column types
    assert all(p.provider != METADATA for p in _plan(constraints).passes)
    # a filtered row count (the helper of a grouping pass) is never a log answer
    grouped = _plan("entropy: {column: label, must_be_greater_than: 0}", schema=schema)
    fused = grouped.passes[0]
    assert fused.provider == SCAN and fused.analyzers == (ROW_COUNT,) and fused.helpers == (key_row_count(("label",)),)


def test_a_plan_without_grouping_or_windows_is_one_scan():
    plan = _plan("row_count: {must_be_greater_than: 0}\nis_complete: a\nmean: {column: b, must_be: 1}")
    assert [(p.provider, p.strategy) for p in plan.passes] == [(SCAN, "fused")]
    assert plan.passes[0].analyzers == plan.analyzers and plan.passes[0].helpers == ()


def test_window_mistakes_in_registry_code_are_refused():
    from dqengine.checks.base import WindowColumn
    from dqengine.planner import _passes

    a = WindowColumn("_w_a", ("k",), "t", "lag(`x`) OVER {window}")
    b = WindowColumn("_w_b", ("k",), "u", "lag(`x`) OVER {window}")
    with pytest.raises(ValueError, match="2 different windows"):
        _passes((AnalyzerSpec("Correlation", ("_w_a", "_w_b")),), {"_w_a": a, "_w_b": b}, ())
    with pytest.raises(ValueError, match="grouping analyzer over a window column"):
        _passes((AnalyzerSpec("Uniqueness", ("_w_a",)),), {"_w_a": a}, ())


def test_a_metric_over_a_window_column_is_keyed_by_what_the_window_computes():
    """Not by the window column's generated name: the user's column, the expression and its
    (keys, time) window are the key; another window or expression is another metric."""
    from dqengine.identity import MetricScope, metric_key

    scope = MetricScope("/t")

    def key(line: str) -> str:
        plan = _plan(line)
        (spec,) = [s for p in plan.passes if p.provider == WINDOWED for s in p.analyzers]
        return plan.metric_key(spec, "Maximum", scope)

    base = key("max_step: {column: v, keys: [sensor_id], time: ts, must_be_at_most: 5}")
    assert base == key("max_step: {column: v, keys: [sensor_id], time: ts, must_be_at_most: 9}")
    assert base != key("max_step: {column: v, keys: [sensor_id], time: seq, must_be_at_most: 5}")
    assert base != key("max_step: {column: v, keys: [plant], time: ts, must_be_at_most: 5}")
    assert base != key("max_step: {column: v, keys: [sensor_id], time: ts, must_be_at_most: 5, "
                       "step_sql: 'v - lag(v) OVER {window}'}")
    expected = metric_key(AnalyzerSpec("Maximum", ("any_name",), (("instance", "v"),)), "Maximum", scope,
                          {"any_name": "abs(`v` - lag(`v`) OVER (PARTITION BY `sensor_id` ORDER BY `ts`))"},
                          {"any_name": "v"})
    assert base == expected
