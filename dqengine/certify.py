"""The gate's one certification rule: may a training job read version T of a dataset? Pure Python.

Both gates call it: the Spark one (:mod:`dqengine.spark.gate`, any location) and the one without
a JVM (:mod:`dqengine.fastgate`, local paths). They differ only in how they read the Delta log and
``dq_records``; what they decide is decided here.

Version T is certified for a suite when, with C the newest version <= T that changed data (see
:mod:`dqengine.deltalog`: T itself, or older when the commits after C are OPTIMIZE, VACUUM,
SET TBLPROPERTIES, ...), the latest run of *that* suite (same fingerprint) on *that* dataset at a
version in [C, T] passed (PASSED, or WARNING: warnings never block), and its ``dq_check_results``
rows agree: one row per constraint of the current suite and no error-severity row other than
PASSED, and its ``dq_scores`` rows meet the suite's ``min_score`` (:func:`score_failures`, the
same rule the runner applies to fail a run). Anything else blocks, with the reason.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping, Sequence

from dqengine.checks.suite import Suite
from dqengine.deltalog import DataVersion
from dqengine.errors import DatasetError
from dqengine.results import RunStatus

__all__ = ["GateDecision", "target_version", "certify", "describe_unchanged", "score_failures"]

#: run statuses that certify (WARNING: only warning-severity constraints did not pass)
_CERTIFYING = frozenset(status.value for status in RunStatus if status.certifies)


@dataclass(frozen=True)
class GateDecision:
    certified: bool
    dataset: str
    #: the version asked about; when certified, the version the training job reads
    version: int
    reason: str
    #: the run that decided (certified or blocked it), if there is one
    run_id: str | None = None
    #: the version that run verified: ``version`` itself, or an older version with the same data
    run_version: int | None = None
    #: (version, operation) of the commits between ``run_version`` and ``version``: none changes data
    unchanged: tuple[tuple[int, str], ...] = ()


def target_version(suite: Suite, dataset: str, requested: int | None, latest: int) -> int:
    """``--version``, else the suite's ``dataset.version``, else the latest; one that does not
    exist is a ``DatasetError`` at the place that named it (as ``dqengine run`` reports it)."""
    pinned = suite.dataset.version
    target = requested if requested is not None else (pinned if pinned is not None else latest)
    if target > latest:
        key, where = ("dataset", "--version") if requested is not None else ("dataset.version", "dataset.version")
        raise DatasetError([suite.issue(key, f"{where} {target} of {dataset} does not exist; "
                                             f"the latest version is {latest}")])
    return target


def describe_unchanged(unchanged: Sequence[tuple[int, str]]) -> str:
    """'version 8 changes no data: OPTIMIZE' / 'versions 8-9 change no data: OPTIMIZE, SET TBLPROPERTIES'."""
    versions = [v for v, _ in unchanged]
    operations = ", ".join(dict.fromkeys(op or "no operation recorded" for _, op in unchanged))
    if len(versions) == 1:
        return f"version {versions[0]} changes no data: {operations}"
    return f"versions {versions[0]}-{versions[-1]} change no data: {operations}"


def _shown(score: float) -> str:
    return f"{score:.4f}".rstrip("0").rstrip(".") if score not in (0.0, 1.0) else str(int(score))


def score_failures(min_score: Mapping[str, float], scores: Mapping[str, float | None]) -> tuple[str, ...]:
    """Each score below its minimum, in words (empty: ``min_score`` is met).

    ``min_score``: dimension (or ``overall``) -> minimum, as the suite gives it. ``scores``: the
    run's scores by dimension (``dqengine.scores.ScoreCard.as_mapping``, or the run's ``dq_scores``
    rows). A score that is missing or NULL (every constraint of it was ERROR or NOT_EVALUATED)
    fails its minimum: a score that could not be computed is not a pass. The runner fails a run
    with this and the gates refuse from the recorded scores with it: one rule.
    """
    failures = []
    for dimension, minimum in min_score.items():
        score = scores.get(dimension)
        if score is None or not math.isfinite(score):
            why = "was not recorded" if dimension not in scores else \
                "has no value (every constraint in it is ERROR or NOT_EVALUATED)"
            failures.append(f"score {dimension} {why}; min_score.{dimension} is {_shown(minimum)}")
        elif score < minimum and not math.isclose(score, minimum, rel_tol=1e-9, abs_tol=1e-12):
            failures.append(f"score {dimension} = {_shown(score)}, below min_score.{dimension} {_shown(minimum)}")
    return tuple(failures)


def _newest_first(run: Mapping[str, Any]) -> tuple:
    finished = run["finished_at"]
    return (finished is not None, finished or datetime.min, run["dataset_version"], run["run_id"])


def certify(suite: Suite, dataset: str, span: DataVersion, runs: Sequence[Mapping[str, Any]],
            last_checked: Callable[[], int | None], check_rows: Callable[[str], Sequence[Mapping[str, Any]]],
            location: str, score_rows: Callable[[str], Sequence[Mapping[str, Any]]] = lambda run_id: ()
            ) -> GateDecision:
    """Decide about version ``span.target``.

    ``runs``: this suite's runs on ``dataset`` (``dq_runs`` rows as mappings), at least those at
    versions ``span.version``..``span.target``. ``last_checked()``: the newest version any run of
    the suite checked on the dataset. ``check_rows(run_id)``: the candidate run's
    ``dq_check_results`` rows (its ``severity`` and ``status`` are read). ``score_rows(run_id)``:
    its ``dq_scores`` rows (``dimension`` and ``score`` are read; only asked for when the suite
    has a ``min_score``). ``location``: where the runs were read, for the message.
    """
    target, first = span.target, span.version

    def decision(certified: bool, reason: str, run: Mapping[str, Any] | None = None) -> GateDecision:
        run_version = None if run is None else int(run["dataset_version"])
        unchanged = () if run_version is None else tuple(u for u in span.unchanged if u[0] > run_version)
        return GateDecision(certified, dataset, target, reason, None if run is None else run["run_id"],
                            run_version, unchanged)

    in_span = sorted((r for r in runs if r["suite"] == suite.name and r["dataset"] == dataset
                      and r["dataset_version"] is not None and first <= r["dataset_version"] <= target),
                     key=_newest_first, reverse=True)
    if not in_span:
        checked = last_checked()
        if checked is None:
            return decision(False, f"never checked: no run of suite '{suite.name}' on {dataset} in {location}; "
                                   f"run `dqengine run {suite.source}` first")
        if checked < first:
            return decision(False, f"newer data not yet checked: {dataset} is at version {target}, the last "
                                   f"checked version is {checked}; run the suite on version {target}")
        return decision(False, f"version {target} of {dataset} was never checked by suite '{suite.name}'")
    same_suite = [r for r in in_span if r["suite_fingerprint"] == suite.fingerprint]
    if not same_suite:
        latest = in_span[0]
        return decision(False, f"suite changed since version {latest['dataset_version']} was checked (run "
                               f"{latest['run_id']} used fingerprint {latest['suite_fingerprint'][:12]}, the "
                               f"suite is now {suite.fingerprint[:12]}); run the suite again", latest)
    run = same_suite[0]
    older = run["dataset_version"] != target  # an older version with the same data
    if run["status"] not in _CERTIFYING:
        verified = f"on version {run['dataset_version']}" if older else f"of version {target}"
        return decision(False, f"failed: run {run['run_id']} {verified} is {run['status']}: {run['message']}", run)
    rows = check_rows(run["run_id"])
    blocking = [r for r in rows if r["severity"] == "error" and r["status"] != "PASSED"]
    if len(rows) != len(suite.constraints) or blocking:
        return decision(False, f"run {run['run_id']} is inconsistent: {len(rows)} constraint rows for "
                               f"{len(suite.constraints)} constraints, {len(blocking)} blocking; not certified",
                        run)
    if suite.min_score:
        below = score_failures(suite.min_score, {r["dimension"]: r["score"] for r in score_rows(run["run_id"])})
        if below:
            return decision(False, f"run {run['run_id']} is {run['status']} but its recorded scores fail "
                                   f"min_score: {'; '.join(below)}; not certified", run)
    reason = f"certified by run {run['run_id']} ({run['status']})"
    if older:
        unchanged = [u for u in span.unchanged if u[0] > run["dataset_version"]]
        reason += f" on version {run['dataset_version']} ({describe_unchanged(unchanged)})"
    return decision(True, reason, run)
