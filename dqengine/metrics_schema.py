"""The one owner of the metrics tables' schemas, their layout history, and how a run becomes rows.
Pure Python.

Users see four tables, long format, append-only history (a run's rows are only ever replaced by
the same run_id, which keeps re-runs idempotent):

* ``dq_runs`` — one row per run.
* ``dq_check_results`` — one row per configured constraint, whatever happened to it.
* ``dq_metrics`` — every metric Deequ computed (Deequ's entity/instance/name/value), numeric.
* ``dq_scores`` — the run's quality score per dimension, and overall (``dqengine.scores``).

They are stored as one Delta table, ``dq_records``, partitioned by ``record`` (``run``, ``check``,
``metric``, ``score``), and the four are views over it. Delta commits one table at a time, so this is what
lets a run land in a single commit: all of it, or (killed, failed) nothing of it. The partitions
keep the files apart as three tables would, so reading one kind skips the others' files. Two more
kinds have no view: ``state`` and ``sketch``, Deequ's serialised analyzer states (see
``dqengine.spark.states``), for the engine to load back; they land in the same commit.

``suite``, ``dataset`` and ``dataset_version`` are repeated on every row so history queries slice
one view without a join, and Delta's per-file min/max statistics skip the files of other runs
(the columns history queries filter on come first: Delta keeps statistics for the first 32).

The table evolves by layouts (``LAYOUTS``): each one only *adds* columns, at the end, so an older
table becomes the current one by ``ALTER TABLE ... ADD COLUMNS`` of what it lacks (the store does
that when a run writes to it), and rows of older runs read NULL there. The table property
``dqengine.layout`` says which layout a table has. Rows are built as mappings column -> value and
put in stored order in one place (:func:`stored_row`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping

from dqengine.results import RunResult
from dqengine.scores import constraint_score

__all__ = ["Column", "Layout", "TABLES", "STATE_COLUMNS", "RUNS", "CHECK_RESULTS", "METRICS", "SCORES", "RECORDS",
           "RECORD", "KIND", "STATE", "SKETCH", "KIND_COLUMNS", "STORED", "LAYOUT", "LAYOUT_PROPERTY",
           "LAYOUTS", "CURRENT_LAYOUT", "layout_of", "missing_columns", "rows", "records", "stored_row",
           "stored_rows", "column_names", "columns_ddl", "stored_ddl", "stored_schema_string", "view_sql",
           "view_ddl"]

RUNS = "dq_runs"
CHECK_RESULTS = "dq_check_results"
METRICS = "dq_metrics"
SCORES = "dq_scores"
#: The one Delta table the views read.
RECORDS = "dq_records"
#: Its partition column: the kind of record (which view a row belongs to, if any).
RECORD = "record"
KIND = {RUNS: "run", CHECK_RESULTS: "check", METRICS: "metric", SCORES: "score"}
#: Kinds with no view: Deequ's analyzer states, and the states that are sketches (KLL, HLL).
STATE = "state"
SKETCH = "sketch"


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
        Column("dimension", "STRING", "completeness | validity | consistency | uniqueness | timeliness | accuracy "
                                      "| distribution (the type's default, or the suite's dimension:)"),
        Column("status", "STRING", "PASSED | FAILED | ERROR | NOT_EVALUATED"),
        Column("metric_name", "STRING", "Deequ metric the verdict is based on"),
        Column("metric_value", "DOUBLE", "its value; NULL when it could not be computed"),
        Column("threshold", "STRING", "what the metric had to satisfy"),
        Column("message", "STRING", "the verdict in words"),
        Column("finished_at", "TIMESTAMP", "as in dq_runs, for history queries without a join"),
        Column("constraint_id", "STRING", "the constraint's `id:` in the suite, else a hash of (check, "
                                          "type, parameters); stable across runs (layout 2; NULL before)"),
        Column("metric_key", "STRING", "key of the metric the verdict is based on (dq_metrics.metric_key); "
                                       "NULL when none or recorded before layout 2"),
        Column("score", "DOUBLE", "the constraint's score: its row fraction for row-level constraints, else "
                                  "1 PASSED, 0 FAILED; NULL when ERROR or NOT_EVALUATED (left out) or "
                                  "recorded before layout 3"),
        Column("weight", "DOUBLE", "its weight in its dimension's score (weight:, default 1; layout 3, NULL "
                                   "before)"),
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
        Column("metric_key", "STRING", "hash of what defines the metric (source, filter, analyzer, columns, "
                                       "parameters, metric name): its history across runs (layout 2; NULL before)"),
        Column("provider", "STRING", "the plan's provider that answered it: deequ_scan, grouping, windowed, "
                                      "metadata (layout 2; NULL before)"),
    ),
    SCORES: (
        Column("run_id", "STRING", "dq_runs.run_id"),
        Column("suite", "STRING", "suite name"),
        Column("dataset", "STRING", "as in dq_runs"),
        Column("dataset_version", "BIGINT", "as in dq_runs"),
        Column("dimension", "STRING", "a dimension of the suite's constraints, or overall (the mean of the "
                                      "dimensions' scores)"),
        Column("score", "DOUBLE", "from 0 to 1: the weighted mean of its constraints' scores; NULL when "
                                  "every one was left out"),
        Column("constraints", "INT", "constraints with a score (overall: of every dimension)"),
        Column("left_out", "INT", "constraints left out: ERROR or NOT_EVALUATED"),
        Column("finished_at", "TIMESTAMP", "as in dq_runs"),
    ),
}

#: Columns of ``state`` and ``sketch`` rows.
STATE_COLUMNS: tuple[Column, ...] = (
    Column("run_id", "STRING", "dq_runs.run_id"),
    Column("suite", "STRING", "suite name"),
    Column("dataset", "STRING", "as in dq_runs"),
    Column("dataset_version", "BIGINT", "as in dq_runs"),
    Column("finished_at", "TIMESTAMP", "as in dq_runs"),
    Column("metric_key", "STRING", "key of the analyzer's metric (for a histogram: of the whole histogram)"),
    Column("entity", "STRING", "as in dq_metrics"),
    Column("instance", "STRING", "as in dq_metrics"),
    Column("name", "STRING", "the analyzer's Deequ metric, e.g. Completeness, Histogram"),
    Column("provider", "STRING", "the provider whose Deequ run kept the state: deequ_scan"),
    Column("payload", "BINARY", "the state as Deequ serialises it"),
    Column("payload_format", "STRING", "how to read payload, e.g. deequ.HdfsStateProvider@2.1.0-spark-3.5"),
    Column("payload_type", "STRING", "Deequ's class of the state, e.g. NumMatchesAndCount"),
)

#: record kind -> the columns its rows have.
KIND_COLUMNS: dict[str, tuple[Column, ...]] = {
    **{KIND[table]: columns for table, columns in TABLES.items()},
    STATE: STATE_COLUMNS,
    SKETCH: STATE_COLUMNS,
}


@dataclass(frozen=True)
class Layout:
    """One version of ``dq_records``: the stored columns it added (at the end), and why."""

    version: int
    added: tuple[str, ...]
    why: str


#: The history of ``dq_records``, oldest first. Never edit a published layout: add one.
LAYOUTS: tuple[Layout, ...] = (
    Layout(1, ("record", "run_id", "suite", "dataset", "dataset_version", "finished_at", "status", "name",
               "instance", "check", "constraint", "metric_name", "suite_fingerprint", "dataset_filter",
               "started_at", "row_count", "constraints_total", "constraints_failed", "engine_version",
               "spark_version", "deequ_version", "message", "constraint_index", "label", "column",
               "severity", "dimension", "metric_value", "threshold", "entity", "value", "error"),
           "one table, views dq_runs, dq_check_results, dq_metrics; a run is one commit (dqengine 0.2)"),
    Layout(2, ("metric_key", "constraint_id", "provider", "payload", "payload_format", "payload_type"),
           "metric keys, constraint ids, the provider of a metric; record kinds state and sketch"),
    Layout(3, ("score", "weight", "constraints", "left_out"),
           "quality scores: record kind score (view dq_scores), a constraint's score and weight"),
)
CURRENT_LAYOUT = LAYOUTS[-1].version
#: Table property that marks a dq_records table and its layout version.
LAYOUT_PROPERTY = "dqengine.layout"
LAYOUT = (LAYOUT_PROPERTY, str(CURRENT_LAYOUT))


def _stored_columns() -> tuple[Column, ...]:
    by_name: dict[str, list[tuple[str, Column]]] = {}
    for kind, columns in KIND_COLUMNS.items():
        for column in columns:
            by_name.setdefault(column.name, []).append((kind, column))
    for name, uses in by_name.items():  # one physical column serves every kind that has the name
        if len({c.type for _, c in uses}) != 1:
            raise AssertionError(f"column {name} has different types in {[k for k, _ in uses]}")
    order = [name for layout in LAYOUTS for name in layout.added]
    if len(set(order)) != len(order) or set(order) != set(by_name) | {RECORD}:
        raise AssertionError("LAYOUTS must add every column of KIND_COLUMNS exactly once")
    views = {KIND[table] for table in TABLES}

    def comment(name: str) -> str:
        uses = [(kind, c) for kind, c in by_name[name] if kind != SKETCH]
        shown = {kind: c for kind, c in uses}
        if len({c.comment for c in shown.values()}) == 1 and set(shown) >= views:
            return uses[0][1].comment
        label = {KIND[t]: t for t in TABLES} | {STATE: "state/sketch"}
        return "; ".join(f"{label[kind]}: {c.comment}" for kind, c in uses)

    return (Column(RECORD, "STRING", "run | check | metric | score | state | sketch: the kind of row (the "
                                     "view dq_runs, dq_check_results, dq_metrics, dq_scores it belongs to, or a "
                                     "Deequ state)"),
            *(Column(n, by_name[n][0][1].type, comment(n)) for n in order if n != RECORD))


STORED: tuple[Column, ...] = _stored_columns()
_STORED_NAMES = tuple(c.name for c in STORED)
_BY_NAME = {c.name: c for c in STORED}


def layout_of(columns: Iterable[str]) -> int | None:
    """The layout whose stored columns are exactly ``columns`` (in order), or None: not ours."""
    columns = tuple(columns)
    end = 0
    for layout in LAYOUTS:
        end += len(layout.added)
        if columns == _STORED_NAMES[:end]:
            return layout.version
    return None


def missing_columns(columns: Iterable[str]) -> tuple[Column, ...]:
    """What a table of an older layout lacks, in the order ``ADD COLUMNS`` must append it."""
    present = tuple(columns)
    if layout_of(present) is None:
        raise ValueError(f"not a dq_records layout: {', '.join(present)}")
    return STORED[len(present):]


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]


def _q(name: str) -> str:
    return f"`{name}`"


def _comment(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def columns_ddl(columns: Iterable[Column]) -> str:
    """``name TYPE COMMENT '...'`` of each column (names quoted: `check` is a keyword)."""
    return ", ".join(f"{_q(c.name)} {c.type} COMMENT {_comment(c.comment)}" for c in columns)


def stored_ddl() -> str:
    """Column list of ``CREATE TABLE dq_records``."""
    return columns_ddl(STORED)


def stored_schema_string() -> str:
    """The same without comments: what ``createDataFrame`` takes as a schema."""
    return ", ".join(f"{_q(c.name)} {c.type}" for c in STORED)


def view_sql(table: str, source: str, present: Collection[str] | None = None) -> str:
    """``SELECT`` that shows one view's rows of the stored table ``source``, in its column order.

    ``present``: the columns ``source`` has, when it may be of an older layout (read, not
    migrated): the others read as NULL.
    """
    def select(c: Column) -> str:
        if present is None or c.name in present:
            return _q(c.name)
        return f"CAST(NULL AS {c.type}) AS {_q(c.name)}"

    return (f"SELECT {', '.join(select(c) for c in TABLES[table])} FROM {source} "
            f"WHERE {RECORD} = '{KIND[table]}'")


def view_ddl(table: str, view: str, source: str, replace: bool = False,
             present: Collection[str] | None = None) -> str:
    """``CREATE VIEW`` of one of the three tables over ``source``, with the columns' comments."""
    columns = ", ".join(f"{_q(c.name)} COMMENT {_comment(c.comment)}" for c in TABLES[table])
    verb = "CREATE OR REPLACE VIEW" if replace else "CREATE VIEW IF NOT EXISTS"
    return f"{verb} {view} ({columns}) AS {view_sql(table, source, present)}"


