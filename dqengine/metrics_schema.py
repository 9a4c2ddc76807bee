"""The one owner of the metrics tables' schemas and of how a run becomes their rows. Pure Python.

Three Delta tables, long format, append-only history (a run's rows are only ever replaced by the
same run_id, which keeps re-runs idempotent):

* ``dq_runs`` — one row per run; the row is written last and is what makes a run count.
* ``dq_check_results`` — one row per configured constraint, whatever happened to it.
* ``dq_metrics`` — every metric Deequ computed (Deequ's entity/instance/name/value), numeric.

``suite``, ``dataset`` and ``dataset_version`` are repeated on every table so history queries slice
one table without a join, and Delta's per-file min/max statistics skip the files of other runs.
"""
from __future__ import annotations

from dataclasses import dataclass

from dqengine.results import RunResult

__all__ = ["Column", "TABLES", "RUNS", "CHECK_RESULTS", "METRICS", "ddl", "rows", "column_names"]

RUNS = "dq_runs"
CHECK_RESULTS = "dq_check_results"
METRICS = "dq_metrics"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str


TABLES: dict[str, tuple[Column, ...]] = {
    RUNS: (
        Column("run_id", "STRING", "unique id of the run (also the key of its rows in every table)"),
        Column("suite", "STRING", "suite name"),
        Column("suite_fingerprint", "STRING", "sha256 of what the suite asks; the gate compares it"),
        Column("dataset", "STRING", "metastore table name, or absolute path of the Delta table"),
        Column("dataset_version", "BIGINT", "Delta version that was verified"),
        Column("dataset_filter", "STRING", "the suite's `where`, if any"),
        Column("started_at", "TIMESTAMP", "UTC"),
        Column("finished_at", "TIMESTAMP", "UTC"),
        Column("status", "STRING", "PASSED | WARNING | FAILED | ERROR"),
        Column("row_count", "BIGINT", "rows verified (after the filter)"),
        Column("constraints_total", "INT", "constraints in the suite"),
        Column("constraints_failed", "INT", "constraints that did not pass (any severity)"),
        Column("engine_version", "STRING", "dqengine version"),
        Column("spark_version", "STRING", "Spark version"),
        Column("deequ_version", "STRING", "Deequ build"),
        Column("message", "STRING", "why the run is ERROR, or a summary"),
    ),
    CHECK_RESULTS: (
        Column("run_id", "STRING", "dq_runs.run_id"),
        Column("suite", "STRING", "suite name"),
        Column("dataset", "STRING", "as in dq_runs"),
        Column("dataset_version", "BIGINT", "as in dq_runs"),
        Column("check", "STRING", "check name in the suite"),
        Column("constraint_index", "INT", "position of the constraint in its check (0-based)"),
        Column("constraint", "STRING", "constraint type, e.g. completeness"),
        Column("label", "STRING", "readable description, e.g. completeness(temperature)"),
        Column("column", "STRING", "column(s) checked, comma-separated"),
        Column("severity", "STRING", "error | warning"),
        Column("dimension", "STRING", "completeness | validity | uniqueness | consistency | distribution"),
        Column("status", "STRING", "PASSED | FAILED | ERROR | NOT_EVALUATED"),
        Column("metric_name", "STRING", "Deequ metric the verdict is based on"),
        Column("metric_value", "DOUBLE", "its value; NULL when it could not be computed"),
        Column("threshold", "STRING", "what the metric had to satisfy"),
        Column("message", "STRING", "the verdict in words"),
        Column("finished_at", "TIMESTAMP", "as in dq_runs, for history queries without a join"),
    ),
    METRICS: (
        Column("run_id", "STRING", "dq_runs.run_id"),
        Column("suite", "STRING", "suite name"),
        Column("dataset", "STRING", "as in dq_runs"),
        Column("dataset_version", "BIGINT", "as in dq_runs"),
        Column("entity", "STRING", "Dataset | Column | Multicolumn"),
        Column("instance", "STRING", "column(s) or * for the dataset"),
        Column("name", "STRING", "Deequ metric name, e.g. Completeness"),
        Column("value", "DOUBLE", "NULL when the metric failed"),
        Column("error", "STRING", "why the metric failed, else NULL"),
        Column("finished_at", "TIMESTAMP", "as in dq_runs"),
    ),
}


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def _q(name: str) -> str:
    return f"`{name}`"


def ddl(table: str) -> str:
    """Column list for CREATE TABLE and for createDataFrame (names quoted: `check` is a keyword)."""
    return ", ".join(f"{_q(c.name)} {c.type} COMMENT '{c.comment.replace(chr(39), chr(92) + chr(39))}'"
                     for c in TABLES[table])


def schema_string(table: str) -> str:
    """The same, without comments: what ``createDataFrame`` takes as a schema."""
    return ", ".join(f"{_q(c.name)} {c.type}" for c in TABLES[table])


def rows(run: RunResult) -> dict[str, list[tuple]]:
    """A run as the rows of each table, in column order."""
    failed = sum(1 for c in run.constraints if c.status.value != "PASSED")
    ds = (run.suite, run.dataset, run.dataset_version)
    return {
        RUNS: [(
            run.run_id, run.suite, run.suite_fingerprint, run.dataset, run.dataset_version,
            run.extra.get("dataset_filter"), run.started_at, run.finished_at, run.status.value,
            run.row_count, len(run.constraints), failed, run.engine_version, run.spark_version,
            run.deequ_version, run.message,
        )],
        CHECK_RESULTS: [
            (run.run_id, *ds, c.check, c.constraint_index, c.constraint, c.label, ",".join(c.columns),
             c.severity, c.dimension, c.status.value, c.metric_name, c.metric_value, c.threshold,
             c.message, run.finished_at)
            for c in run.constraints
        ],
        METRICS: [
            (run.run_id, *ds, m.entity, m.instance, m.name, m.value, m.error, run.finished_at)
            for m in run.metrics
        ],
    }
