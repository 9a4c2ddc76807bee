"""Quality scores (issue #11), pure Python: a constraint's score, the weighted mean per dimension,
the overall mean, min_score (one rule for the runner and the gates), how the suite configures
them (dimension:, weight:, min_score:, every bad value at file:line:col) and how they are stored.
Each expected score is computed by hand in the comment beside it."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from dqengine import metrics_schema as ms
from dqengine.certify import certify, score_failures
from dqengine.checks import parse_suite
from dqengine.checks.builtin import BUILTIN_CONSTRAINTS
from dqengine.checks.registry import ConstraintRegistry, default_registry
from dqengine.config.models import MinScoreModel
from dqengine.deltalog import DataVersion
from dqengine.errors import ConfigError
from dqengine.report import format_run
from dqengine.results import ConstraintResult, ConstraintStatus, Dimension, RunResult, RunStatus, Severity, \
    run_status
from dqengine.scores import OVERALL, Score, constraint_score, score_results

P, F, E, N = (ConstraintStatus.PASSED, ConstraintStatus.FAILED, ConstraintStatus.ERROR,
              ConstraintStatus.NOT_EVALUATED)


def _r(dimension: str, status: ConstraintStatus, value: float | None = None, *, row: bool = False,
       weight: float = 1.0, severity: str = "error") -> ConstraintResult:
    return ConstraintResult(check="c", constraint_index=0, constraint="t", label="t(x)", columns=("x",),
                            severity=Severity(severity), dimension=Dimension(dimension), threshold=">= 1",
                            status=status, metric_name="Compliance" if row else "M", metric_value=value,
                            message="m", weight=weight, row_fraction=row)


# --- a constraint's score -------------------------------------------------------------------------


@pytest.mark.parametrize("result, expected", [
    (_r("validity", P, 0.98, row=True), 0.98),         # a row fraction is its own score, passed or not
    (_r("validity", F, 0.75, row=True), 0.75),
    (_r("validity", P, 1.0, row=True), 1.0),
    (_r("distribution", P, 1500.0), 1.0),             # any other metric: 1 when PASSED...
    (_r("distribution", F, 0.4), 0.0),                # ...0 when FAILED, whatever its value
    (_r("validity", F, None, row=True), 0.0),          # a row predicate with no value: as any other
    (_r("validity", E, None, row=True), None),         # ERROR and NOT_EVALUATED are left out
    (_r("validity", N, None), None),
], ids=["row-passed", "row-failed", "row-all", "metric-passed", "metric-failed", "row-no-value", "error",
        "not-evaluated"])
def test_a_constraints_score(result, expected):
    assert constraint_score(result) == expected


def test_row_fraction_types_are_the_row_predicates_and_completeness():
    row = sorted(d.name for d in BUILTIN_CONSTRAINTS if d.row_fraction)
    assert row == ["allowed_values", "between", "completeness", "data_type", "is_complete", "monotonic",
                   "no_nan", "non_negative", "pattern", "positive", "referential_integrity", "satisfies"]


# --- dimensions and overall -----------------------------------------------------------------------


def test_scores_match_a_hand_computation():
    card = score_results([
        _r("completeness", F, 0.9, row=True),              # 0.9, weight 1
        _r("completeness", P, 1.0, row=True, weight=3),    # 1.0, weight 3
        _r("validity", F, 0.8, row=True, weight=2),        # 0.8, weight 2
        _r("validity", P, 1.0, row=True),                  # 1.0, weight 1
        _r("validity", E),                                 # left out
        _r("uniqueness", F, 0.5),                          # 0.0 (not a row fraction)
        _r("uniqueness", N),                               # left out
        _r("distribution", N),                             # left out: the dimension has no score
        _r("completeness", P, 1.0, severity="warning"),    # severity does not matter: 1.0, weight 1
    ])
    completeness = (0.9 * 1 + 1.0 * 3 + 1.0 * 1) / 5       # 0.98
    validity = (0.8 * 2 + 1.0 * 1) / 3                     # 0.8667
    overall = (completeness + validity + 0.0) / 3           # distribution has no score: not in the mean
    assert list(card) == [
        Score("completeness", pytest.approx(completeness), 3, 0),
        Score("validity", pytest.approx(validity), 2, 1),
        Score("uniqueness", 0.0, 1, 1),
        Score("distribution", None, 0, 1),
        Score(OVERALL, pytest.approx(overall), 6, 3),
    ]
    assert math.isclose(card.overall.score, 0.6155555555555555)
    assert card.as_mapping()["distribution"] is None


def test_dimensions_come_in_a_fixed_order_and_only_when_present():
    card = score_results([_r("timeliness", P), _r("accuracy", F), _r("completeness", P)])
    assert [s.dimension for s in card] == ["completeness", "timeliness", "accuracy", OVERALL]
    assert card.overall == Score(OVERALL, pytest.approx(2 / 3), 3, 0)


def test_no_constraint_with_a_score_gives_no_overall_score():
    assert score_results([_r("validity", E), _r("validity", N)]).overall == Score(OVERALL, None, 0, 2)
    assert score_results([]).overall == Score(OVERALL, None, 0, 0)


def test_each_dimension_counts_once_in_the_overall_score():
    """Ten passing validity constraints do not outvote one failing completeness constraint."""
    card = score_results([_r("validity", P)] * 10 + [_r("completeness", F)])
    assert card.overall.score == 0.5


# --- min_score: one rule ----------------------------------------------------------------------------


def test_score_failures_name_each_score_below_its_minimum():
    scores = {"overall": 0.9, "completeness": 0.98, "validity": None}
    assert score_failures({"overall": 0.9, "completeness": 0.95}, scores) == ()        # equal is enough
    assert score_failures({"overall": 0.95, "completeness": 0.99}, scores) == (
        "score overall = 0.9, below min_score.overall 0.95",
        "score completeness = 0.98, below min_score.completeness 0.99")
    assert score_failures({"validity": 0.5}, scores) == (
        "score validity has no value (every constraint in it is ERROR or NOT_EVALUATED); "
        "min_score.validity is 0.5",)
    assert score_failures({"uniqueness": 0.5}, scores) == (
        "score uniqueness was not recorded; min_score.uniqueness is 0.5",)
    assert score_failures({}, {}) == ()
    # a sum of floats that should be the minimum exactly is not below it
    assert score_failures({"overall": 0.3}, {"overall": 0.1 + 0.2 - 1e-17}) == ()


def test_a_score_below_its_minimum_fails_the_run_even_when_every_constraint_passed():
    results = (_r("validity", P),)
    assert run_status(results) is RunStatus.PASSED
    assert run_status(results, ("score overall = 0.9, below min_score.overall 0.95",)) is RunStatus.FAILED
    warned = (_r("validity", F, severity="warning"),)
    assert run_status(warned, ("x",)) is RunStatus.FAILED


def test_min_score_has_one_field_per_dimension_and_overall():
    assert set(MinScoreModel.model_fields) == {OVERALL} | {d.value for d in Dimension}


# --- the suite ------------------------------------------------------------------------------------

SUITE = """\
suite: s
dataset: {{path: /d}}
{top}
checks:
  - name: keys
    {check}
    constraints:
      - is_complete: a
        {item}
      - between: {{column: b, min: 0}}
      - row_count: {{must_be_greater_than: 0}}
