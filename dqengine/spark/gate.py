"""The training gate through Spark: which Delta version of a dataset may a training job read?

The rule is :func:`dqengine.certify.certify`, shared with the gate that needs no JVM
(:mod:`dqengine.fastgate`, for local paths); this module only reads, through Spark and so from any
file system or metastore: the dataset's latest version and its Delta log (which commits changed
data, :mod:`dqengine.deltalog`), and the suite's runs in ``dq_records``.

Trust model: the gate trusts the metrics tables. Whoever can write them can certify data, so only
the quality job's principal should have write access (see README, "Trust model").
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Mapping

from dqengine.certify import GateDecision, certify, target_version
from dqengine.checks.suite import Suite
from dqengine.deltalog import Commit, DataVersion, commit_file_name, last_data_change, parse_commit
from dqengine.errors import GateBlocked, first_line
from dqengine.spark.dataset import dataset_identity, latest_version
from dqengine.spark.store import MetricsLocation, MetricsStore, resolve_location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["GateDecision", "decide", "certified_version", "read_certified", "read_certified_version"]

logger = logging.getLogger(__name__)


def _log_dir(spark: "SparkSession", suite: Suite) -> str:
    model = suite.dataset
    if model.table is None:
        return f"{dataset_identity(model)}/_delta_log"
    location = spark.sql(f"DESCRIBE DETAIL {model.table}").select("location").head()[0]
    return f"{str(location).rstrip('/')}/_delta_log"


def _glob_escape(path: str) -> str:
    """``path`` matched literally by Hadoop's glob (a table under /data/t* must not read /data/tA)."""
    return "".join("\\" + c if c in "\\*?[]{}" else c for c in path)


def _commit_reader(spark: "SparkSession", log_dir: str):
    """``read(lo, hi)`` for :func:`last_data_change`: the commit files, through Spark (any file system)."""

    def read(lo: int, hi: int) -> Mapping[int, Commit]:
        from pyspark.sql import functions as F
        from pyspark.sql.utils import AnalysisException

        names = ",".join(commit_file_name(v)[:-len(".json")] for v in range(lo, hi + 1))
        try:
            rows = spark.read.text(f"{_glob_escape(log_dir)}/{{{names}}}.json", wholetext=True) \
                .select(F.input_file_name().alias("file"), "value").collect()
        except AnalysisException as exc:
            if "PATH_NOT_FOUND" in str(exc) or "Path does not exist" in str(exc):
                return {}  # none of them is there (cleaned up)
            raise
        commits = {}
        for row in rows:
            version = int(row["file"].rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0])
            commits[version] = parse_commit(version, row["value"])
        return commits

    return read


def data_version(spark: "SparkSession", suite: Suite, target: int) -> DataVersion:
    """The newest version <= ``target`` that changed data, from the dataset's Delta log."""
    try:
        return last_data_change(target, _commit_reader(spark, _log_dir(spark, suite)))
    except Exception as exc:  # an unreadable log: no commit is known to keep the data, as before
        logger.warning("cannot read the Delta log of %s (%s); every commit counts as a data change",
                       dataset_identity(suite.dataset), first_line(exc))
        return DataVersion(target, target)


def decide(spark: "SparkSession", suite: Suite, *, version: int | None = None,
           metrics: str | MetricsLocation | None = None) -> GateDecision:
    """The gate's decision about ``version``, else the suite's ``dataset.version``, else the latest."""
    location = metrics if isinstance(metrics, MetricsLocation) else resolve_location(metrics)
    store = MetricsStore(spark, location)
    dataset = dataset_identity(suite.dataset)
    target = target_version(suite, dataset, version, latest_version(spark, suite))
    span = data_version(spark, suite, target)
    runs = [r.asDict() for r in store.runs(suite.name, dataset, span.version, target)]
    return certify(suite, dataset, span, runs,
                   last_checked=lambda: store.latest_checked_version(suite.name, dataset),
                   check_rows=lambda run_id: [r.asDict() for r in store.check_results(run_id, suite.name, dataset)],
                   score_rows=lambda run_id: [r.asDict() for r in store.scores(run_id, suite.name, dataset)],
                   location=str(location))


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
