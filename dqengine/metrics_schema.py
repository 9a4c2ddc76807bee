"""The one owner of the metrics tables' schemas and of how a run becomes their rows. Pure Python.

Users see three tables, long format, append-only history (a run's rows are only ever replaced by
the same run_id, which keeps re-runs idempotent):

* ``dq_runs`` — one row per run.
* ``dq_check_results`` — one row per configured constraint, whatever happened to it.
* ``dq_metrics`` — every metric Deequ computed (Deequ's entity/instance/name/value), numeric.

They are stored as one Delta table, ``dq_records``, partitioned by ``record`` (``run``, ``check``,
``metric``), and the three are views over it. Delta commits one table at a time, so this is what
lets a run land in a single commit: all of it, or (killed, failed) nothing of it. The partitions
keep the files apart as three tables would, so reading one kind skips the others' files.

``suite``, ``dataset`` and ``dataset_version`` are repeated on every row so history queries slice
one view without a join, and Delta's per-file min/max statistics skip the files of other runs
(the columns history queries filter on come first: Delta keeps statistics for the first 32).
"""
from __future__ import annotations

from dataclasses import dataclass

from dqengine.results import RunResult

__all__ = ["Column", "TABLES", "RUNS", "CHECK_RESULTS", "METRICS", "RECORDS", "RECORD", "KIND",
           "STORED", "LAYOUT", "rows", "records", "stored_rows", "column_names", "stored_ddl",
           "stored_schema_string", "view_sql", "view_ddl"]

RUNS = "dq_runs"
CHECK_RESULTS = "dq_check_results"
METRICS = "dq_metrics"
#: The one Delta table the three views read.
RECORDS = "dq_records"
#: Its partition column: which view a row belongs to.
RECORD = "record"
KIND = {RUNS: "run", CHECK_RESULTS: "check", METRICS: "metric"}
#: Table property that marks a dq_records table and its layout version.
LAYOUT = ("dqengine.layout", "1")


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

#: Stored first (in this order) because history queries and the gate filter on them.
_LEADING = ("run_id", "suite", "dataset", "dataset_version", "finished_at", "status", "name",
            "instance", "check", "constraint", "metric_name")


def _stored_columns() -> tuple[Column, ...]:
    by_name: dict[str, list[tuple[str, Column]]] = {}
    for table, columns in TABLES.items():
        for column in columns:
            by_name.setdefault(column.name, []).append((table, column))
    for name, uses in by_name.items():  # one physical column serves every view that has the name
        if len({c.type for _, c in uses}) != 1:
            raise AssertionError(f"column {name} has different types in {[t for t, _ in uses]}")
    order = list(_LEADING) + [n for n in by_name if n not in _LEADING]

    def comment(name: str) -> str:
        uses = by_name[name]
        if len({c.comment for _, c in uses}) == 1 and len(uses) == len(TABLES):
            return uses[0][1].comment
        return "; ".join(f"{table}: {c.comment}" for table, c in uses)

    return (Column(RECORD, "STRING", "run | check | metric: the view (dq_runs, dq_check_results, "
                                     "dq_metrics) the row belongs to"),
            *(Column(n, by_name[n][0][1].type, comment(n)) for n in order))


STORED: tuple[Column, ...] = _stored_columns()


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def _q(name: str) -> str:
    return f"`{name}`"


def _comment(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def stored_ddl() -> str:
    """Column list of ``CREATE TABLE dq_records`` (names quoted: `check` is a keyword)."""
    return ", ".join(f"{_q(c.name)} {c.type} COMMENT {_comment(c.comment)}" for c in STORED)


def stored_schema_string() -> str:
    """The same without comments: what ``createDataFrame`` takes as a schema."""
    return ", ".join(f"{_q(c.name)} {c.type}" for c in STORED)


def view_sql(table: str, source: str) -> str:
    """``SELECT`` that shows one view's rows of the stored table ``source``, in its column order."""
    return (f"SELECT {', '.join(_q(c.name) for c in TABLES[table])} FROM {source} "
            f"WHERE {RECORD} = '{KIND[table]}'")


def view_ddl(table: str, view: str, source: str, replace: bool = False) -> str:
    """``CREATE VIEW`` of one of the three tables over ``source``, with the columns' comments."""
    columns = ", ".join(f"{_q(c.name)} COMMENT {_comment(c.comment)}" for c in TABLES[table])
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW IF NOT EXISTS"
    return f"{verb} {view} ({columns}) AS {view_sql(table, source)}"


def stored_rows(table: str, table_rows: list[tuple]) -> list[tuple]:
    """Rows of one of the three tables (in its column order) as rows of ``dq_records``."""
    names = column_names(table)
    out = []
    for row in table_rows:
        values = dict(zip(names, row, strict=True))
        out.append((KIND[table], *(values.get(c.name) for c in STORED[1:])))
    return out


def rows(run: RunResult) -> dict[str, list[tuple]]:
    """A run as the rows of each of the three tables, in their column order."""
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


def records(run: RunResult) -> list[tuple]:
    """A run as the rows of ``dq_records``: what one commit writes."""
    return [row for table, table_rows in rows(run).items() for row in stored_rows(table, table_rows)]