def stored_row(kind: str, values: Mapping[str, Any]) -> tuple:
    """One row of ``dq_records``, in stored order, from its kind and a mapping column -> value.

    Every row is put in order here and nowhere else. A name the kind does not have is an error
    (a typo would otherwise store NULL); names left out are NULL.
    """
    allowed = {c.name for c in KIND_COLUMNS[kind]}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"{kind} rows have no column(s) {', '.join(sorted(unknown))}")
    return (kind, *(values.get(name) for name in _STORED_NAMES[1:]))


def stored_rows(table_or_kind: str, table_rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
    """Rows of one view (``dq_runs``...) or kind (``state``...) as rows of ``dq_records``."""
    kind = KIND.get(table_or_kind, table_or_kind)
    return [stored_row(kind, row) for row in table_rows]


def rows(run: RunResult) -> dict[str, list[dict[str, Any]]]:
    """A run as rows (column -> value) of each kind: ``run``, ``check``, ``metric``, ``score``, ``state``,
    ``sketch``."""
    failed = sum(1 for c in run.constraints if c.status.value != "PASSED")
    common = {"run_id": run.run_id, "suite": run.suite, "dataset": run.dataset,
              "dataset_version": run.dataset_version, "finished_at": run.finished_at}
    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KIND_COLUMNS}
    out[KIND[RUNS]].append({
        **common, "suite_fingerprint": run.suite_fingerprint, "dataset_filter": run.extra.get("dataset_filter"),
        "started_at": run.started_at, "status": run.status.value, "row_count": run.row_count,
        "constraints_total": len(run.constraints), "constraints_failed": failed,
        "engine_version": run.engine_version, "spark_version": run.spark_version,
        "deequ_version": run.deequ_version, "message": run.message,
    })
    for c in run.constraints:
        out[KIND[CHECK_RESULTS]].append({
            **common, "check": c.check, "constraint_index": c.constraint_index, "constraint": c.constraint,
            "label": c.label, "column": ",".join(c.columns), "severity": str(c.severity),
            "dimension": str(c.dimension), "status": c.status.value, "metric_name": c.metric_name,
            "metric_value": c.metric_value, "threshold": c.threshold, "message": c.message,
            "constraint_id": c.constraint_id or None, "metric_key": c.metric_key or None,
            "score": constraint_score(c), "weight": float(c.weight),
        })
    for s in run.scores:
        out[KIND[SCORES]].append({**common, "dimension": s.dimension, "score": s.score,
                                  "constraints": s.constraints, "left_out": s.left_out})
    for m in run.metrics:
        out[KIND[METRICS]].append({
            **common, "entity": m.entity, "instance": m.instance, "name": m.name, "value": m.value,
            "error": m.error, "metric_key": m.key or None, "provider": m.provider or "deequ_scan",
        })
    for s in run.states:
        out[s.kind].append({
            **common, "metric_key": s.key, "entity": s.entity, "instance": s.instance, "name": s.name,
            "provider": "deequ_scan", "payload": s.payload, "payload_format": s.payload_format,
            "payload_type": s.payload_type,
        })
    return out


def records(run: RunResult) -> list[tuple]:
    """A run as the rows of ``dq_records``: what one commit writes."""
    return [stored_row(kind, row) for kind, kind_rows in rows(run).items() for row in kind_rows]
