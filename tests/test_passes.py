"""Each pass kind on Spark: the planned passes give exactly the metrics of one Deequ analysis.

Data with nulls (also in a composite key), duplicates, rows whose keys are all null and a
``where`` filter; Deequ's analysis of all analyzers at once is the reference.
"""
from __future__ import annotations

import logging
import math

import pytest
from passes_helpers import registry

from dqengine.checks import parse_suite
from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.planner import FREQUENCIES, GROUPING, GROUPING_SETS, SCAN, WINDOW_COUNT, WINDOWED, Pass, plan_suite
from dqengine.results import ConstraintStatus, MetricRecord, RunStatus
from dqengine.spark.deequ import compute_metrics
from dqengine.planner import ROW_COUNT, key_bounds
from dqengine.spark.providers import (
    GroupingProvider,
    PassContext,
    bitmap_counts,
    compute_plan,
    dense_key,
    grouping_set_counts,
    window_counts,
    windowed_frame,
)
from dqengine.spark.runner import run_suite

SCHEMA = "id BIGINT, sensor STRING, ts TIMESTAMP, v DOUBLE, status STRING, plant STRING"
ROWS = [
    (1, "a", "2024-01-01 00:00:00", 1.0, "OK", "P1"),
    (2, "a", "2024-01-01 00:01:00", 4.0, "OK", "P1"),
    (2, "a", "2024-01-01 00:02:00", None, "WARN", "P1"),     # duplicate id
    (3, "b", "2024-01-01 00:00:00", 2.0, None, "P1"),
    (4, "b", "2024-01-01 00:00:00", 2.5, "OK", "P1"),       # duplicate (sensor, ts)
    (5, None, "2024-01-01 00:03:00", 7.0, "FAIL", "P1"),    # composite key half null
    (6, None, None, None, None, "P1"),                      # composite key all null
    (None, "c", "2024-01-01 00:05:00", 3.0, "OK", "P1"),    # null id
    (None, "c", "2024-01-01 00:09:00", 9.0, "OK", "P1"),
    (7, "c", "2024-01-01 00:10:00", 9.5, "OK", "P2"),       # filtered out by the where
    (8, "d", "2024-01-01 00:10:00", None, "OK", "P1"),
]
MIXED = """
      - row_count: {must_be_greater_than: 0}
      - column_count: {must_be: 6}
      - is_unique: id
      - distinctness: {column: id, must_be_at_least: 0.5}
      - distinct_count: {column: id, must_be_at_least: 1}
      - is_primary_key: [sensor, ts]
      - distinct_count: {columns: [ts, sensor], must_be_at_least: 1}
      - distinctness: {columns: [sensor, ts], must_be_at_least: 0.5}
      - uniqueness: {column: sensor, must_be_at_least: 0.1}
      - distinct_count: {column: sensor, must_be_at_least: 1}
      - entropy: {column: status, must_be_at_least: 0}
      - uniqueness: {columns: [status, sensor], must_be_at_most: 1}
      - completeness: {column: v, must_be_at_least: 0.5}
      - between: {column: v, min: 0, max: 10}
      - mean: {column: v, must_be_between: [0, 10]}
      - min: {column: ts, must_be_at_least: 0}
      - quantile: {column: v, quantile: 0.5, must_be_between: [0, 10]}
      - approx_distinct_count: {column: sensor, must_be_at_least: 1}
      - data_type: {column: status, type: string}
"""


def _comparable(output):
    """An output's records, errors and flags, with NaN (Deequ's ratio of an empty histogram) equal to itself."""
    records = tuple((r.entity, r.instance, r.name, "NaN" if r.value is not None and math.isnan(r.value) else r.value,
                     r.error) for r in output.records)
    return records, output.undefined, output.error


def _suite(path: str, constraints: str, where: str | None = None):
    filt = f", where: \"{where}\"" if where else ""
    return parse_suite(f"suite: passes\ndataset: {{path: '{path}'{filt}}}\nchecks:\n  - name: c\n"
                       f"    constraints:\n{constraints}", "passes.yml", registry())


