"""Reading and writing the metrics tables (Delta), under a path or a metastore schema.

A run is stored in one Delta table, ``dq_records`` (see ``metrics_schema``), by one commit that
replaces that run's rows (``INSERT ... REPLACE WHERE run_id = ...``): the run is there completely
or not at all, whether the job fails or is killed at any point, and writing the same run twice
leaves one copy. ``dq_runs``, ``dq_check_results`` and ``dq_metrics`` are views over it: created
in the metastore schema for a schema location, registered as temporary views on request
(:func:`register_views`) for a path location. Delta's optimistic-concurrency conflicts between
jobs sharing the table are retried with exponential back-off and jitter.

Layouts (``metrics_schema.LAYOUTS``): a table of an older layout is read as it is (the columns it
lacks read as NULL) and migrated in place by the first run that writes to it (``ALTER TABLE ...
ADD COLUMNS``, then the layout property, then the views), idempotently and safely under
concurrent runs. A table of a newer layout, or one that is not dqengine's, is refused.
"""
from __future__ import annotations

import logging
import os
import random
import re
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence, TypeVar

from dqengine import metrics_schema as ms
from dqengine._version import __version__
from dqengine.checks.base import sql_literal
from dqengine.errors import ConfigError, MetricsStoreError, first_line
from dqengine.results import RunResult, StateRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["MetricsLocation", "MetricsStore", "resolve_location", "settle_location", "check_metrics_directory",
           "register_views", "run_predicate", "check_layout", "DEFAULT_LOCATION"]

logger = logging.getLogger(__name__)

DEFAULT_LOCATION = "./dq_metrics"
_METASTORE_PREFIX = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")
_CONFLICTS = (
    "ConcurrentAppendException", "ConcurrentDeleteReadException", "ConcurrentDeleteDeleteException",
    "MetadataChangedException", "ProtocolChangedException", "ConcurrentTransactionException",
    "ConcurrentWriteException", "DELTA_CONCURRENT", "FileAlreadyExistsException",
)
T = TypeVar("T")


@dataclass(frozen=True)
class MetricsLocation:
    """Where the metrics live: ``path`` (a directory holding the ``dq_records`` Delta table),
    ``schema`` (a metastore ``schema`` or ``catalog.schema``), or ``word`` (a bare name such as
    ``quality``, settled by :func:`settle_location` once a session is there: the schema of that
    name if one exists, else the directory ``./quality``)."""

    kind: str
    value: str

    @classmethod
    def parse(cls, text: str) -> "MetricsLocation":
        text = text.strip()
        if not text:
            raise ConfigError("--metrics: empty location; give a directory (./dq_metrics) or a "
                              "catalog.schema, or leave --metrics out for $DQENGINE_METRICS or ./dq_metrics")
        if _METASTORE_PREFIX.match(text) and not text.startswith("."):
            return cls("schema" if "." in text else "word", text)
        if "://" in text or text.startswith("dbfs:"):
            return cls("path", text.rstrip("/"))
        return cls("path", os.path.abspath(text))

    def table(self, name: str) -> str:
        if self.kind == "schema":
            return f"{self.value}.{name}"
        if self.kind == "word":
            raise AssertionError("settle_location() decides what a bare word is before any table is named")
        return "delta.`" + f"{self.value}/{name}".replace("`", "``") + "`"

    def __str__(self) -> str:
        return self.value


def resolve_location(cli_value: str | None) -> MetricsLocation:
    """``--metrics``, else ``DQENGINE_METRICS``, else ``./dq_metrics``. ``--metrics ""`` is an error."""
    if cli_value is not None:
        return MetricsLocation.parse(cli_value)
    return MetricsLocation.parse(os.environ.get("DQENGINE_METRICS") or DEFAULT_LOCATION)


