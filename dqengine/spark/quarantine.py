"""The quarantine: rows of the verified version that violate a row-level constraint, written to a
Delta table of the suite's choosing (``quarantine:``), and optionally the rows that violate none
(``clean:``), each in ONE Delta commit that replaces the rows of an earlier run of the same run id
and suite.

A row violates a constraint when the constraint's ``row_violation`` expression is TRUE for it:
the same predicate its metric counts, with the same NULL semantics (``ConstraintDef``). Lookups in
reference tables (``referential_integrity``) are the same joins the ``reference`` passes make,
against the same pinned versions. The quarantine holds the dataset's own columns plus
``_dq_run_id``, ``_dq_suite``, ``_dq_dataset_version`` and ``_dq_failed`` (the ids of the
constraints the row failed); the clean table the same without ``_dq_failed``.

Both are written after the verdicts and before the run is recorded; nothing here is read by the
gate. The counts (rows quarantined, per constraint, clean rows) become metric records of the run
(provider ``quarantine``), read back from the commit just made so they are the rows that landed.
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Collection, Mapping

from dqengine import metrics_schema as ms
from dqengine.checks.base import AnalyzerSpec, ReferenceLookup, WindowColumn, quote_identifier, sql_literal
from dqengine.checks.suite import Suite, output_identity
from dqengine.config.models import OutputModel
from dqengine.errors import ConfigError, ConfigIssue
from dqengine.identity import MetricScope, metric_key
from dqengine.results import MetricRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from dqengine.spark.reference import PinnedReference
    from dqengine.spark.store import MetricsLocation

__all__ = ["QUARANTINE", "RUN_ID", "SUITE", "DATASET_VERSION", "FAILED", "check_outputs", "write_outputs",
           "violations_frame"]

logger = logging.getLogger(__name__)

#: The provider name of the quarantine's metric records.
QUARANTINE = "quarantine"
RUN_ID, SUITE, DATASET_VERSION, FAILED = "_dq_run_id", "_dq_suite", "_dq_dataset_version", "_dq_failed"
QUARANTINED_ROWS, CLEAN_ROWS = "QuarantinedRows", "CleanRows"


def _target(output: OutputModel) -> str:
    """The output as a Spark SQL table reference."""
    if output.table is not None:
        return output.table
    return "delta.`" + output_identity(None, output.path).replace("`", "``") + "`"


def check_outputs(suite: Suite, location: "MetricsLocation") -> None:
    """The quarantine and clean tables must not be (or lie in) the metrics location: a config error
    at the suite's ``quarantine:``/``clean:`` (the dataset itself is refused when the suite loads)."""
    issues = []
    for key in ("quarantine", "clean"):
        output: OutputModel | None = getattr(suite, key)
        if output is None:
            continue
        identity = output_identity(output.table, output.path)
        clash = False
        if output.path is not None and location.kind == "path":
            clash = identity == location.value or identity.startswith(location.value.rstrip("/") + "/")
        elif output.table is not None and location.kind == "schema":
            schema, _, name = identity.rpartition(".")
            clash = schema == location.value and name in (ms.RECORDS, *ms.TABLES)
        if clash:
            line, col = suite.locations.get(key, (1, 1))
            issues.append(ConfigIssue(suite.source, line, col,
                                      f"{key} {identity} is in the metrics location {location.value}; give the "
                                      f"{key} rows a table of their own, outside the metrics"))
    if issues:
        raise ConfigError(issues)


def violations_frame(df: "DataFrame", violations: Collection[tuple[str, str]],
                     lookups: Collection[ReferenceLookup],
                     references: "Mapping[str, PinnedReference]",
                     windows: Collection[tuple[WindowColumn, ...]] = ()) -> "DataFrame":
    """``df``'s columns plus ``_dq_failed``: the ids of the constraints each row violates (empty
    when none), the violation expressions evaluated over ``df`` with the lookups' flags joined and
    the time-series constraints' window columns added (one shuffle and sort per window, as in
    their windowed pass: the second reading of a failing pair is the row that violates)."""
    from pyspark.sql import functions as F

    from dqengine.spark.providers import reference_flags, with_window_columns

    columns = [quote_identifier(c) for c in df.columns]
    frame = reference_flags(df, lookups, references) if lookups else df
    for window_columns in windows:
        frame = with_window_columns(frame, window_columns)
    if violations:
        failed = F.filter(F.array(*(F.when(F.expr(expression), F.lit(cid)) for cid, expression in violations)),
                          lambda x: x.isNotNull())
    else:
        failed = F.expr("CAST(array() AS array<string>)")
    return frame.select(*columns, failed.alias(FAILED))