@pytest.fixture
def table(spark, tmp_path):
    from pyspark.sql import functions as F

    path = str(tmp_path / "readings")
    spark.createDataFrame(ROWS, SCHEMA.replace("ts TIMESTAMP", "ts STRING")) \
        .withColumn("ts", F.to_timestamp("ts")).write.format("delta").save(path)
    return path


def _frame(spark, path, plan, where=None):
    from pyspark.sql import functions as F

    df = spark.read.format("delta").load(path)
    if where:
        df = df.where(where)
    for name, expression in plan.derived_columns:
        df = df.withColumn(name, F.expr(expression))
    return df


@pytest.mark.parametrize("where", [None, "plant = 'P1'", "plant = 'nowhere'"], ids=["all", "where", "no_rows"])
def test_planned_passes_equal_one_deequ_analysis(spark, table, where):
    schema = dict(spark.read.format("delta").load(table).dtypes)
    plan = plan_suite(_suite(table, MIXED, where), schema=schema)
    strategies = {(p.provider, p.strategy) for p in plan.passes}
    assert {(GROUPING, WINDOW_COUNT), (GROUPING, FREQUENCIES), (GROUPING, GROUPING_SETS), (SCAN, "fused"),
            (SCAN, "sketch")} <= strategies
    df = _frame(spark, table, plan, where)

    planned = compute_plan(df, plan)
    reference = compute_metrics(df, plan.analyzers)
    for spec in plan.analyzers:
        if spec.kind == "ColumnCount":  # Deequ counts the derived epoch column too: see the next test
            continue
        assert _comparable(planned[spec]) == _comparable(reference[spec]), spec
    if where == "plant = 'nowhere'":
        assert planned[AnalyzerSpec("Uniqueness", ("id",))].undefined
        assert planned[AnalyzerSpec("CountDistinct", ("id",))].value() == 0.0


def test_column_count_is_the_tables_without_the_columns_the_engine_derives(spark, table, tmp_path):
    run = run_suite(spark, _suite(table, MIXED), record=False)
    by_name = {r.constraint: r for r in run.constraints}
    assert by_name["column_count"].status is ConstraintStatus.PASSED, by_name["column_count"].message
    raw = compute_metrics(spark.read.format("delta").load(table), [AnalyzerSpec("ColumnCount")])
    assert raw[AnalyzerSpec("ColumnCount")].value() == by_name["column_count"].metric_value == 6.0


@pytest.mark.parametrize("columns", [("id",), ("sensor", "ts"), ("status", "sensor")], ids=lambda c: "+".join(c))
def test_window_count_gives_deequs_exact_uniqueness_distinctness_and_distinct_count(spark, table, columns):
    df = spark.read.format("delta").load(table)
    specs = (AnalyzerSpec("Uniqueness", columns), AnalyzerSpec("Distinctness", columns),
             AnalyzerSpec("CountDistinct", tuple(reversed(columns))))
    windowed = GroupingProvider()._window_count(df, Pass(GROUPING, specs, columns, WINDOW_COUNT,
                                                         grouping=tuple(sorted(columns))))
    reference = compute_metrics(df, specs)
    for spec in specs:
        assert windowed[spec].records == reference[spec].records, spec
    physical = window_counts(df, Pass(GROUPING, specs, columns, WINDOW_COUNT, grouping=tuple(sorted(columns))))
    physical = physical._jdf.queryExecution().executedPlan().toString()
    assert physical.count("Exchange hashpartitioning") == 1 and physical.count("Sort [") == 1
    # data with nulls and duplicates: none of these metrics is trivially 0 or 1
    assert 0 < windowed[specs[0]].value() < 1


def _keys(spark, ids):
    return spark.createDataFrame([(i,) for i in ids], "k BIGINT")


# Around zero and across bucket boundaries (32768 values each, bucket 0 holds 0 and below):
# repeats in two buckets, a value three times, nulls.
DENSE = [*range(-40000, 80000), 5, 5, -32768, -32768, -32768, 70001, None, None]