def _delta_table_around(path: str) -> str | None:
    """The Delta table that ``path`` is, or lies inside of (local paths only), else None."""
    if "://" in path or path.startswith("dbfs:"):
        return None
    current = os.path.abspath(path)
    while True:
        if os.path.isdir(os.path.join(current, "_delta_log")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def settle_location(spark: "SparkSession", location: MetricsLocation) -> MetricsLocation:
    """Check a location against the session before anything is computed or written.

    A schema must exist in a catalog this session has, and in a metastore that outlives the
    process: in Spark's in-memory catalog (no Hive support, no Unity Catalog) the next process,
    the gate's, would not find the tables. A directory must not be, or lie in, a Delta data table.
    """
    if location.kind == "word":
        if spark.catalog.databaseExists(location.value):
            location = MetricsLocation("schema", location.value)
        else:
            location = MetricsLocation("path", os.path.abspath(location.value))
    if location.kind == "schema":
        _check_schema(spark, location.value)
        return location
    check_metrics_directory(location)
    return location


def check_metrics_directory(location: MetricsLocation) -> None:
    """A metrics directory must not be, or lie in, a Delta data table (no session needed, so the
    no-JVM gate refuses the same locations with the same messages)."""
    table = _delta_table_around(location.value)
    if table is None or table == f"{location.value}/{ms.RECORDS}":
        return
    if table != location.value:
        raise ConfigError(f"--metrics {location.value} lies inside the Delta table {table}; "
                          "give the metrics a directory of their own (e.g. ./dq_metrics)")
    if os.path.basename(table) == ms.RECORDS:
        raise ConfigError(f"--metrics {location.value} is the metrics table itself; give the directory "
                          f"that holds it ({os.path.dirname(table)})")
    raise ConfigError(f"--metrics {location.value} is a Delta data table, not a metrics location; give "
                      "the metrics a directory of their own (e.g. ./dq_metrics)")


def _check_schema(spark: "SparkSession", name: str) -> None:
    parts = name.split(".")
    catalogs = [c.name for c in spark.catalog.listCatalogs()]
    if len(parts) == 2 and parts[0] not in catalogs and parts[0] != "spark_catalog":
        raise ConfigError(
            f"--metrics {name}: this Spark session has no catalog '{parts[0]}' (catalogs: "
            f"{', '.join(catalogs)}); a catalog.schema name needs Unity Catalog (a Databricks UC "
            "cluster); here give a schema name or a directory")
    in_session_catalog = len(parts) == 1 or parts[0] == "spark_catalog"
    if in_session_catalog and spark.conf.get("spark.sql.catalogImplementation", "in-memory") == "in-memory":
        raise ConfigError(
            f"--metrics {name}: this session's metastore is in memory (no Hive support, no Unity "
            "Catalog), so tables created there vanish with the process and the gate would not find "
            "them; give a directory (e.g. ./dq_metrics) or use a session with a persistent metastore")
    if not spark.catalog.databaseExists(name):
        raise ConfigError(f"--metrics {name}: schema '{name}' does not exist; create it "
                          f"(CREATE SCHEMA {name}) or give a directory")


#: Another job is creating the same table right now: its first commit is not there yet.
_CREATE_RACE = ("DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION",)
#: Another job added the same columns first (the next attempt finds them there).
_ADDED_ALREADY = ("FIELDS_ALREADY_EXISTS", "already exists", "DELTA_DUPLICATE_COLUMNS_FOUND")


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


def run_predicate(run_id: str, suite: str, dataset: str) -> str:
    """SQL that selects one run's rows: a run id alone may be shared by several suites of a job."""
    return (f"run_id = {sql_literal(run_id)} AND suite = {sql_literal(suite)} "
            f"AND dataset = {sql_literal(dataset)}")


def legacy_layout_message(location: MetricsLocation, tables: list[str]) -> str:
    """Why a location holding dqengine 0.1's tables is refused (by the Spark and the no-JVM gate)."""
    return (f"{location} holds metrics tables in the layout of dqengine 0.1 ({', '.join(tables)}), "
            f"which this version neither reads nor writes (a run is now one commit to {ms.RECORDS}); "
            "give --metrics a new location, or move or drop those tables")


def foreign_table_message(table: str, columns: list[str]) -> str:
    """Why a ``dq_records`` that dqengine did not create is refused."""
    return (f"{table} is not a dqengine metrics table (columns {', '.join(columns)}); "
            "give --metrics a location that dqengine owns")


def newer_layout_message(table: str, layout: str) -> str:
    """Why a ``dq_records`` written by a newer dqengine is refused."""
    return (f"{table} has metrics layout {layout}, newer than this dqengine {__version__} knows (layout "
            f"{ms.CURRENT_LAYOUT}); upgrade dqengine (pip install -U dqengine) wherever this location is used")


def check_layout(table: str, columns: list[str], properties: Mapping[str, str]) -> int:
    """The layout of a ``dq_records`` table: by its columns, each layout's exactly; a newer layout
    (by its ``dqengine.layout`` property) or a table that is not ours is a ``MetricsStoreError``.

    The property alone does not decide: a migration killed between adding the columns and
    setting the property leaves a table whose columns are already the next layout's.
    """
    declared = properties.get(ms.LAYOUT_PROPERTY, "")
    if declared.isdigit() and int(declared) > ms.CURRENT_LAYOUT:
        raise MetricsStoreError(newer_layout_message(table, declared))
    layout = ms.layout_of(columns)
    if layout is None:
        raise MetricsStoreError(foreign_table_message(table, columns))
    return layout


class MetricsStore:
    def __init__(self, spark: "SparkSession", location: MetricsLocation):
        self.spark = spark
        self.location = settle_location(spark, location)
        self.records_table = self.location.table(ms.RECORDS)
        self._ready = False
        #: layout and columns of the table as last read (a concurrent migration changes them)
        self._layout: int | None = None
        self._columns: list[str] = []
        self._declared: str | None = None

    # -- layout ----------------------------------------------------------------------------------

    def _legacy_tables(self) -> list[str]:
        """The separate dq_runs/... tables that dqengine 0.1 wrote here, if any."""
        found = []
        for table in ms.TABLES:
            name = self.location.table(table)
            if self.location.kind == "path":
                from delta.tables import DeltaTable

                if DeltaTable.isDeltaTable(self.spark, f"{self.location.value}/{table}"):
                    found.append(name)
            elif self.spark.catalog.tableExists(name) and \
                    self.spark.catalog.getTable(name).tableType.upper() != "VIEW":
                found.append(name)
        return found

    def _refuse_legacy_layout(self) -> None:
        legacy = self._legacy_tables()
        if legacy:
            raise MetricsStoreError(legacy_layout_message(self.location, legacy))

    def _properties(self) -> dict[str, str]:
        # SHOW TBLPROPERTIES needs only the table's metadata; DESCRIBE DETAIL also counts its files,
        # a Spark job over the whole log (seconds in a cold process).
        return {r["key"]: r["value"] for r in self.spark.sql(f"SHOW TBLPROPERTIES {self.records_table}").collect()}

    def _check_records_schema(self, df: "DataFrame") -> int:
        """The table's layout (see :func:`check_layout`), remembering the layout it declares."""
        properties = self._properties()
        self._declared = properties.get(ms.LAYOUT_PROPERTY)
        return check_layout(self.records_table, df.columns, properties)

    def _create(self) -> None:
        key, value = ms.LAYOUT
        self.spark.sql(f"CREATE TABLE IF NOT EXISTS {self.records_table} ({ms.stored_ddl()}) USING delta "
                       f"PARTITIONED BY ({ms.RECORD}) TBLPROPERTIES ('{key}' = '{value}')")

    def _migrate(self) -> None:
        """Bring the table to the current layout in place: add the columns it lacks, then set the
        layout property. Each step looks at the table afresh, so a migration that another run
        finished (or half-finished) first is taken as it is, and retrying after a conflict is safe."""
        key, value = ms.LAYOUT

        def step() -> None:
            columns = self.spark.table(self.records_table).columns
            properties = self._properties()
            before = check_layout(self.records_table, columns, properties)
            missing = ms.missing_columns(columns)
            if missing:
                self.spark.sql(f"ALTER TABLE {self.records_table} ADD COLUMNS ({ms.columns_ddl(missing)})")
            if properties.get(key) != value:
                self.spark.sql(f"ALTER TABLE {self.records_table} SET TBLPROPERTIES ('{key}' = '{value}')")
            if missing or properties.get(key) != value:
                logger.info("migrated %s from metrics layout %d to %s", self.records_table, before, value)

        try:
            with_retries(step, f"migrate {ms.RECORDS}", markers=_CONFLICTS + _ADDED_ALREADY)
        except MetricsStoreError:
            raise
        except Exception as exc:
            raise MetricsStoreError(f"cannot migrate metrics table {self.records_table} to layout {value}: "
                                    f"{first_line(exc)}; check that this job may alter it") from exc

    def ensure_tables(self) -> None:
        """Create ``dq_records`` (and, in a metastore schema, the three views) unless they exist."""
        if self._ready:
            return
        df = self._records()
        migrated = False
        if df is None:
            self._refuse_legacy_layout()
            try:
                # a directory that stays non-empty and non-Delta is given up on after ~6 s
                with_retries(self._create, f"create {ms.RECORDS}", attempts=6,
                             markers=_CONFLICTS + _CREATE_RACE)
            except Exception as exc:
                raise MetricsStoreError(
                    f"cannot create metrics table {self.records_table}: {first_line(exc)}; "
                    "check --metrics (a writable directory, or an existing catalog.schema)"
                ) from exc
        elif self._layout != ms.CURRENT_LAYOUT or self._declared != ms.LAYOUT[1]:
            self._migrate()
            migrated = True
        if self.location.kind == "schema":
            self._ensure_views(replace=migrated)
        self._ready = True

    def ensure_writable(self) -> None:
        """Create the table if need be and, for a local directory, check that we may write it."""
        self.ensure_tables()
        if self.location.kind != "path" or "://" in self.location.value or self.location.value.startswith("dbfs:"):
            return  # object stores and metastores say so only when written; the write reports it
        log = os.path.join(self.location.value, ms.RECORDS, "_delta_log")
        if not os.access(log, os.W_OK | os.X_OK):
            raise MetricsStoreError(f"cannot write metrics table {self.records_table}: {log} is not "
                                    "writable by this user; fix its permissions or give --metrics "
                                    "another directory")

    def _ensure_views(self, replace: bool = False) -> None:
        """Create the three views, or put back one that was dropped or has other columns.

        ``replace``: recreate them all (after a migration: a view read before it shows the columns
        the table lacked as NULL)."""
        present = self.spark.table(self.records_table).columns
        for table in ms.TABLES:
            view = self.location.table(table)
            try:
                if self.spark.catalog.tableExists(view):
                    if self.spark.catalog.getTable(view).tableType.upper() != "VIEW":
                        self._refuse_legacy_layout()
                    if not replace and self.spark.table(view).columns == ms.column_names(table):
                        continue
                    statement = ms.view_ddl(table, view, self.records_table, replace=True, present=present)
                else:
                    statement = ms.view_ddl(table, view, self.records_table, present=present)
                with_retries(lambda s=statement: self.spark.sql(s), f"create view {table}", attempts=6,
                             markers=_CONFLICTS + ("already exists", "ALREADY_EXISTS"))
            except MetricsStoreError:
                raise
            except Exception as exc:
                raise MetricsStoreError(f"cannot create view {view}: {first_line(exc)}; "
                                        "check that the job may create views in that schema") from exc

    # -- writing ---------------------------------------------------------------------------------

    def write(self, run: RunResult, fresh: bool = False) -> None:
        """Replace this run's rows in one Delta commit: the whole run lands, or nothing of it.

        ``fresh``: the run id was made for this run (a uuid4, :func:`dqengine.spark.runner.new_run_id`),
        so no row can hold it yet and the rows are appended, still in one commit. A ``REPLACE
        WHERE`` also scans the table for the rows to replace and checks every written row against
        the condition: on the idle 2-core machine 1.6 s against 0.45 s for the append
        (``bench/bench_suites.py``'s recording time). A run id the caller gave may repeat (a
        scheduler re-running a task), so its rows replace; so do a fresh run's after a failed
        attempt, in case that attempt's commit landed after all.
        """
        self.ensure_tables()
        view = f"_dq_records_{uuid.uuid4().hex}"
        # one task, so a run adds one file per record kind instead of one per core
        self.spark.createDataFrame(ms.records(run), ms.stored_schema_string()).coalesce(1) \
            .createOrReplaceTempView(view)
        # One commit that deletes this run's old rows and inserts the new ones. (The DataFrame
        # writers' overwrite-by-filter is refused for catalog tables in Delta 3.x.) A run is known
        # by (run_id, suite, dataset): a scheduler's run id is shared by every suite of its job.
        # INSERT matches by position: the columns are named in the table's order, which
        # ensure_tables() made the current layout's.
        columns = ", ".join(f"`{c.name}`" for c in ms.STORED)
        replace = (f"INSERT INTO {self.records_table} REPLACE WHERE {run_predicate(run.run_id, run.suite, run.dataset)} "
                   f"SELECT {columns} FROM {view}")
        attempts: list[str] = []

        def insert() -> None:
            first = fresh and not attempts
            attempts.append("append" if first else "replace")
            self.spark.sql(f"INSERT INTO {self.records_table} SELECT {columns} FROM {view}" if first else replace)

        try:
            with_retries(insert, f"write run {run.run_id}")
        except Exception as exc:
            raise MetricsStoreError(f"cannot write {self.records_table}: {first_line(exc)}; "
                                    f"run {run.run_id} was not recorded") from exc
        finally:
            self.spark.catalog.dropTempView(view)
        logger.info("recorded run %s in %s", run.run_id, self.location)

    # -- reading ---------------------------------------------------------------------------------

    def _records(self) -> "DataFrame | None":
        from pyspark.sql.utils import AnalysisException

        try:
            df = self.spark.table(self.records_table)
        except AnalysisException:
            return None
        if self._layout is None or df.columns != self._columns:
            self._layout = self._check_records_schema(df)
            self._columns = df.columns
        return df

    def read(self, table: str) -> "DataFrame | None":
        """One of the three tables (``dq_runs``, ...), or None when nothing was recorded here yet.

        From a table of an older layout (read, never migrated here), the columns it lacks are NULL.
        """
        from pyspark.sql import functions as F

        df = self._records()
        if df is None:
            self._refuse_legacy_layout()  # rather than answer "never checked" about old history
            return None
        return df.where(F.col(ms.RECORD) == ms.KIND[table]).select(
            *(F.col(c.name) if c.name in df.columns else F.lit(None).cast(c.type).alias(c.name)
              for c in ms.TABLES[table]))

    def states(self, run_id: str, suite: str, dataset: str) -> dict[str, StateRecord]:
        """The Deequ states (``state`` and ``sketch`` rows) one run stored, by metric key; none
        from a run recorded before layout 2. Load them into Deequ with
        :func:`dqengine.spark.states.metrics_from_states`."""
        from pyspark.sql import functions as F

        df = self._records()
        if df is None or "payload" not in df.columns:
            return {}
        rows = df.where(F.col(ms.RECORD).isin(ms.STATE, ms.SKETCH) & (F.col("run_id") == run_id)
                        & (F.col("suite") == suite) & (F.col("dataset") == dataset)).collect()
        return {r["metric_key"]: StateRecord(r[ms.RECORD], r["metric_key"], r["entity"], r["instance"], r["name"],
                                             bytes(r["payload"]), r["payload_format"], r["payload_type"])
                for r in rows}

    def runs(self, suite: str, dataset: str, version: int, last: int | None = None) -> list[Any]:
        """This suite's runs on the dataset at ``version`` (or versions ``version``..``last``), newest first."""
        from pyspark.sql import functions as F

        df = self.read(ms.RUNS)
        if df is None:
            return []
        last = version if last is None else last
        rows = df.where((F.col("suite") == suite) & (F.col("dataset") == dataset)
                        & F.col("dataset_version").between(version, last)).collect()
        # Sorted here: a few rows, and Spark's orderBy would add a sampling job to every gate.
        return sorted(rows, key=lambda r: (r["finished_at"] is not None, r["finished_at"]), reverse=True)

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

    def register_views(self) -> dict[str, str]:
        """See :func:`register_views`."""
        if self._records() is None:
            self._refuse_legacy_layout()
            raise MetricsStoreError(f"no metrics recorded in {self.location} yet ({self.records_table} does "
                                    "not exist); run a suite with --metrics pointing there first")
        if self.location.kind == "schema":
            self._ensure_views()
            return {table: self.location.table(table) for table in ms.TABLES}
        present = self.spark.table(self.records_table).columns
        for table in ms.TABLES:
            self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW {table} AS "
                           f"{ms.view_sql(table, self.records_table, present)}")
        return {table: table for table in ms.TABLES}

    def scores(self, run_id: str, suite: str, dataset: str) -> list[Any]:
        """The ``dq_scores`` rows of one run of ``suite`` on ``dataset`` (none before layout 3)."""
        from pyspark.sql import functions as F

        df = self.read(ms.SCORES)
        if df is None:
            return []
        return df.where((F.col("run_id") == run_id) & (F.col("suite") == suite)
                        & (F.col("dataset") == dataset)).collect()

    def check_results(self, run_id: str, suite: str, dataset: str) -> list[Any]:
        """The ``dq_check_results`` rows of one run of ``suite`` on ``dataset``: a scheduler's run id
        (``{{job.run_id}}``) may be shared by several suites of one job."""
        from pyspark.sql import functions as F

        df = self.read(ms.CHECK_RESULTS)
        if df is None:
            return []
        return df.where((F.col("run_id") == run_id) & (F.col("suite") == suite)
                        & (F.col("dataset") == dataset)).collect()

