"""Reading what runs recorded, for the commands that look back (gate, runs, history, report).

One interface, two backends:

- :class:`LocalRecords` reads ``<path>/dq_records`` of a local metrics directory with the
  ``deltalake`` package (delta-rs, native code): no JVM, an answer in well under a second;
- :class:`dqengine.spark.store.SparkRecords` reads any location (a catalog schema, ``s3://``,
  ``abfss://``, ``dbfs:``) through Spark.

Both return plain ``dict`` rows with the columns of the views ``dq_runs``, ``dq_check_results``,
``dq_metrics`` and ``dq_scores`` (:mod:`dqengine.metrics_schema`); a column a table of an older
layout lacks is ``None``. Both refuse what the store refuses (a ``dq_records`` that is not
dqengine's, of a newer layout, or dqengine 0.1's three tables) with the store's messages, and
neither ever migrates. Nothing here imports pyspark.
"""
from __future__ import annotations

import os
from typing import Any, Protocol, Sequence

from dqengine import metrics_schema as ms
from dqengine.errors import MetricsStoreError, first_line

__all__ = ["Records", "LocalRecords", "is_local_path", "local_records_apply"]


def is_local_path(path: str) -> bool:
    """A path on this machine's file system (not ``s3://``, ``abfss://``, ``dbfs:``...)."""
    return "://" not in path and not path.startswith("dbfs:")


def local_records_apply(location: Any) -> bool:
    """The metrics location is a local directory, readable without Spark."""
    return location.kind == "path" and is_local_path(location.value)


class Records(Protocol):
    """Rows of one view (``ms.RUNS``, ``ms.CHECK_RESULTS``, ``ms.METRICS``, ``ms.SCORES``)."""

    def exists(self) -> bool:
        """Anything was ever recorded at this location."""

    def rows(self, table: str, columns: Sequence[str] | None = None, **equal: Any) -> list[dict[str, Any]]:
        """The rows of ``table`` whose columns equal ``equal`` (all of its columns unless ``columns``)."""


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class LocalRecords:
    """``<location>/dq_records`` read with delta-rs; an empty answer when nothing was recorded."""

    def __init__(self, location: Any):
        from dqengine.spark.store import check_metrics_directory  # pure Python; no pyspark import

        check_metrics_directory(location)
        self.location = location
        self.path = os.path.join(location.value, ms.RECORDS)
        self.columns: list[str] = []
        self.table = self._open()

    def _open(self):
        from dqengine.spark.store import check_layout, legacy_layout_message

        if not os.path.isdir(os.path.join(self.path, "_delta_log")):
            legacy = [self.location.table(t) for t in ms.TABLES
                      if os.path.isdir(os.path.join(self.location.value, t, "_delta_log"))]
            if legacy:  # rather than answer "never checked" about old history
                raise MetricsStoreError(legacy_layout_message(self.location, legacy))
            return None
        from deltalake import DeltaTable

        try:
            table = DeltaTable(self.path)
            columns = self.columns = [field.name for field in table.schema().fields]
            properties = dict(table.metadata().configuration or {})
        except Exception as exc:  # delta-rs raises its own types (TableNotFoundError, DeltaError, ...)
            raise MetricsStoreError(f"cannot read {self.location.table(ms.RECORDS)}: {first_line(exc)}") from exc
        check_layout(self.location.table(ms.RECORDS), columns, properties)
        return table

    def exists(self) -> bool:
        return self.table is not None

    def rows(self, table: str, columns: Sequence[str] | None = None, **equal: Any) -> list[dict[str, Any]]:
        if self.table is None:
            return []
        from deltalake import QueryBuilder

        wanted = list(columns) if columns is not None else [c.name for c in ms.TABLES[table]]
        present = [c for c in wanted if c in self.columns]
        where = " AND ".join([f"{ms.RECORD} = {_literal(ms.KIND[table])}"]
                             + [f'"{name}" = {_literal(value)}' for name, value in equal.items()])
        if not present:
            return []
        select = ", ".join(f'"{c}"' for c in present)
        result = QueryBuilder().register("r", self.table).execute(f"SELECT {select} FROM r WHERE {where}").read_all()
        values = {c: result.column(c).to_pylist() for c in present}
        n = result.num_rows
        return [{c: (values[c][i] if c in values else None) for c in wanted} for i in range(n)]