@pytest.mark.parametrize("ids", [DENSE, [*range(-40000, 80000), None], [7] * 3000],
                         ids=["repeats", "all_once", "one_value"])
def test_bitmaps_count_a_dense_integral_key_exactly_as_deequ(spark, ids, caplog):
    df = _keys(spark, ids)
    specs = (AnalyzerSpec("Uniqueness", ("k",)), AnalyzerSpec("Distinctness", ("k",)),
             AnalyzerSpec("CountDistinct", ("k",)))
    group = Pass(GROUPING, specs, ("k",), WINDOW_COUNT, grouping=("k",))
    window = window_counts(df, group).collect()[0]
    assert bitmap_counts(df, group) == (window["rows"], window["once"], window["keys"])

    plan = plan_suite(_suite("/nowhere", "      - is_unique: k\n      - distinctness: {column: k, must_be: 1}\n"
                                         "      - distinct_count: {column: k, must_be: 1}\n      - is_complete: k\n"),
                      schema={"k": "bigint"})
    scan, grouping = plan.passes
    assert set(key_bounds("k")) <= set(scan.helpers)
    with caplog.at_level(logging.INFO, logger="dqengine.spark.providers"):
        outputs = compute_plan(df, plan)
    assert dense_key(df, grouping, outputs)
    assert "k: a dense integral key, counted with bitmaps" in caplog.text
    reference = compute_metrics(df, grouping.analyzers)
    for spec in grouping.analyzers:
        assert _comparable(outputs[spec]) == _comparable(reference[spec]), spec


def test_the_states_of_the_plans_helpers_are_never_written(spark):
    from dqengine.spark.states import StateCapture

    df = _keys(spark, DENSE)
    plan = plan_suite(_suite("/nowhere", "      - is_unique: k\n      - is_complete: k\n"), schema={"k": "bigint"})
    helpers = set(plan.passes[0].helpers)
    assert set(key_bounds("k")) <= helpers
    capture = StateCapture()
    compute_plan(df, plan, states=capture)
    assert capture.skip == helpers
    assert AnalyzerSpec("Completeness", ("k",)) in capture.states  # waits for the background thread
    assert not helpers & set(capture.states)


def _bounded(low, high, rows):
    return {AnalyzerSpec("Minimum", ("k",)): AnalyzerOutput(records=(MetricRecord("Column", "k", "Minimum", low),)),
            AnalyzerSpec("Maximum", ("k",)): AnalyzerOutput(records=(MetricRecord("Column", "k", "Maximum", high),)),
            ROW_COUNT: AnalyzerOutput(records=(MetricRecord("Dataset", "*", "Size", rows),))}


def test_only_a_dense_integral_key_is_counted_with_bitmaps(spark):
    group = Pass(GROUPING, (AnalyzerSpec("Uniqueness", ("k",)),), ("k",), WINDOW_COUNT, grouping=("k",))
    df = _keys(spark, [1])
    assert dense_key(df, group, _bounded(0.0, 99_999.0, 100_000.0))
    assert not dense_key(df, group, _bounded(0.0, 1e12, 100_000.0))        # sparse: one row per bucket
    assert not dense_key(df, group, _bounded(0.0, 2.0**31, 1e9))            # dense, but too many buckets
    assert not dense_key(df, group, {ROW_COUNT: _bounded(0, 1, 1)[ROW_COUNT]})  # no bounds (the scan failed)
    strings = spark.createDataFrame([("1",)], "k STRING")
    assert not dense_key(strings, group, _bounded(0.0, 99_999.0, 100_000.0))


