"""NaN is a value, not a null: quantile is NOT_EVALUATED on a column holding one, no_nan counts
them, and the pandas trap documented in docs/constraints.md behaves as the docs say."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dqengine.checks import parse_suite
from dqengine.results import ConstraintStatus
from dqengine.spark.runner import run_suite

DOC = (Path(__file__).resolve().parent.parent / "docs" / "constraints.md").read_text(encoding="utf-8")
NAN_SECTION = DOC.split("\n## NaN values\n", 1)[1]
SNIPPETS = re.findall(r"```python\n(.*?)```", NAN_SECTION, re.S)

CONSTRAINTS = """
      - is_complete: temperature
      - no_nan: temperature
      - quantile: {column: temperature, quantile: 0.5, must_be_between: [1500, 1510]}
      - mean: {column: temperature, must_be_between: [1500, 1510]}
"""


def _verify(spark, df, path: str):
    df.write.format("delta").mode("overwrite").save(path)
    suite = parse_suite(f"suite: nan\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:"
                        f"{CONSTRAINTS}", "nan.yml")
    return run_suite(spark, suite, record=False).constraints


def test_the_pandas_snippet_in_the_docs_behaves_as_documented(spark, tmp_path):
    assert len(SNIPPETS) == 2
    scope = {"spark": spark}
    exec(SNIPPETS[0], scope)  # noqa: S102 - our own documentation, run as written
    df = scope["df"]
    assert df.where("temperature IS NULL").count() == 0
    assert df.where("isnan(temperature)").count() == 1
    complete, no_nan, quantile, mean = _verify(spark, df, str(tmp_path / "nan"))
    assert (complete.status, complete.metric_value) == (ConstraintStatus.PASSED, 1.0)  # the trap
    assert (no_nan.status, no_nan.metric_value) == (ConstraintStatus.FAILED, pytest.approx(2 / 3))
    assert quantile.status is ConstraintStatus.NOT_EVALUATED and quantile.metric_value is None
    assert quantile.message == ("quantile(temperature, 0.5) is not evaluated: 1 of 3 rows of temperature are "
                                "NaN, which Spark ranks above every number; store them as NULL, or filter "
                                "them out with dataset.where: \"NOT isnan(temperature)\"")
    assert mean.status is ConstraintStatus.NOT_EVALUATED

    exec(SNIPPETS[1], scope)  # noqa: S102 - the documented fix
    fixed = scope["df"]
    assert fixed.where("temperature IS NULL").count() == 1
    complete, no_nan, quantile, mean = _verify(spark, fixed, str(tmp_path / "fixed"))
    assert (complete.status, complete.metric_value) == (ConstraintStatus.FAILED, pytest.approx(2 / 3))
    assert (no_nan.status, no_nan.metric_value) == (ConstraintStatus.PASSED, 1.0)
    assert (quantile.status, quantile.metric_value) == (ConstraintStatus.PASSED, 1500.0)
    assert (mean.status, mean.metric_value) == (ConstraintStatus.PASSED, 1505.0)


def test_quantile_without_nan_is_unchanged_and_shares_the_nan_count_with_no_nan(spark, delta_table, tmp_path):
    from dqengine.planner import plan_suite

    path = delta_table([(1.0,), (2.0,), (None,), (4.0,)], "v DOUBLE", name="plain")
    suite = parse_suite(f"suite: q\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - quantile: {column: v, quantile: 1.0, must_be: 4}\n      - no_nan: v\n", "q.yml")
    quantile, no_nan = run_suite(spark, suite, record=False).constraints
    assert (quantile.status, quantile.metric_value) == (ConstraintStatus.PASSED, 4.0)
    assert (no_nan.status, no_nan.metric_value) == (ConstraintStatus.PASSED, 1.0)
    kinds = [s.kind for s in plan_suite(suite, schema={"v": "double"}).analyzers]
    assert kinds == ["Size", "ApproxQuantile", "Compliance"]  # one NaN count for both


def test_nan_is_missing_makes_completeness_and_time_series_see_dropouts(spark, tmp_path):
    from datetime import datetime, timedelta

    t0 = datetime(2024, 1, 1)
    # one sensor frozen at 5.0 for four readings, with a NaN dropout in the middle
    values = [1.0, 5.0, 5.0, float("nan"), 5.0, 5.0, 2.0]
    rows = [("A", t0 + timedelta(minutes=i), v) for i, v in enumerate(values)]
    path = str(tmp_path / "dropouts")
    spark.createDataFrame(rows, "sensor STRING, ts TIMESTAMP, v DOUBLE").write.format("delta").save(path)
    items = ("      - is_complete: v\n"
             "      - stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 3}\n"
             "      - max_rate_of_change: {column: v, time: ts, by: [sensor], per: 1m, must_be_at_most: 4}\n")
    outcomes = {}
    for key in ("", "nan_is_missing: true\n"):
        suite = parse_suite(f"suite: nan\ndataset: {{path: '{path}'}}\n{key}checks:\n  - name: c\n"
                            f"    constraints:\n{items}", "nan.yml")
        outcomes[bool(key)] = [(r.status, r.metric_value) for r in run_suite(spark, suite, record=False).constraints]
    complete, stuck, rate = outcomes[False]
    assert complete == (ConstraintStatus.PASSED, 1.0)          # NaN is a value to Spark
    assert stuck == (ConstraintStatus.PASSED, 2.0)             # ... which breaks the frozen run
    assert rate[0] is ConstraintStatus.NOT_EVALUATED           # ... and makes the rate NaN
    complete, stuck, rate = outcomes[True]
    assert complete == (ConstraintStatus.FAILED, pytest.approx(6 / 7))
    assert stuck == (ConstraintStatus.FAILED, 4.0)             # the dropout is skipped
    assert rate == (ConstraintStatus.PASSED, 4.0)              # pairs 5 -> NaN, NaN -> 5 skipped; 1 -> 5 is 4/min
