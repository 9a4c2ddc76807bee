"""Small output details, pure Python: the run summary and the verdict messages."""
from __future__ import annotations

from datetime import datetime, timezone

from dqengine.checks.base import AnalyzerOutput, judge
from dqengine.config.models import Threshold
from dqengine.report import format_run
from dqengine.results import ConstraintResult, ConstraintStatus, MetricRecord, RunResult, RunStatus


def _result(check: str, severity: str, status: ConstraintStatus) -> ConstraintResult:
    return ConstraintResult(check=check, constraint_index=0, constraint="is_complete", label="is_complete(x)",
                            columns=("x",), severity=severity, dimension="completeness", threshold="== 1",
                            status=status, metric_name="Completeness", metric_value=1.0, message="m")


def test_summary_prints_the_severity_in_full():
    now = datetime.now(timezone.utc)
    run = RunResult(run_id="r", suite="s", suite_fingerprint="f", dataset="/d", dataset_version=0,
                    started_at=now, finished_at=now, status=RunStatus.WARNING, row_count=1,
                    engine_version="0", spark_version="3.5.7", deequ_version="2.1.0",
                    constraints=(_result("keys", "error", ConstraintStatus.PASSED),
                                 _result("physics", "warning", ConstraintStatus.FAILED)))
    rows = format_run(run).splitlines()
    assert rows[1].split()[:2] == ["check", "severity"]
    assert rows[3].split()[:2] == ["keys", "error"]
    assert rows[4].split()[:2] == ["physics", "warning"]


def _one(value: float) -> AnalyzerOutput:
    return AnalyzerOutput(records=(MetricRecord("Column", "date", "Uniqueness", value),))


def test_a_passing_exact_threshold_does_not_repeat_itself():
    outcome = judge("is_primary_key(date)", "Uniqueness", _one(1.0), Threshold(op="==", value=1.0))
    assert (outcome.status, outcome.message) == (ConstraintStatus.PASSED, "is_primary_key(date) = 1")


def test_a_failing_exact_threshold_and_other_passes_still_say_the_threshold():
    failed = judge("is_unique(x)", "Uniqueness", _one(0.5), Threshold(op="==", value=1.0))
    assert failed.message == "is_unique(x) = 0.5, expected == 1"
    passed = judge("completeness(x)", "Completeness", _one(1.0), Threshold(op=">=", value=0.9))
    assert passed.message == "completeness(x) = 1, >= 0.9"