def test_grouping_sets_count_every_set_in_one_aggregation_as_deequ(spark, table):
    df = spark.read.format("delta").load(table)
    sets = (("sensor",), ("sensor", "ts"), ("status",), ("id",), ("plant", "status"))
    specs = tuple(AnalyzerSpec(kind, columns) for columns in sets
                  for kind in ("Uniqueness", "Distinctness", "CountDistinct"))
    group = Pass(GROUPING, specs, (), GROUPING_SETS, grouping_sets=sets)
    assert grouping_set_counts(df, sets)[("sensor", "ts")][0] == 10  # the query itself, no fallback
    counted = GroupingProvider().compute(df, group, PassContext(plan_suite(_suite(table, MIXED)), {}, tuple(df.columns)))
    reference = compute_metrics(df, specs)
    for spec in specs:
        assert counted[spec].records == reference[spec].records, spec
    assert 0 < counted[AnalyzerSpec("Uniqueness", ("sensor", "ts"))].value() < 1  # not trivially 0 or 1
    # no rows at all: counts of zero, the ratios undefined as Deequ has them
    empty = df.where("plant = 'nowhere'")
    counted = GroupingProvider().compute(empty, group, PassContext(plan_suite(_suite(table, MIXED)), {}, tuple(df.columns)))
    reference = compute_metrics(empty, specs)
    for spec in specs:
        assert _comparable(counted[spec]) == _comparable(reference[spec]), spec


def test_grouping_sets_read_any_column_name_in_one_query(spark, caplog):
    names = ["g", "n", "a.b", "we`ird", "_dq_gid x"]
    rows = [(1, 1, "x", None, 1.0), (1, 2, "x", "p", 1.0), (2, 2, None, "p", -0.0), (None, 3, "y", "q", 0.0)]
    schema = ", ".join(f"`{n.replace('`', '``')}` {t}" for n, t in zip(names, ["INT", "INT", "STRING", "STRING", "DOUBLE"]))
    df = spark.createDataFrame(rows, schema)
    sets = (("g",), ("n",), ("a.b",), ("we`ird",), ("_dq_gid x",), ("a.b", "g"))
    counts = grouping_set_counts(df, sets)  # raises if the query does not analyse: no fallback here
    assert counts[("g",)] == (3, 1, 2) and counts[("_dq_gid x",)] == (4, 0, 2)  # -0.0 groups with 0.0
    specs = tuple(AnalyzerSpec(kind, c) for c in sets for kind in ("Uniqueness", "CountDistinct"))
    group = Pass(GROUPING, specs, (), GROUPING_SETS, grouping_sets=sets)
    with caplog.at_level(logging.INFO, logger="dqengine.spark.providers"):
        counted = GroupingProvider().compute(df, group, PassContext(None, {}, tuple(df.columns)))
    assert "failed together" not in caplog.text
    assert counts[("we`ird",)] == (3, 1, 2)  # Deequ itself cannot read a name with a backtick
    assert counted[AnalyzerSpec("Uniqueness", ("we`ird",))].value() == 1 / 3
    others = tuple(spec for spec in specs if spec.columns != ("we`ird",))
    reference = compute_metrics(df, others)
    for spec in others:
        assert counted[spec].records == reference[spec].records, spec


def test_a_set_spark_cannot_group_fails_alone(spark):
    df = spark.createDataFrame([(1, "a", {"x": 1}), (2, "a", {"y": 2})], "k BIGINT, s STRING, m MAP<STRING, INT>")
    sets = (("s",), ("m",), ("k",))
    specs = tuple(AnalyzerSpec("CountDistinct", c) for c in sets)
    group = Pass(GROUPING, specs, (), GROUPING_SETS, grouping_sets=sets)
    counted = GroupingProvider().compute(df, group, PassContext(None, {}, tuple(df.columns)))
    assert counted[specs[0]].value() == 1.0 and counted[specs[2]].value() == 2.0
    assert counted[specs[1]].error and not counted[specs[0]].error


