"""Outcomes of a run as plain frozen dataclasses: no Spark, no Deequ, easy to test and to print.

Definitions (what a suite asks) live in ``dqengine.config``; these are what happened. Every
configured constraint gets a ``ConstraintResult`` whatever happened to it: a constraint that could
not be computed is ERROR or NOT_EVALUATED, never silently missing and never a pass.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dqengine.checks.base import AnalyzerSpec
    from dqengine.scores import Score

__all__ = [
    "Severity",
    "Dimension",
    "ConstraintStatus",
    "RunStatus",
    "Outcome",
    "ConstraintResult",
    "MetricRecord",
    "StateRecord",
    "RunResult",
    "run_status",
]


class Severity(str, enum.Enum):
    """What a constraint that does not pass does to the run (a check's ``severity:``)."""

    #: blocks: the run is FAILED and the gate refuses the version
    ERROR = "error"
    #: the run is WARNING: recorded, never blocks
    WARNING = "warning"

    def __str__(self) -> str:  # reads as in the YAML file, in messages and f-strings
        return self.value


class Dimension(str, enum.Enum):
    """The quality dimension a constraint measures; scores are per dimension (``dqengine.scores``).

    Every constraint type has a default (``ConstraintDef.dimension``); ``dimension:`` on a check
    or on a constraint overrides it.
    """

    COMPLETENESS = "completeness"
    VALIDITY = "validity"
    CONSISTENCY = "consistency"
    UNIQUENESS = "uniqueness"
    TIMELINESS = "timeliness"
    ACCURACY = "accuracy"
    DISTRIBUTION = "distribution"

    def __str__(self) -> str:  # reads as in the YAML file, in messages and f-strings
        return self.value


class ConstraintStatus(str, enum.Enum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    #: The metric could not be computed (Deequ failed, the column has the wrong type, ...).
    ERROR = "ERROR"
    #: The metric is undefined on this data (e.g. the mean of no rows): not a pass.
    NOT_EVALUATED = "NOT_EVALUATED"


class RunStatus(str, enum.Enum):
    PASSED = "PASSED"
    #: Every error-severity constraint passed; a warning-severity one did not.
    WARNING = "WARNING"
    #: An error-severity constraint did not pass: training must not use this version.
    FAILED = "FAILED"
    #: The engine could not finish the run.
    ERROR = "ERROR"

    @property
    def certifies(self) -> bool:
        return self in (RunStatus.PASSED, RunStatus.WARNING)


@dataclass(frozen=True)
class Outcome:
    """What evaluating one constraint against its metrics gave."""

    status: ConstraintStatus
    metric_name: str | None
    metric_value: float | None
    message: str
    #: The analyzer whose metric the verdict is based on (its key is recorded with the verdict).
    spec: "AnalyzerSpec | None" = field(default=None, compare=False)


@dataclass(frozen=True)
class ConstraintResult:
    check: str
    constraint_index: int
    constraint: str
    label: str
    columns: tuple[str, ...]
    severity: Severity
    dimension: Dimension
    threshold: str
    status: ConstraintStatus
    metric_name: str | None
    metric_value: float | None
    message: str
    #: ``id:`` from the suite, else a hash of (check, type, parameters): see ``dqengine.identity``
    constraint_id: str = ""
    #: key of the metric the verdict is based on; None when there is none
    metric_key: str | None = None
    #: ``weight:`` in the suite (default 1): its share of its dimension's score
    weight: float = 1.0
    #: the metric is the fraction of rows that hold (``ConstraintDef.row_fraction``): it is the score
    row_fraction: bool = False

    @property
    def blocking(self) -> bool:
        return self.severity == Severity.ERROR and self.status is not ConstraintStatus.PASSED


@dataclass(frozen=True)
class MetricRecord:
    """One metric as Deequ computed it, in Deequ's own long format."""

    entity: str
    instance: str
    name: str
    value: float | None
    error: str | None = None
    #: ``dqengine.identity.metric_key``: what defines the metric, stable across runs
    key: str = ""
    #: the provider that answered it (``dqengine.planner``: deequ_scan, grouping, windowed, ...)
    provider: str = ""


@dataclass(frozen=True)
class StateRecord:
    """An analyzer's state as Deequ serialises it, so that a later run can merge it."""

    #: ``state`` (counts, sums, moments) or ``sketch`` (quantile summary, HyperLogLog)
    kind: str
    #: the key of the analyzer's metric (for a histogram: of the histogram as a whole)
    key: str
    entity: str
    instance: str
    name: str
    payload: bytes
    #: how to read ``payload``, e.g. ``deequ.HdfsStateProvider@2.1.0-spark-3.5``
    payload_format: str
    #: Deequ's class of the state, e.g. ``NumMatchesAndCount``
    payload_type: str


@dataclass(frozen=True)
class RunResult:
    run_id: str
    suite: str
    suite_fingerprint: str
    dataset: str
    dataset_version: int | None
    started_at: datetime
    finished_at: datetime
    status: RunStatus
    row_count: int | None
    engine_version: str
    spark_version: str
    deequ_version: str
    constraints: tuple[ConstraintResult, ...] = ()
    metrics: tuple[MetricRecord, ...] = ()
    message: str = ""
    states: tuple[StateRecord, ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False)
    #: Rows of the version before the suite's ``where``, counted when the filter matched none.
    unfiltered_row_count: int | None = None
    #: The quality scores (``dqengine.scores``): the dimensions present, then ``overall``.
    scores: tuple["Score", ...] = ()
    #: Each score below its ``min_score`` (``dqengine.certify.score_failures``): these fail the run.
    score_failures: tuple[str, ...] = ()

    @property
    def headline_note(self) -> str:
        """What the headline must say besides the status: a ``where`` that matched nothing."""
        if self.unfiltered_row_count is not None and self.row_count == 0:
            return f"where matched 0 of {self.unfiltered_row_count} rows"
        return ""


def run_status(results: tuple[ConstraintResult, ...] | list[ConstraintResult],
               score_failures: tuple[str, ...] = ()) -> RunStatus:
    """Error-severity constraints that did not pass fail the run, as does a score below its
    ``min_score``; warning ones only warn."""
    if score_failures or any(r.blocking for r in results):
        return RunStatus.FAILED
    if any(r.status is not ConstraintStatus.PASSED for r in results):
        return RunStatus.WARNING
    return RunStatus.PASSED
