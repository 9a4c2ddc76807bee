"""Reading and writing the metrics tables (Delta), under a path or a metastore schema.

Every write of a run replaces that run's rows in one Delta commit per table
(``INSERT ... REPLACE WHERE run_id = ...``), so writing the same run twice leaves one copy. ``dq_runs`` is written
last: a run exists once its ``dq_runs`` row does, and the gate reads nothing else first. If a
write fails, the rows already written are deleted again; if the process dies (SIGKILL) between
commits, the next run of the same suite removes the leftover rows (older than ``ORPHAN_GRACE``).
Delta's optimistic-concurrency conflicts between jobs sharing the tables are retried with
exponential back-off and jitter.
"""
from __future__ import annotations

import logging
import os
import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from dqengine import metrics_schema as ms
from dqengine.checks.base import sql_literal
from dqengine.errors import ConfigError, MetricsStoreError, first_line
from dqengine.results import RunResult

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["MetricsLocation", "MetricsStore", "resolve_location", "DEFAULT_LOCATION"]

logger = logging.getLogger(__name__)

DEFAULT_LOCATION = "./dq_metrics"
#: How old the rows of a run without a dq_runs row must be before a later run removes them.
ORPHAN_GRACE = timedelta(minutes=15)
#: How far back a run looks for such rows: bounds the scan (Delta skips older per-run files by
#: their finished_at statistics) instead of reading the suite's whole history on every run.
ORPHAN_WINDOW = timedelta(days=7)
_METASTORE_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_CONFLICTS = (
    "ConcurrentAppendException", "ConcurrentDeleteReadException", "ConcurrentDeleteDeleteException",
    "MetadataChangedException", "ProtocolChangedException", "ConcurrentTransactionException",
    "ConcurrentWriteException", "DELTA_CONCURRENT", "FileAlreadyExistsException",
)
T = TypeVar("T")


@dataclass(frozen=True)
class MetricsLocation:
    """``path`` (a directory holding one Delta table per kind) or ``schema`` (a metastore prefix)."""

    kind: str
    value: str

    @classmethod
    def parse(cls, text: str) -> "MetricsLocation":
        text = text.strip()
        if not text:
            raise ConfigError("--metrics: empty location; give a directory or a catalog.schema prefix")
        if _METASTORE_PREFIX.match(text) and not text.startswith("."):
            return cls("schema", text)
        if "://" in text or text.startswith("dbfs:"):
            return cls("path", text.rstrip("/"))
        return cls("path", os.path.abspath(text))

    def table(self, name: str) -> str:
        if self.kind == "schema":
            return f"{self.value}.{name}"
        return "delta.`" + f"{self.value}/{name}".replace("`", "``") + "`"

    def __str__(self) -> str:
        return self.value


def resolve_location(cli_value: str | None) -> MetricsLocation:
    """``--metrics``, else ``DQENGINE_METRICS``, else ``./dq_metrics``."""
    return MetricsLocation.parse(cli_value or os.environ.get("DQENGINE_METRICS") or DEFAULT_LOCATION)


#: Another job is creating the same table right now: its first commit is not there yet.
_CREATE_RACE = ("DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",)


def _is_conflict(exc: BaseException, markers: tuple[str, ...] = _CONFLICTS) -> bool:
    text = f"{type(exc).__name__} {exc}"
    return any(marker in text for marker in markers)


def with_retries(action: Callable[[], T], what: str, attempts: int = 10, base_delay: float = 0.2,
                 markers: tuple[str, ...] = _CONFLICTS) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as exc:  # py4j and pyspark wrap Delta's exceptions; we look at their text
            if attempt == attempts or not _is_conflict(exc, markers):
                raise
            delay = base_delay * (2 ** (attempt - 1)) * (1 + random.random())
            logger.info("%s: concurrent commit, retrying in %.2fs (attempt %d)", what, delay, attempt)
            time.sleep(min(delay, 30.0))
    raise AssertionError("unreachable")