def test_frequencies_with_the_scans_row_count_give_deequs_values(spark, table):
    df = spark.read.format("delta").load(table)
    plan = plan_suite(_suite(table, """
      - entropy: {column: status, must_be_at_least: 0}
      - uniqueness: {column: status, must_be_at_most: 1}
      - distinct_count: {column: status, must_be_at_least: 1}
"""))
    scan, group = plan.passes
    assert group.strategy == FREQUENCIES and scan.helpers
    outputs = compute_plan(df, plan)
    assert outputs[scan.helpers[0]].value() == 9.0  # rows with a status
    reference = compute_metrics(df, group.analyzers)
    for spec in group.analyzers:
        assert {r.provider for r in outputs[spec].records} == {GROUPING}  # stamped by compute_plan
        assert _comparable(outputs[spec]) == _comparable(reference[spec])
    # without the scan's row count (the scan failed), Deequ's runner counts it: same values
    alone = GroupingProvider().compute(df, group, PassContext(plan, {}, tuple(df.columns)))
    assert {s: o.records for s, o in alone.items()} == {s: reference[s].records for s in group.analyzers}


def test_the_windowed_pass_is_one_shuffle_apart_from_the_scan(spark, table, caplog):
    suite = _suite(table, """
      - max_step: {column: v, keys: [sensor], time: ts, must_be_at_most: 6}
      - max_step: {column: id, keys: [sensor], time: ts, must_be_at_most: 100}
      - mean: {column: v, must_be_between: [0, 10]}
""")
    plan = plan_suite(suite, schema=dict(spark.read.format("delta").load(table).dtypes))
    (windowed,) = [p for p in plan.passes if p.provider == WINDOWED]
    df = spark.read.format("delta").load(table)
    frame = windowed_frame(df, windowed)
    physical = frame._jdf.queryExecution().executedPlan().toString()
    assert physical.count("Exchange") == 1 and "Window" in physical
    assert "Window" not in df._jdf.queryExecution().executedPlan().toString()

    with caplog.at_level(logging.INFO, logger="dqengine"):
        run = run_suite(spark, suite, record=False)
    assert run.status is RunStatus.PASSED, [r.message for r in run.constraints]
    steps = {r.label: r.metric_value for r in run.constraints}
    # per sensor, ordered by ts: a 1,4,null -> 3; b 2,2.5 (equal ts, either order) -> 0.5; c 3,9,9.5 -> 6
    assert steps["max_step(v)"] == 6.0
    providers = {(m.name, m.instance): m.provider for m in run.metrics}
    assert providers[("Maximum", "v")] == WINDOWED and providers[("Mean", "v")] == SCAN


def test_a_failing_window_expression_errors_only_its_constraint(spark, table):
    suite = _suite(table, """
      - max_step: {column: v, keys: [sensor], time: ts, must_be_at_most: 6, step_sql: "raise_error('clock broke') + lag(v) OVER {window}"}
      - is_unique: sensor
      - mean: {column: v, must_be_between: [0, 10]}
      - distinct_count: {column: status, must_be_at_least: 1}
""")
    run = run_suite(spark, suite, record=False)
    by_name = {r.constraint: r for r in run.constraints}
    assert by_name["max_step"].status is ConstraintStatus.ERROR and "clock broke" in by_name["max_step"].message
    assert by_name["mean"].status is ConstraintStatus.PASSED
    assert by_name["distinct_count"].status is ConstraintStatus.PASSED
    assert by_name["is_unique"].status is ConstraintStatus.FAILED  # computed, and judged


def test_a_failing_grouping_pass_errors_only_its_constraints(spark, table):
    from dqengine.checks import ConstraintRegistry
    from dqengine.checks.builtin import ColumnOrColumnsThreshold, MetricConstraint

    class BrokenKey(MetricConstraint):  # a key Spark fails on while it reads the rows
        name = "broken_key_uniqueness"
        analyzer = "Uniqueness"
        params_model = ColumnOrColumnsThreshold
        dimension = "uniqueness"
        summary = example = "test only"

        def columns(self, params):
            return ("_dq_broken_key",)

        def checked_columns(self, params):
            return ()

        def derived_columns(self, params):
            return {"_dq_broken_key": "raise_error('key broke')"}

    suite = parse_suite(f"suite: s\ndataset: {{path: '{table}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - broken_key_uniqueness: {column: id, must_be: 1}\n"
                        "      - mean: {column: v, must_be_between: [0, 10]}\n"
                        "      - distinct_count: {column: status, must_be_at_least: 1}\n",
                        "s.yml", ConstraintRegistry([*registry(), BrokenKey()]))
    run = run_suite(spark, suite, record=False)
    by_name = {r.constraint: r for r in run.constraints}
    assert by_name["broken_key_uniqueness"].status is ConstraintStatus.ERROR
    assert "key broke" in by_name["broken_key_uniqueness"].message
    assert by_name["mean"].status is ConstraintStatus.PASSED
    assert by_name["distinct_count"].status is ConstraintStatus.PASSED


