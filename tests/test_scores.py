"""Quality scores end to end (issue #11): a run records its scores in the same commit (dq_scores),
matching a hand computation; a score below min_score fails the run and both gates refuse it, from
what is recorded. The pure rules are in test_scores_units.py."""
from __future__ import annotations

import pytest

from dqengine import fastgate
from dqengine import metrics_schema as ms
from dqengine.checks import load_suite
from dqengine.results import RunStatus
from dqengine.spark.gate import decide
from dqengine.spark.runner import run_suite
from dqengine.spark.store import MetricsLocation, register_views

# v: 1.0, -1.0, 2.0, NULL
#   non_negative(v)       validity      row fraction 3/4 (a NULL holds)   FAILED (warning)  weight 1
#   between(v, -5, 5)     validity      row fraction 4/4                  PASSED            weight 3
#   is_complete(v)        completeness  row fraction 3/4                  FAILED (warning)
#   is_unique(id)         uniqueness    1 (PASSED)
#   mean(v) >= 100        distribution  0 (FAILED, warning; not a row fraction)
#   validity = (0.75 * 1 + 1 * 3) / 4 = 0.9375; completeness = 0.75; uniqueness = 1; distribution = 0
#   overall = (0.75 + 0.9375 + 1 + 0) / 4 = 0.671875
SUITE = """
suite: scored
dataset: {{path: '{path}'}}
{min_score}
checks:
  - name: quality
    severity: warning
    constraints:
      - non_negative: v
      - between: {{column: v, min: -5, max: 5}}
        weight: 3
      - is_complete: v
      - is_unique: id
      - mean: {{column: v, must_be_at_least: 100}}
"""
EXPECTED = {"completeness": (0.75, 1, 0), "validity": (0.9375, 2, 0), "uniqueness": (1.0, 1, 0),
            "distribution": (0.0, 1, 0), "overall": (0.671875, 5, 0)}


@pytest.fixture
def scored(spark, tmp_path):
    path = str(tmp_path / "data")
    spark.createDataFrame([(0, 1.0), (1, -1.0), (2, 2.0), (3, None)], "id BIGINT, v DOUBLE") \
        .coalesce(1).write.format("delta").save(path)
    return path, str(tmp_path / "metrics")


def _both(spark, suite, metrics):
    location = MetricsLocation.parse(metrics)
    through_spark = decide(spark, suite, metrics=location)
    without_jvm = fastgate.decide(suite, version=None, location=location)
    assert through_spark == without_jvm
    return through_spark


def test_a_score_below_min_score_fails_the_run_and_both_gates_refuse_it(spark, scored, write_suite):
    path, metrics = scored
    strict = load_suite(write_suite(SUITE.format(path=path, min_score="min_score: {overall: 0.7, validity: 0.9}")))
    run = run_suite(spark, strict, metrics=metrics, run_id="strict")
    # every failing constraint is a warning: only the overall score fails the run
    assert run.status is RunStatus.FAILED
    assert run.score_failures == ("score overall = 0.6719, below min_score.overall 0.7",)
    assert run.message.endswith("; score overall = 0.6719, below min_score.overall 0.7")
    assert {s.dimension: (s.score, s.constraints, s.left_out) for s in run.scores} == EXPECTED

    # recorded in the same commit as the run, and the view matches the hand computation
    views = register_views(spark, metrics)
    rows = spark.sql(f"SELECT * FROM {views[ms.SCORES]} WHERE run_id = 'strict'").collect()
    assert {r["dimension"]: (r["score"], r["constraints"], r["left_out"]) for r in rows} == EXPECTED
    assert {(r["suite"], r["dataset"], r["dataset_version"]) for r in rows} == {("scored", path, 0)}
    commits = spark.sql(f"DESCRIBE HISTORY delta.`{metrics}/{ms.RECORDS}`").where("operation = 'WRITE'").count()
    assert commits == 1
    weights = {r["label"]: (r["score"], r["weight"]) for r in spark.sql(
        f"SELECT label, score, weight FROM {views[ms.CHECK_RESULTS]} WHERE run_id = 'strict'").collect()}
    assert weights["v between -5 and 5"] == (1.0, 3.0) and weights["v >= 0"] == (0.75, 1.0)

    decision = _both(spark, strict, metrics)
    assert not decision.certified and decision.run_id == "strict"
    assert decision.reason.startswith("failed: run strict of version 0 is FAILED: ")
    assert decision.reason.endswith("score overall = 0.6719, below min_score.overall 0.7")

    # a lower minimum passes (WARNING: only warnings failed) and certifies...
    lenient = load_suite(write_suite(SUITE.format(path=path, min_score="min_score: {overall: 0.6}"), "lenient.yml"))
    run = run_suite(spark, lenient, metrics=metrics, run_id="lenient")
    assert run.status is RunStatus.WARNING and run.score_failures == ()
    assert _both(spark, lenient, metrics).certified

    # ...but the gates judge the recorded scores themselves: one below the minimum is refused
    spark.sql(f"UPDATE delta.`{metrics}/{ms.RECORDS}` SET score = 0.5 "
              "WHERE record = 'score' AND run_id = 'lenient' AND dimension = 'overall'")
    decision = _both(spark, lenient, metrics)
    assert not decision.certified
    assert decision.reason == ("run lenient is WARNING but its recorded scores fail min_score: score overall = "
                               "0.5, below min_score.overall 0.6; not certified")
