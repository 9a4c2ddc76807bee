"""The gate without a JVM, for a dataset and a metrics location that are both local paths.

Starting Spark takes seconds; answering "which version is certified" needs no Spark: the
dataset's versions and which commits changed data are in its ``_delta_log`` (read here as files),
and the runs are in ``dq_records``, read with the ``deltalake`` package (delta-rs, native code).
The decision is :func:`dqengine.certify.certify`, the same rule the Spark gate applies; this
module only reads, and refuses what the Spark gate refuses (a ``dq_records`` that is not
dqengine's or of a newer layout, a location in dqengine 0.1's layout) with the same messages. It
reads every layout this version knows as it is: it never migrates (the columns it reads are in
all of them, except the scores, which a table before layout 3 has none of).

A metastore table or metrics schema, and remote paths (``s3://``, ``abfss://``, ``dbfs:``), go
through :mod:`dqengine.spark.gate`. Nothing here imports pyspark.
"""
from __future__ import annotations

import os
from typing import Mapping

from dqengine import metrics_schema as ms
from dqengine.certify import GateDecision, certify, target_version
from dqengine.checks.suite import Suite
from dqengine.deltalog import Commit, DataVersion, commit_file_name, last_data_change, parse_commit, \
    version_of_log_file
from dqengine.errors import DatasetError
from dqengine.records import LocalRecords, is_local_path
from dqengine.spark.dataset import dataset_identity
from dqengine.spark.store import MetricsLocation, check_metrics_directory

__all__ = ["applies", "decide"]

#: Columns of dq_runs and dq_check_results the rule reads.
_RUN_COLUMNS = ("run_id", "suite", "suite_fingerprint", "dataset", "dataset_version", "status", "message",
                "finished_at")
_CHECK_COLUMNS = ("run_id", "suite", "dataset", "severity", "status")
#: Columns of dq_scores the rule reads (layout 3 on; a table of an older layout has no score rows).
_SCORE_COLUMNS = ("run_id", "suite", "dataset", "dimension", "score")


def applies(suite: Suite, location: MetricsLocation) -> bool:
    """Both the dataset and the metrics location are local paths."""
    path = suite.dataset.path
    return (suite.dataset.table is None and path is not None and is_local_path(path)
            and location.kind == "path" and is_local_path(location.value))


# --- the dataset's Delta log, as local files ----------------------------------------------------


def _latest_version(suite: Suite, log_dir: str) -> int:
    try:
        versions = [v for v in map(version_of_log_file, os.listdir(log_dir)) if v is not None]
    except (FileNotFoundError, NotADirectoryError):
        versions = []
    if not versions:
        raise DatasetError([suite.issue("dataset.path", f"path '{dataset_identity(suite.dataset)}' is not a "
                                                        f"Delta table (no commits in {log_dir}); point dataset "
                                                        "at an existing Delta table")])
    return max(versions)


def _read_commits(log_dir: str):
    def read(lo: int, hi: int) -> Mapping[int, Commit]:
        commits = {}
        for version in range(lo, hi + 1):
            try:
                with open(os.path.join(log_dir, commit_file_name(version)), encoding="utf-8") as fh:
                    text = fh.read()
            except FileNotFoundError:
                continue  # cleaned up
            commits[version] = parse_commit(version, text)
        return commits

    return read


def _data_version(log_dir: str, target: int) -> DataVersion:
    try:
        return last_data_change(target, _read_commits(log_dir))
    except (OSError, UnicodeDecodeError):  # as the Spark gate: no commit is known to keep the data
        return DataVersion(target, target)


def decide(suite: Suite, *, version: int | None, location: MetricsLocation) -> GateDecision:
    """The same decision as :func:`dqengine.spark.gate.decide`, for local paths, without a JVM."""
    if not applies(suite, location):
        raise ValueError("fastgate.decide needs a local dataset path and a local metrics path")
    check_metrics_directory(location)
    dataset = dataset_identity(suite.dataset)
    log_dir = os.path.join(dataset, "_delta_log")
    target = target_version(suite, dataset, version, _latest_version(suite, log_dir))
    span = _data_version(log_dir, target)
    records = LocalRecords(location)
    scope = {"suite": suite.name, "dataset": dataset}
    runs = records.rows(ms.RUNS, _RUN_COLUMNS, **scope)
    checked = [r["dataset_version"] for r in runs if r["dataset_version"] is not None]
    return certify(suite, dataset, span, runs, last_checked=lambda: max(checked, default=None),
                   check_rows=lambda run_id: records.rows(ms.CHECK_RESULTS, _CHECK_COLUMNS, run_id=run_id, **scope),
                   score_rows=lambda run_id: records.rows(ms.SCORES, _SCORE_COLUMNS, run_id=run_id, **scope),
                   location=str(location))