def register_views(spark: "SparkSession", metrics: "str | MetricsLocation | None" = None) -> dict[str, str]:
    """Make ``dq_runs``, ``dq_check_results`` and ``dq_metrics`` queryable by SQL in this session.

    For a path location they become temporary views over ``<path>/dq_records``; in a metastore
    schema they already are views, created by the first run. Returns each table's SQL name.
    """
    location = metrics if isinstance(metrics, MetricsLocation) else resolve_location(metrics)
    return MetricsStore(spark, location).register_views()


class SparkRecords:
    """:class:`dqengine.records.Records` through Spark: any location (catalog schema, cloud paths)."""

    def __init__(self, spark: "SparkSession", location: MetricsLocation):
        self.store = MetricsStore(spark, location)
        self.location = location
        self._df = self.store.read(ms.RUNS)  # refuses a foreign or 0.1 layout, as the local reader does

    def exists(self) -> bool:
        return self._df is not None

    def rows(self, table: str, columns: Sequence[str] | None = None, **equal: Any) -> list[dict[str, Any]]:
        from pyspark.sql import functions as F

        df = self.store.read(table)
        if df is None:
            return []
        wanted = list(columns) if columns is not None else [c.name for c in ms.TABLES[table]]
        for name, value in equal.items():
            df = df.where(F.col(name) == F.lit(value))
        return [r.asDict() for r in df.select(*wanted).collect()]


def open_records(location: MetricsLocation, spark_factory: "Callable[[], SparkSession]"):
    """The reader for ``location``: without a JVM for a local directory, else through Spark
    (``spark_factory`` is called only then)."""
    from dqengine.records import LocalRecords, local_records_apply

    if local_records_apply(location):
        return LocalRecords(location)
    return SparkRecords(spark_factory(), location)
