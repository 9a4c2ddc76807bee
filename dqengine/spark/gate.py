"""The training gate: which Delta version of a dataset may a training job read?

A version is certified for a suite when the latest run of *that* suite (same fingerprint) on
*that* dataset and *that exact* version passed (PASSED, or WARNING: warnings never block), and its
``dq_check_results`` rows agree: one row per constraint of the current suite and no error-severity
row other than PASSED. Anything else blocks, with the reason.

Trust model: the gate trusts the metrics tables. Whoever can write them can certify data, so only
the quality job's principal should have write access (see README, "Trust model").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqengine.checks.suite import Suite
from dqengine.errors import GateBlocked
from dqengine.spark.dataset import dataset_identity, latest_version
from dqengine.spark.store import MetricsLocation, MetricsStore, resolve_location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["GateDecision", "decide", "certified_version", "read_certified", "read_certified_version"]


@dataclass(frozen=True)
class GateDecision:
    certified: bool
    dataset: str
    version: int
    reason: str
    run_id: str | None = None


def decide(spark: "SparkSession", suite: Suite, *, version: int | None = None,
           metrics: str | MetricsLocation | None = None) -> GateDecision:
    location = metrics if isinstance(metrics, MetricsLocation) else resolve_location(metrics)
    store = MetricsStore(spark, location)
    dataset = dataset_identity(suite.dataset)
    target = version if version is not None else latest_version(spark, suite)

    def blocked(reason: str, run_id: str | None = None) -> GateDecision:
        return GateDecision(False, dataset, target, reason, run_id)

    on_version = store.runs(suite.name, dataset, target)
    if not on_version:
        checked = store.latest_checked_version(suite.name, dataset)
        if checked is None:
            return blocked(f"never checked: no run of suite '{suite.name}' on {dataset} in {location}; "
                           f"run `dqengine run {suite.source}` first")
        if target > checked:
            return blocked(f"newer data not yet checked: {dataset} is at version {target}, the last "
                           f"checked version is {checked}; run the suite on version {target}")
        return blocked(f"version {target} of {dataset} was never checked by suite '{suite.name}'")
    same_suite = [r for r in on_version if r["suite_fingerprint"] == suite.fingerprint]
    if not same_suite:
        latest = on_version[0]
        return blocked(f"suite changed since version {target} was checked (run {latest['run_id']} used "
                       f"fingerprint {latest['suite_fingerprint'][:12]}, the suite is now "
                       f"{suite.fingerprint[:12]}); run the suite again", latest["run_id"])
    run = same_suite[0]
    if run["status"] not in ("PASSED", "WARNING"):
        return blocked(f"failed: run {run['run_id']} of version {target} is {run['status']}: "
                       f"{run['message']}", run["run_id"])
    rows = store.check_results(run["run_id"])
    blocking = [r for r in rows if r["severity"] == "error" and r["status"] != "PASSED"]
    if len(rows) != len(suite.constraints) or blocking:
        return blocked(f"run {run['run_id']} is inconsistent: {len(rows)} constraint rows for "
                       f"{len(suite.constraints)} constraints, {len(blocking)} blocking; not certified",
                       run["run_id"])
    return GateDecision(True, dataset, target, f"certified by run {run['run_id']} ({run['status']})",
                        run["run_id"])


def certified_version(spark: "SparkSession", suite: Suite, *, version: int | None = None,
                      metrics: str | MetricsLocation | None = None) -> int:
    """The certified Delta version, or ``GateBlocked`` with the reason."""
    decision = decide(spark, suite, version=version, metrics=metrics)
    if not decision.certified:
        raise GateBlocked(decision.reason)
    return decision.version


def read_certified_version(spark: "SparkSession", suite: Suite, *, version: int | None = None,
                           metrics: str | MetricsLocation | None = None) -> tuple[int, "DataFrame"]:
    """The certified version and exactly that version of the dataset (``versionAsOf``), filtered."""
    certified = certified_version(spark, suite, version=version, metrics=metrics)
    reader = spark.read.format("delta").option("versionAsOf", certified)
    model = suite.dataset
    df = reader.table(model.table) if model.table is not None else reader.load(dataset_identity(model))
    return certified, (df.where(model.where) if model.where else df)


def read_certified(spark: "SparkSession", suite: Suite, *, version: int | None = None,
                   metrics: str | MetricsLocation | None = None) -> "DataFrame":
    """Exactly the certified version of the suite's dataset; ``GateBlocked`` if there is none."""
    return read_certified_version(spark, suite, version=version, metrics=metrics)[1]