"""


def _suite(top: str = "", check: str = "", item: str = ""):
    return parse_suite(SUITE.format(top=top, check=check, item=item), "s.yml")


def _errors(top: str = "", check: str = "", item: str = "") -> list[str]:
    with pytest.raises(ConfigError) as info:
        _suite(top, check, item)
    return str(info.value).splitlines()


def test_each_type_has_its_default_dimension_and_weight_1():
    suite = _suite()
    assert [(c.name, c.dimension, c.weight) for c in suite.constraints] == [
        ("is_complete", Dimension.COMPLETENESS, 1.0), ("between", Dimension.VALIDITY, 1.0),
        ("row_count", Dimension.COMPLETENESS, 1.0)]
    assert all(c.severity is Severity.ERROR for c in suite.constraints)
    assert suite.min_score == {}


def test_the_constraints_dimension_wins_over_the_checks_which_wins_over_the_types():
    suite = _suite(check="dimension: accuracy", item="dimension: timeliness\n        weight: 2.5")
    assert [(c.name, c.dimension, c.weight) for c in suite.constraints] == [
        ("is_complete", Dimension.TIMELINESS, 2.5), ("between", Dimension.ACCURACY, 1.0),
        ("row_count", Dimension.ACCURACY, 1.0)]
    assert _suite(item="weight: 3").constraints[0].weight == 3.0  # a whole number is a number


def test_dimension_weight_and_min_score_change_the_fingerprint_only_when_given():
    plain = _suite().fingerprint
    assert _suite(item="weight: 1").fingerprint == plain          # the defaults, written out
    assert _suite(item="dimension: completeness").fingerprint == plain
    assert len({plain, _suite(item="weight: 2").fingerprint, _suite(item="dimension: accuracy").fingerprint,
                _suite(check="dimension: accuracy").fingerprint,
                _suite(top="min_score: {overall: 0.9}").fingerprint}) == 5
    # and the constraint's id (its history) does not depend on them
    assert _suite(item="weight: 2").constraints[0].constraint_id == _suite().constraints[0].constraint_id


def test_min_score_is_read():
    suite = _suite(top="min_score: {overall: 0.95, completeness: 0.99, validity: 1}")
    assert suite.min_score == {"overall": 0.95, "completeness": 0.99, "validity": 1.0}


DIMENSIONS = "'completeness', 'validity', 'consistency', 'uniqueness', 'timeliness', 'accuracy' or 'distribution'"


@pytest.mark.parametrize("where, expected", [
    (dict(item="dimension: acuracy"),
     [f"s.yml:9:20: checks[0].constraints[0].dimension: expected {DIMENSIONS} (got 'acuracy'); "
      "did you mean 'accuracy'?"]),
    (dict(check="dimension: valid"),
     [f"s.yml:6:16: checks[0].dimension: expected {DIMENSIONS} (got 'valid'); did you mean 'validity'?"]),
    (dict(item="weight: 0"),
     ["s.yml:9:17: checks[0].constraints[0].weight: weight is the constraint's share of its dimension's "
      "score: a number above 0, e.g. 2 (default 1) (got 0)"]),
    (dict(item="weight: -1.5"),
     ["s.yml:9:17: checks[0].constraints[0].weight: weight is the constraint's share of its dimension's "
      "score: a number above 0, e.g. 2 (default 1) (got -1.5)"]),
    (dict(item="weight: '2'"),
     ["s.yml:9:17: checks[0].constraints[0].weight: expected a number, got the quoted text '2'; "
      "remove the quotes"]),
    (dict(item="weight: .nan"),
     ["s.yml:9:17: checks[0].constraints[0].weight: expected a finite number (got .nan); .inf and .nan "
      "cannot be compared"]),
    (dict(item="weight: true"), ["s.yml:9:17: checks[0].constraints[0].weight: expected a number (got true)"]),
    (dict(top="min_score: {overall: 1.5}"),
     ["s.yml:3:22: min_score.overall: expected a number at most 1.0 (got 1.5)"]),
    (dict(top="min_score: {overal: 0.9}"),
     ["s.yml:3:13: unknown key 'overal' in min_score; did you mean 'overall'? valid keys: overall, "
      "completeness, validity, consistency, uniqueness, timeliness, accuracy, distribution"]),
    (dict(top="min_score: {timeliness: 0.9}"),
     ["s.yml:3:13: min_score.timeliness: no constraint of the suite is in dimension timeliness (they are "
      "in: completeness, validity); remove it, or set 'dimension: timeliness' on a check or constraint"]),
    (dict(top="min_score: 0.9"),
     ["s.yml:3:12: min_score: expected a mapping with keys overall, completeness, validity, consistency, "
      "uniqueness, timeliness, accuracy, distribution (got 0.9)"]),
    # every problem at once
    (dict(item="dimension: x\n        weight: 0", check="dimension: y"),
     [f"s.yml:6:16: checks[0].dimension: expected {DIMENSIONS} (got 'y')",
      f"s.yml:9:20: checks[0].constraints[0].dimension: expected {DIMENSIONS} (got 'x')",
      "s.yml:10:17: checks[0].constraints[0].weight: weight is the constraint's share of its dimension's "
      "score: a number above 0, e.g. 2 (default 1) (got 0)"]),
], ids=["unknown-dimension", "unknown-check-dimension", "zero-weight", "negative-weight", "quoted-weight",
        "nan-weight", "boolean-weight", "min-score-above-1", "misspelt-min-score-key", "min-score-of-absent-dimension",
        "min-score-not-a-mapping", "all-at-once"])
def test_bad_score_settings_are_config_errors_at_their_place(where, expected):
    assert _errors(**where) == expected


def test_an_item_with_only_a_weight_says_the_constraint_is_missing():
    text = SUITE.format(top="", check="", item="").replace("      - is_complete: a\n", "      - weight: 2\n")
    with pytest.raises(ConfigError) as info:
        parse_suite(text, "s.yml")
    assert str(info.value).splitlines() == [
        "s.yml:8:9: checks[0].constraints[0]: the item has a weight but no constraint; write the constraint "
        "in the same item, as in '- {is_complete: sensor_id, id: sensor_present}'"]


def test_the_registry_refuses_a_type_without_a_valid_default_dimension():
    class Undecided(type(default_registry().get("row_count"))):
        name = "undecided"
        dimension = "quality"

    with pytest.raises(ValueError, match="undecided.*valid default dimension.*completeness, validity"):
        ConstraintRegistry([Undecided()])
    Undecided.dimension = Dimension.TIMELINESS  # what a new type sets
    assert len(ConstraintRegistry([Undecided()])) == 1


# --- the gate's rule, on recorded rows --------------------------------------------------------------


def _certify(suite, score_rows):
    run = {"run_id": "r", "suite": suite.name, "suite_fingerprint": suite.fingerprint, "dataset": "/d",
           "dataset_version": 1, "status": "PASSED", "message": "m",
           "finished_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
    rows = [{"severity": "error", "status": "PASSED"}] * len(suite.constraints)
    return certify(suite, "/d", DataVersion(1, 1), [run], last_checked=lambda: 1,
                   check_rows=lambda run_id: rows, score_rows=lambda run_id: score_rows, location="m")


def test_the_gate_refuses_a_run_whose_recorded_scores_fail_min_score():
    suite = _suite(top="min_score: {overall: 0.95, completeness: 0.99}")
    good = [{"dimension": "completeness", "score": 1.0}, {"dimension": "validity", "score": 0.9},
            {"dimension": "overall", "score": 0.95}]
    assert _certify(suite, good).certified
    low = [dict(r, score=0.97) if r["dimension"] == "completeness" else r for r in good]
    decision = _certify(suite, low)
    assert not decision.certified
    assert decision.reason == ("run r is PASSED but its recorded scores fail min_score: score completeness "
                               "= 0.97, below min_score.completeness 0.99; not certified")
    assert "score overall was not recorded" in _certify(suite, good[:2]).reason
    # without min_score the scores are not read at all
    assert _certify(_suite(), []).certified


# --- recorded with the run --------------------------------------------------------------------------


def _run(results, min_score=None) -> RunResult:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    card = score_results(results)
    below = score_failures(min_score or {}, card.as_mapping())
    return RunResult(run_id="r", suite="s", suite_fingerprint="f", dataset="/d", dataset_version=3,
                     started_at=now, finished_at=now, status=run_status(results, below), row_count=4,
                     engine_version="0", spark_version="3.5.7", deequ_version="2.1.0", constraints=tuple(results),
                     scores=tuple(card), score_failures=below)


def test_a_run_becomes_score_rows_and_its_check_rows_carry_score_and_weight():
    run = _run([_r("validity", F, 0.75, row=True, weight=2), _r("uniqueness", E)])
    rows = ms.rows(run)
    assert [(r["dimension"], r["score"], r["constraints"], r["left_out"]) for r in rows["score"]] == [
        ("validity", 0.75, 1, 0), ("uniqueness", None, 0, 1), ("overall", 0.75, 1, 1)]
    assert all(r["dataset_version"] == 3 and r["run_id"] == "r" for r in rows["score"])
    assert [(r["dimension"], r["severity"], r["score"], r["weight"]) for r in rows["check"]] == [
        ("validity", "error", 0.75, 2.0), ("uniqueness", "error", None, 1.0)]
    assert all(type(r["dimension"]) is str and type(r["severity"]) is str for r in rows["check"])
    assert ms.column_names(ms.SCORES) == ["run_id", "suite", "dataset", "dataset_version", "dimension", "score",
                                          "constraints", "left_out", "finished_at"]
    stored = ms.records(run)
    assert sum(1 for r in stored if r[0] == "score") == 3 and all(len(r) == len(ms.STORED) for r in stored)


def test_the_summary_prints_the_scores_and_which_minimum_failed():
    run = _run([_r("validity", F, 0.75, row=True), _r("completeness", P, 1.0, row=True)],
               min_score={"overall": 0.95})
    text = format_run(run)
    assert run.status is RunStatus.FAILED
    assert "scores: completeness 1.0000 (1), validity 0.7500 (1), overall 0.8750 (2)" in text
    assert "  score overall = 0.875, below min_score.overall 0.95" in text.splitlines()