def test_a_run_records_one_commit_with_the_provider_of_each_metric(spark, table, tmp_path):
    run = run_suite(spark, _suite(table, MIXED, "plant = 'P1'"), metrics=str(tmp_path / "m"))
    assert run.row_count == 10
    assert {m.provider for m in run.metrics} == {"metadata", SCAN, GROUPING}
    assert all(m.provider for m in run.metrics)
    from delta.tables import DeltaTable

    history = DeltaTable.forPath(spark, str(tmp_path / "m" / "dq_records")).history().collect()
    assert [h.operation for h in history if h.operation not in ("CREATE TABLE",)] == ["WRITE"]


def test_the_delta_log_answers_counts_and_extrema_while_it_can_and_the_scan_after(spark, tmp_path):
    """A suite whose scan would only count rows and take numeric extrema asks Delta, which answers
    from its file statistics, Deequ's values exactly; once a deletion vector makes the extrema
    inexact (or a column has no value) the fused scan computes them, in the same run."""
    from pyspark.sql import functions as F

    path = str(tmp_path / "stats")
    spark.range(0, 500, numPartitions=3).select(
        F.col("id"), (F.col("id") % 7).cast("int").alias("n"),
        F.when(F.col("id") % 10 == 0, None).otherwise(F.col("id") * 0.5).alias("v"),
        F.lit(None).cast("double").alias("empty"), F.col("id").cast("string").alias("label"),
    ).write.format("delta").option("delta.enableDeletionVectors", "true").save(path)
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id >= 480")  # version 1: a deletion vector
    constraints = """
      - row_count: {must_be_greater_than: 0}
      - min: {column: v, must_be_at_least: 0}
      - max: {column: n, must_be_at_most: 6}
      - max: {column: empty, must_be_at_most: 1}
"""
    suite = _suite(path, constraints)
    for version, from_log in ((0, True), (1, False)):
        df = spark.read.format("delta").option("versionAsOf", version).load(path)
        plan = plan_suite(suite, schema=dict(df.dtypes))
        logged = {AnalyzerSpec("Size"), AnalyzerSpec("Minimum", ("v",)), AnalyzerSpec("Maximum", ("n",)),
                  AnalyzerSpec("Maximum", ("empty",))}
        assert set(plan.passes[0].fallback) == logged
        planned = compute_plan(df, plan)
        reference = compute_metrics(df, plan.analyzers)
        for spec in plan.analyzers:
            assert _comparable(planned[spec]) == _comparable(reference[spec]), (version, spec)
        providers = {s: {r.provider for r in planned[s].records} for s in logged}
        # with a deletion vector Delta still counts (records minus deleted) but has no exact extrema
        assert providers[AnalyzerSpec("Size")] == {"metadata"}
        assert providers[AnalyzerSpec("Minimum", ("v",))] == providers[AnalyzerSpec("Maximum", ("n",))] \
            == {"metadata" if from_log else SCAN}, version
        # no value in the statistics of a column of nulls: Deequ computes it and says why
        assert providers[AnalyzerSpec("Maximum", ("empty",))] == {SCAN}
        assert planned[AnalyzerSpec("Maximum", ("empty",))].undefined
    assert planned[AnalyzerSpec("Size")].value() == 480.0