class MetricsStore:
    def __init__(self, spark: "SparkSession", location: MetricsLocation):
        self.spark = spark
        self.location = location

    def _create(self, table: str) -> None:
        self.spark.sql(f"CREATE TABLE IF NOT EXISTS {self.location.table(table)} ({ms.ddl(table)}) USING delta")

    def ensure_tables(self) -> None:
        for table in ms.TABLES:
            try:
                # a directory that stays non-empty and non-Delta is given up on after ~6 s
                with_retries(lambda t=table: self._create(t), f"create {table}", attempts=6,
                             markers=_CONFLICTS + _CREATE_RACE)
            except Exception as exc:
                raise MetricsStoreError(
                    f"cannot create metrics table {self.location.table(table)}: {first_line(exc)}; "
                    "check --metrics (a writable directory, or an existing catalog.schema)"
                ) from exc

    def write(self, run: RunResult) -> None:
        """Replace this run's rows in every table, dq_runs last; on failure take the others back."""
        self.ensure_tables()
        self._purge_orphans(run.suite, run.finished_at)
        by_table = ms.rows(run)
        written: list[str] = []
        for table in (ms.METRICS, ms.CHECK_RESULTS, ms.RUNS):
            target = self.location.table(table)
            view = f"_dq_rows_{table}_{uuid.uuid4().hex}"
            self.spark.createDataFrame(by_table[table], ms.schema_string(table)).createOrReplaceTempView(view)
            # One Delta commit that deletes this run's old rows and inserts the new ones. (The
            # DataFrame writers' overwrite-by-filter is refused for catalog tables in Delta 3.x.)
            statement = f"INSERT INTO {target} REPLACE WHERE run_id = {sql_literal(run.run_id)} SELECT * FROM {view}"
            try:
                with_retries(lambda: self.spark.sql(statement), f"write {table}")
                written.append(table)
            except Exception as exc:
                self._delete_run(run.run_id, written)
                raise MetricsStoreError(f"cannot write {target}: {first_line(exc)}") from exc
            finally:
                self.spark.catalog.dropTempView(view)
        logger.info("recorded run %s in %s", run.run_id, self.location)

    def _delete_run(self, run_id: str, tables: list[str]) -> None:
        for table in tables:
            try:
                with_retries(lambda t=table: self.spark.sql(
                    f"DELETE FROM {self.location.table(t)} WHERE run_id = {sql_literal(run_id)}"), f"undo {table}")
            except Exception:  # the orphan purge of a later run removes what is left
                logger.warning("could not remove the partial rows of run %s from %s", run_id, table, exc_info=True)

    def _purge_orphans(self, suite: str, now: datetime) -> None:
        """Remove rows of this suite's runs that died between their first and last commit.

        Such rows have no dq_runs row. Only rows older than ``ORPHAN_GRACE`` are touched, so the
        in-flight rows of a concurrent run (written seconds before its dq_runs row) are safe, and
        only those from the last ``ORPHAN_WINDOW``, so the cost does not grow with history.
        """
        from pyspark.sql import functions as F

        runs = self.read(ms.RUNS)
        if runs is None:
            return
        cutoff = now - ORPHAN_GRACE
        oldest = cutoff - ORPHAN_WINDOW
        for table in (ms.METRICS, ms.CHECK_RESULTS):
            child = self.read(table)
            if child is None:
                continue
            recent = ((F.col("suite") == suite) & (F.col("finished_at") < F.lit(cutoff))
                      & (F.col("finished_at") >= F.lit(oldest)))
            orphans = [r.run_id for r in
                       child.where(recent)
                            .select("run_id").distinct()
                            .join(runs.where(F.col("suite") == suite).select("run_id"), "run_id", "left_anti")
                            .collect()]
            if orphans:
                logger.warning("removing rows of %d unfinished run(s) from %s: %s", len(orphans), table,
                               ", ".join(orphans))
                ids = ", ".join(sql_literal(r) for r in orphans)
                with_retries(lambda: self.spark.sql(
                    f"DELETE FROM {self.location.table(table)} WHERE run_id IN ({ids})"), f"purge {table}")

    def read(self, table: str) -> "DataFrame | None":
        """The table, or None when it does not exist yet."""
        from pyspark.sql.utils import AnalysisException

        try:
            return self.spark.table(self.location.table(table))
        except AnalysisException:
            return None

    def runs(self, suite: str, dataset: str, version: int) -> list[Any]:
        """This suite's runs on one version of the dataset, newest first."""
        from pyspark.sql import functions as F

        df = self.read(ms.RUNS)
        if df is None:
            return []
        return (df.where((F.col("suite") == suite) & (F.col("dataset") == dataset)
                         & (F.col("dataset_version") == version))
                  .orderBy(F.col("finished_at").desc()).collect())

    def latest_checked_version(self, suite: str, dataset: str) -> int | None:
        from pyspark.sql import functions as F

        df = self.read(ms.RUNS)
        if df is None:
            return None
        row = df.where((F.col("suite") == suite) & (F.col("dataset") == dataset)) \
                .agg(F.max("dataset_version").alias("v")).head()
        return None if row is None or row["v"] is None else int(row["v"])

    def has_runs(self, suite: str, dataset: str) -> bool:
        from pyspark.sql import functions as F

        df = self.read(ms.RUNS)
        return df is not None and bool(
            df.where((F.col("suite") == suite) & (F.col("dataset") == dataset)).limit(1).count())

    def check_results(self, run_id: str) -> list[Any]:
        from pyspark.sql import functions as F

        df = self.read(ms.CHECK_RESULTS)
        if df is None:
            return []
        return df.where(F.col("run_id") == run_id).collect()
