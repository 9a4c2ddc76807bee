"""min/max of DATE and TIMESTAMP columns: computed by Deequ on derived epoch seconds (UTC, whatever
the session time zone), recorded under the user's column name, shown as ISO-8601 too."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from dqengine.checks import parse_suite
from dqengine.planner import plan_suite
from dqengine.results import ConstraintStatus
from dqengine.spark.dataset import pin_dataset
from dqengine.spark.deequ import compute_metrics
from dqengine.spark.runner import run_suite

UTC = timezone.utc
T_MIN = datetime(2024, 1, 1, tzinfo=UTC)
T_MAX = datetime(2024, 6, 30, 12, 30, 0, 500000, tzinfo=UTC)
ROWS = [
    (T_MIN, date(2024, 1, 1), datetime(2024, 1, 1), T_MIN),
    (T_MAX, date(2024, 3, 1), datetime(2024, 3, 1, 6), T_MAX),
    (None, None, None, None),
]
SCHEMA = "ts TIMESTAMP, d DATE, ntz TIMESTAMP_NTZ, `event-time` TIMESTAMP"
E_MIN, E_MAX = T_MIN.timestamp(), T_MAX.timestamp()  # 1704067200, 1719750600.5
D_MAX = datetime(2024, 3, 1, tzinfo=UTC).timestamp()  # 1709251200
NTZ_MAX = datetime(2024, 3, 1, 6, tzinfo=UTC).timestamp()

CONSTRAINTS = f"""
- min: {{column: ts, must_be: {E_MIN:.0f}}}
- max: {{column: ts, must_be_at_least: {E_MAX}}}
- max: {{column: ts, must_be_greater_than: {E_MAX}}}
- min: {{column: d, must_be_at_least: {E_MIN:.0f}}}
- max: {{column: d, must_be_less_than: {D_MAX:.0f}}}
- max: {{column: ntz, must_be: {NTZ_MAX:.0f}}}
- min: {{column: event-time, must_be_at_most: {E_MIN:.0f}}}
- is_complete: ts
"""


@pytest.fixture(scope="module")
def table(spark, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("dates") / "t")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(path)
    return path


@pytest.fixture
def new_york(spark):
    """A session time zone far from UTC: epoch seconds must not move with it."""
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    yield
    spark.conf.set("spark.sql.session.timeZone", before)


def _suite(path: str):
    body = "".join(f"      {line}\n" for line in CONSTRAINTS.strip().splitlines())
    return parse_suite(f"suite: d\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n{body}", "d.yml")


def test_min_and_max_of_dates_and_timestamps(spark, table, new_york):
    results = run_suite(spark, _suite(table), record=False).constraints
    got = [(r.label, r.status, r.metric_value) for r in results]
    assert got == [
        ("min(ts)", ConstraintStatus.PASSED, E_MIN),
        ("max(ts)", ConstraintStatus.PASSED, E_MAX),
        ("max(ts)", ConstraintStatus.FAILED, E_MAX),
        ("min(d)", ConstraintStatus.PASSED, E_MIN),
        ("max(d)", ConstraintStatus.FAILED, D_MAX),
        ("max(ntz)", ConstraintStatus.PASSED, NTZ_MAX),
        ("min(event-time)", ConstraintStatus.PASSED, E_MIN),
        ("is_complete(ts)", ConstraintStatus.FAILED, pytest.approx(2 / 3)),
    ]
    assert results[0].message == "min(ts) = 1704067200 (2024-01-01T00:00:00Z)"
    assert results[2].message == ("max(ts) = 1719750600.5 (2024-06-30T12:30:00.500000Z), "
                                  "expected > 1719750600.5")
    assert results[4].message == "max(d) = 1709251200 (2024-03-01T00:00:00Z), expected < 1709251200"


def test_metric_records_name_the_users_column(spark, table):
    suite = _suite(table)
    pinned = pin_dataset(spark, suite)
    plan = plan_suite(suite, schema=pinned.schema)
    df = pinned.df
    for name, expression in plan.derived_columns:
        df = df.withColumn(name, F_expr(expression))
    records = plan.metric_records(compute_metrics(df, plan.analyzers))
    by_metric = {(r.name, r.instance): r.value for r in records}
    assert by_metric[("Minimum", "ts")] == E_MIN and by_metric[("Maximum", "ts")] == E_MAX
    assert by_metric[("Maximum", "d")] == D_MAX and by_metric[("Minimum", "event-time")] == E_MIN
    assert not any(r.instance.startswith("_dq_") for r in records)


def F_expr(expression: str):
    from pyspark.sql import functions as F

    return F.expr(expression)
