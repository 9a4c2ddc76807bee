"""One constraint that Spark cannot compute must not take the others down with it.

Deequ fuses every scan-shareable analyzer into one aggregation; an expression that fails while the
data is read (here `raise_error`, which resolves and type-checks, so no pre-check can catch it)
fails that whole pass. The engine recomputes the pass's analyzers apart, so only the culprit is
ERROR and the run's verdict rests on the others.
"""
from __future__ import annotations

import logging

from dqengine.checks import parse_suite
from dqengine.errors import first_line
from dqengine.results import ConstraintStatus, RunStatus
from dqengine.spark.runner import run_suite


def _suite(path: str, bad: str) -> str:
    return f"""
suite: poison
dataset: {{path: '{path}'}}
checks:
  - name: keys
    constraints:
      - row_count: {{must_be: 3}}
      - is_complete: id
      - is_unique: id
      - mean: {{column: value, must_be_between: [1, 3]}}
      - between: {{column: value, min: 0, max: 10}}
  - name: mistakes
    severity: warning
    constraints:
      - {bad}
"""


def test_a_failing_expression_does_not_poison_the_other_constraints(spark, delta_table, tmp_path, caplog):
    data = delta_table([(1, 1.0), (2, 2.0), (3, 3.0)], "id BIGINT, value DOUBLE")
    suite = parse_suite(_suite(data, "satisfies: {expression: \"raise_error('sensor table is corrupt') IS NULL\", "
                                     "label: boom}"), str(tmp_path / "s.yml"))
    with caplog.at_level(logging.INFO, logger="dqengine"):
        run = run_suite(spark, suite, metrics=str(tmp_path / "m"))
    by_label = {r.label: r for r in run.constraints}
    assert by_label["boom"].status is ConstraintStatus.ERROR
    assert "sensor table is corrupt" in by_label["boom"].message
    assert "An error occurred while calling" not in by_label["boom"].message
    others = [r for r in run.constraints if r.label != "boom"]
    assert [r.status for r in others] == [ConstraintStatus.PASSED] * 5, [(r.label, r.message) for r in others]
    assert run.row_count == 3
    # a warning-level mistake warns; it does not block
    assert run.status is RunStatus.WARNING
    assert any("recomputing them apart" in r.getMessage() for r in caplog.records)


def test_a_clean_run_is_one_analysis(spark, delta_table, tmp_path, caplog):
    data = delta_table([(1, 1.0), (2, 2.0), (3, 3.0)], "id BIGINT, value DOUBLE")
    suite = parse_suite(_suite(data, "non_negative: value"), str(tmp_path / "s.yml"))
    with caplog.at_level(logging.INFO, logger="dqengine"):
        run = run_suite(spark, suite, record=False)
    assert run.status is RunStatus.PASSED
    analyses = [r for r in caplog.records if "Deequ analyzers in one analysis" in r.getMessage()]
    assert len(analyses) == 1  # no recomputation when nothing failed


def test_unreadable_data_is_not_bisected(spark, delta_table, tmp_path, caplog):
    """Data files gone after pinning: every analyzer that reads them fails with the real reason, the
    ones that need no file still answer, and the recomputation stays bounded."""
    from pathlib import Path

    from dqengine.planner import plan_suite
    from dqengine.spark.dataset import pin_dataset
    from dqengine.spark.deequ import compute_metrics

    data = delta_table([(1, 1.0), (2, 2.0), (3, 3.0)], "id BIGINT, value DOUBLE")
    suite = parse_suite(f"""
suite: gone
dataset: {{path: '{data}'}}
checks:
  - name: c
    constraints:
      - is_complete: id
      - mean: {{column: value, must_be_between: [1, 3]}}
      - between: {{column: value, min: 0, max: 10}}
      - non_negative: value
""", str(tmp_path / "s.yml"))
    pinned = pin_dataset(spark, suite)
    for parquet in Path(data).glob("*.parquet"):  # the data files vanish after the version was pinned
        parquet.unlink()
    with caplog.at_level(logging.INFO, logger="dqengine"):
        outputs = compute_metrics(pinned.df, plan_suite(suite).analyzers)
    row_count = next(o for spec, o in outputs.items() if spec.kind == "Size")
    assert row_count.value() == 3  # Delta answers a count from its log, without the files
    failed = [o for spec, o in outputs.items() if spec.kind != "Size"]
    assert len(failed) == 4 and all("does not exist" in (o.error or "") for o in failed)
    analyses = [r for r in caplog.records if "Deequ analyzers in one analysis" in r.getMessage()]
    assert len(analyses) <= 2 * len(outputs) - 1  # bisection stays bounded when everything fails


def test_first_line_is_the_innermost_java_cause(spark):
    from py4j.protocol import Py4JJavaError

    try:
        spark._jvm.java.lang.Class.forName("com.example.NoSuchSensor")
    except Py4JJavaError as exc:
        assert str(exc).startswith("An error occurred while calling")
        assert first_line(exc) == "com.example.NoSuchSensor"
    else:
        raise AssertionError("expected a Java exception")

    class Throwable:  # a Java exception chain as Py4J shows it
        def __init__(self, message, cause=None):
            self.message, self.cause = message, cause

        def getCause(self):
            return self.cause

        def getMessage(self):
            return self.message

        def getClass(self):
            return type("C", (), {"getName": lambda self: "x.Y"})()

    wrapped = Exception("An error occurred while calling o64.run.\n: org.apache.spark.SparkException: Job aborted")
    wrapped.java_exception = Throwable("Job aborted", Throwable("wrapper", Throwable(
        "[DELTA_CANNOT_CREATE_LOG_PATH] Cannot create file:/ro/_delta_log\n\tat org...")))
    assert first_line(wrapped) == "[DELTA_CANNOT_CREATE_LOG_PATH] Cannot create file:/ro/_delta_log"
    plain = Exception("An error occurred while calling o12.sql.\n: java.lang.IllegalStateException: bad state")
    assert first_line(plain) == "java.lang.IllegalStateException: bad state"