def _write(spark: "SparkSession", output: OutputModel, rows: "DataFrame", run_id: str, suite: str) -> None:
    """Replace this run's rows of ``output`` by ``rows`` in one commit (creating the table if need be)."""
    from delta.tables import DeltaTable

    from dqengine.spark.store import with_retries

    target = _target(output)
    path = output_identity(None, output.path) if output.path is not None else None

    def exists() -> bool:
        return DeltaTable.isDeltaTable(spark, path) if path is not None else spark.catalog.tableExists(output.table)

    def once() -> None:
        if not exists():
            writer = rows.write.format("delta").mode("append")
            writer.save(path) if path is not None else writer.saveAsTable(output.table)
            return
        present = spark.table(target).columns
        if sorted(present) != sorted(rows.columns):
            raise ConfigError(f"{target} has columns {', '.join(present)}, but this run writes "
                              f"{', '.join(rows.columns)}; give the rows of the changed dataset a new table")
        view = f"_dq_out_{uuid.uuid4().hex}"
        rows.createOrReplaceTempView(view)
        try:
            predicate = f"{RUN_ID} = {sql_literal(run_id)} AND {SUITE} = {sql_literal(suite)}"
            spark.sql(f"INSERT INTO {target} REPLACE WHERE {predicate} "
                      f"SELECT {', '.join(quote_identifier(c) for c in present)} FROM {view}")
        finally:
            spark.catalog.dropTempView(view)

    with_retries(once, f"write {target}")


@dataclass(frozen=True)
class _Counted:
    rows: int
    per_constraint: dict[str, int]


def _count(spark: "SparkSession", output: OutputModel, run_id: str, suite: str,
           ids: Collection[str]) -> _Counted:
    """This run's rows in ``output`` as committed, and per constraint id (quarantine only)."""
    from pyspark.sql import functions as F

    df = spark.table(_target(output)).where((F.col(RUN_ID) == run_id) & (F.col(SUITE) == suite))
    aggregates = [F.count(F.lit(1)).alias("rows")]
    if FAILED in df.columns:
        aggregates += [F.count(F.when(F.array_contains(F.col(FAILED), cid), True)).alias(f"c{i}")
                       for i, cid in enumerate(ids)]
    row = df.agg(*aggregates).collect()[0]
    per = {cid: int(row[f"c{i}"]) for i, cid in enumerate(ids)} if FAILED in df.columns else {}
    return _Counted(int(row["rows"]), per)


def _record(name: str, entity: str, instance: str, value: int, scope: MetricScope, **params: str) -> MetricRecord:
    spec = AnalyzerSpec(name, (), tuple(sorted(params.items())))
    return MetricRecord(entity, instance, name, float(value), key=metric_key(spec, name, scope), provider=QUARANTINE)


def write_outputs(spark: "SparkSession", suite: Suite, df: "DataFrame", dataset_version: int, run_id: str,
                  violations: Collection[tuple[str, str]], lookups: Collection[ReferenceLookup],
                  references: "Mapping[str, PinnedReference]", scope: MetricScope,
                  windows: Collection[tuple[WindowColumn, ...]] = ()) -> tuple[MetricRecord, ...]:
    """Write the quarantine and clean rows of ``df`` (the pinned, filtered dataset, without derived
    columns); return the counts as metric records."""
    from pyspark.sql import functions as F

    frame = violations_frame(df, violations, lookups, references, windows).withColumns({
        RUN_ID: F.lit(run_id), SUITE: F.lit(suite.name), DATASET_VERSION: F.lit(dataset_version).cast("bigint")})
    originals = [quote_identifier(c) for c in df.columns]
    meta = [RUN_ID, SUITE, DATASET_VERSION]
    records: list[MetricRecord] = []
    ids = [cid for cid, _ in violations]
    if suite.quarantine is not None:
        bad = frame.where(F.size(F.col(FAILED)) > 0).select(*originals, *meta, FAILED)
        _write(spark, suite.quarantine, bad, run_id, suite.name)
        counted = _count(spark, suite.quarantine, run_id, suite.name, ids)
        target = output_identity(suite.quarantine.table, suite.quarantine.path)
        records.append(_record(QUARANTINED_ROWS, "Dataset", "*", counted.rows, scope, quarantine=target))
        records += [_record(QUARANTINED_ROWS, "Constraint", cid, n, scope, quarantine=target, constraint=cid)
                    for cid, n in counted.per_constraint.items()]
        logger.info("quarantined %d rows in %s", counted.rows, target)
    if suite.clean is not None:
        good = frame.where(F.size(F.col(FAILED)) == 0).select(*originals, *meta)
        _write(spark, suite.clean, good, run_id, suite.name)
        target = output_identity(suite.clean.table, suite.clean.path)
        counted = _count(spark, suite.clean, run_id, suite.name, ())
        records.append(_record(CLEAN_ROWS, "Dataset", "*", counted.rows, scope, clean=target))
    return tuple(records)
