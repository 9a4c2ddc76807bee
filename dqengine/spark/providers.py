"""Providers: each computes one kind of ``Pass`` of a plan (see ``dqengine.planner``).

* ``MetadataProvider`` — metrics known without reading a row: ColumnCount from the schema; the
  row count and numeric minima/maxima asked of Delta, answered from the log's file statistics
  when Delta can (else they join the fused scan).
* ``DeequScanProvider`` — one Deequ analysis of the pass's analyzers (``compute_metrics``: one
  fused aggregation, failures isolated by recomputing in halves).
* ``GroupingProvider`` — one column set: Deequ's frequency-based analyzers over one groupBy, with
  the row count the scan pass counted; or, for a key expected unique, a window count.
* ``WindowedProvider`` — the window columns of one (keys, time) pair, then one Deequ analysis of
  the analyzers over them.
* ``ReferenceProvider`` — one key looked up in a pinned reference table: the rows with a key,
  left-joined to the reference's distinct keys (``reference_flags``), then one Deequ analysis of
  the Compliance analyzers over the found flag; and the reference version it read.

A provider returns an ``AnalyzerOutput`` for every spec of its pass; a Spark failure inside one
pass becomes an error of that pass's analyzers, never of the others. A provider for the metrics of
the Delta log, or for metrics merged from stored Deequ states, implements ``Provider`` under its
planner name (``metadata`` grows, ``incremental`` is reserved).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Protocol

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec, DetailQuery, ReferenceLookup, WindowColumn, quote_identifier
from dqengine.errors import first_line
from dqengine.progress import Progress, describe_pass
from dqengine.planner import (
    FREQUENCIES,
    FUSED,
    GROUPING,
    GROUPING_SETS,
    METADATA,
    REFERENCE,
    REFERENCE_VERSION,
    ROW_COUNT,
    SCAN,
    WINDOW_COUNT,
    WINDOWED,
    Pass,
    Plan,
    key_bounds,
    key_row_count,
)
from dqengine.results import MetricRecord
from dqengine.spark.deequ import compute_metrics, jvm_analyzer, metric_output

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from dqengine.spark.reference import PinnedReference
    from dqengine.spark.states import StateCapture

__all__ = ["Provider", "PassContext", "PROVIDERS", "compute_plan", "windowed_frame", "window_counts",
           "reference_flags", "with_window_columns", "window_spec", "detail_rows",
           "DEEQU_COUNT_COLUMN"]

logger = logging.getLogger(__name__)

#: The frequency column Deequ's grouping analyzers aggregate (``Analyzers.COUNT_COL``).
DEEQU_COUNT_COLUMN = "com_amazon_deequ_dq_metrics_count"


@dataclass(frozen=True)
class PassContext:
    plan: Plan
    #: What the passes before this one computed (the grouping passes read their row counts here).
    outputs: Mapping[AnalyzerSpec, AnalyzerOutput]
    #: The dataset's columns before derived columns were added.
    table_columns: tuple[str, ...]
    #: Keeps Deequ's states of the scan passes' analyzers, for the store (``dqengine.spark.states``).
    states: "StateCapture | None" = None
    #: The references pinned when the run started, by identity (``dqengine.spark.reference``).
    references: "Mapping[str, PinnedReference] | None" = None


class Provider(Protocol):
    name: str

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        """An output for every spec of ``p`` (``p.specs``)."""
        ...


def _spark_errors() -> tuple[type[BaseException], ...]:
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    return Py4JJavaError, PySparkException


def _failed(specs: tuple[AnalyzerSpec, ...], exc: BaseException) -> dict[AnalyzerSpec, AnalyzerOutput]:
    message = first_line(exc)
    return {spec: AnalyzerOutput(error=message) for spec in specs}


class MetadataProvider:
    """Metrics without a scan.

    Deequ's ColumnCount is ``data.columns.size``: the table's columns, without the derived ones
    the engine adds for other analyzers.

    The pass's ``fallback`` analyzers (Size, Minimum/Maximum of numeric columns, on every row) are
    one ``count(*), min(c), max(c)...`` aggregation of the pinned version, which Delta's optimizer
    (``OptimizeMetadataOnlyDeltaQuery``) rewrites into a local relation computed from the file
    statistics of the log, when they are exact: no deletion vectors, statistics on every such
    column. Whether it did is read from the physical plan before anything runs; when it did not,
    nothing is executed here and the analyzers are left to the fused scan (first the whole set,
    then the row count alone). Deequ's values: the count and extrema as doubles; an extremum with
    no value (no rows, only nulls) is left to Deequ, which says why.
    """

    name = METADATA

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        outputs = {}
        for spec in p.specs:
            if spec.kind == "ColumnCount":
                outputs[spec] = AnalyzerOutput(records=(
                    MetricRecord("Dataset", "*", "ColumnCount", float(len(ctx.table_columns))),))
            elif spec not in p.fallback:
                outputs[spec] = AnalyzerOutput(error=f"{spec} has no metadata answer")
        if p.fallback:
            try:
                outputs.update(self._from_log(df.select(*map(quote_identifier, ctx.table_columns)), p.fallback))
            except _spark_errors() as exc:  # left to the scan, which reports a real failure
                logger.info("the Delta log did not answer (%s); the scan will", first_line(exc))
        return outputs

    @staticmethod
    def _from_log(df: "DataFrame", specs: tuple[AnalyzerSpec, ...]) -> dict[AnalyzerSpec, AnalyzerOutput]:
        from pyspark.sql import functions as F

        size = [s for s in specs if s.kind == "Size"]
        for attempt in (list(specs), size):
            if not attempt:
                continue
            aggregates = [F.count(F.lit(1)) if s.kind == "Size"
                          else (F.min if s.kind == "Minimum" else F.max)(F.col(quote_identifier(s.columns[0])))
                          for s in attempt]
            query = df.agg(*aggregates)
            if query._jdf.queryExecution().executedPlan().getClass().getSimpleName() != "LocalTableScanExec":
                continue  # Delta would scan: the fused scan does it with everything else
            row = query.collect()[0]
            outputs = {}
            for spec, value in zip(attempt, row):
                if value is None:
                    continue
                if spec.kind == "Size":
                    record = MetricRecord("Dataset", "*", "Size", float(value), provider=METADATA)
                else:
                    record = MetricRecord("Column", spec.columns[0], spec.kind, float(value), provider=METADATA)
                outputs[spec] = AnalyzerOutput(records=(record,))
            return outputs
        return {}


class DeequScanProvider:
    name = SCAN

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        return compute_metrics(df, p.specs, states=ctx.states)


def _entity(columns: tuple[str, ...]) -> str:
    """Deequ's ``Analyzers.entityFrom``."""
    return "Column" if len(columns) == 1 else "Multicolumn"


def _keys_present(columns: tuple[str, ...]) -> "Column":
    from pyspark.sql import functions as F

    condition = F.lit(False)
    for c in columns:
        condition = condition | F.col(quote_identifier(c)).isNotNull()
    return condition


class GroupingProvider:
    """The frequency-based analyzers of one column set.

    ``frequencies``: the groupBy Deequ's ``FrequencyBasedAnalyzer.computeFrequencies`` builds, and
    Deequ's own aggregation functions over it, all in one aggregation as Deequ's runner fuses them;
    the row count they divide by is the scan pass's helper (``key_row_count``), where Deequ would
    count it in a separate scan. Without that count (the scan pass failed) the set goes to Deequ's
    runner as before.

    ``window_count``: ``count(*) OVER (PARTITION BY key)`` per row and, if distinctness or a
    distinct count is asked, ``row_number()`` in the same window; one aggregation then counts the
    rows, the rows whose key occurs once, and the first rows of each key. Deequ's definitions,
    exactly: rows whose keys are all null are left out of both the count and the groups (nulls in
    a composite key group together, as in a groupBy); Uniqueness = rows whose key occurs once /
    rows, Distinctness = keys / rows, both undefined on no rows; CountDistinct = keys (0 on no rows).
    """

    name = GROUPING

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        try:
            if p.strategy == WINDOW_COUNT:
                return self._window_count(df, p, ctx)
            if p.strategy == GROUPING_SETS:
                return self._grouping_sets(df, p)
            if p.strategy == FREQUENCIES:
                rows = ctx.outputs.get(key_row_count(p.grouping))
                if rows is not None and rows.error is None:
                    return self._frequencies(df, p, 0 if rows.undefined else int(rows.value() or 0))
                logger.info("no row count for %s; Deequ counts it", ",".join(p.grouping))
            return compute_metrics(df, p.specs)
        except _spark_errors() as exc:
            logger.info("grouping pass over %s failed: %s",
                        "; ".join(",".join(c) for c in (p.grouping_sets or (p.grouping,))), first_line(exc))
            return _failed(p.specs, exc)

    def _window_count(self, df: "DataFrame", p: Pass, ctx: PassContext | None = None
                      ) -> dict[AnalyzerSpec, AnalyzerOutput]:
        counted = None
        if ctx is not None and dense_key(df, p, ctx.outputs):
            try:
                counted = bitmap_counts(df, p)
            except _spark_errors() as exc:  # the window count answers alike
                logger.info("bitmap count of %s failed (%s); counting by a window", p.grouping[0], first_line(exc))
        if counted is not None:
            rows, once, keys_found = counted
        else:
            counts = window_counts(df, p).collect()[0]
            rows, once, keys_found = int(counts["rows"]), int(counts["once"]), int(counts["keys"])
        return _counted(df, p.specs, rows, once, keys_found)

    def _grouping_sets(self, df: "DataFrame", p: Pass) -> dict[AnalyzerSpec, AnalyzerOutput]:
        try:
            counts = grouping_set_counts(df, p.grouping_sets)
        except _spark_errors() as exc:
            # Each set with Deequ's runner, so only a set Spark cannot group stays failed.
            logger.info("grouping sets %s failed together (%s); each set apart",
                        "; ".join(",".join(s) for s in p.grouping_sets), first_line(exc))
            outputs: dict[AnalyzerSpec, AnalyzerOutput] = {}
            for columns in p.grouping_sets:
                specs = [s for s in p.specs if tuple(sorted(s.columns)) == columns]
                try:
                    outputs.update(compute_metrics(df, specs))
                except _spark_errors() as alone:
                    outputs.update(_failed(tuple(specs), alone))
            return outputs
        outputs = {}
        for columns in p.grouping_sets:
            rows, once, keys = counts[columns]
            outputs.update(_counted(df, [s for s in p.specs if tuple(sorted(s.columns)) == columns], rows, once, keys))
        return outputs

    def _frequencies(self, df: "DataFrame", p: Pass, rows: int) -> dict[AnalyzerSpec, AnalyzerOutput]:
        from pyspark.sql import functions as F

        spark = df.sparkSession
        jvm = spark._jvm
        keys = [F.col(quote_identifier(c)) for c in p.grouping]
        frequencies = (df.select(*keys).where(_keys_present(p.grouping)).groupBy(*keys)
                       .agg(F.count(F.lit(1)).alias(DEEQU_COUNT_COLUMN)))
        analyzers = {spec: jvm_analyzer(spark, spec) for spec in p.specs}
        no_column = jvm.scala.Option.apply(None)
        functions, offsets = [], {}
        for spec, analyzer in analyzers.items():
            offsets[spec] = len(functions)
            seq = analyzer.aggregationFunctions(rows)
            functions.extend(seq.apply(i) for i in range(seq.size()))
        logger.info("grouping %s: %d Deequ analyzers over one groupBy", ",".join(p.grouping), len(analyzers))
        try:
            result = frequencies._jdf.agg(functions[0], jvm.PythonUtils.toSeq(functions[1:])).collect()[0]
        except _spark_errors() as exc:
            if len(analyzers) == 1:
                return _failed(p.specs, exc)
            # One aggregation failed for all: each analyzer alone, so only the culprit stays failed.
            state = jvm.com.amazon.deequ.analyzers.FrequenciesAndNumRows(frequencies._jdf, rows, no_column)
            outputs = {}
            for spec, analyzer in analyzers.items():
                try:
                    outputs[spec] = metric_output(analyzer.computeMetricFrom(jvm.scala.Option.apply(state)), spec)
                except _spark_errors() as alone:
                    outputs[spec] = AnalyzerOutput(error=first_line(alone))
            return outputs
        return {spec: metric_output(analyzer.fromAggregationResult(result, offsets[spec], no_column), spec)
                for spec, analyzer in analyzers.items()}


def _counted(df: "DataFrame", specs: Iterable[AnalyzerSpec], rows: int, once: int,
             keys_found: int) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """Deequ's Uniqueness, Distinctness and CountDistinct of one column set from its counts."""
    outputs = {}
    for spec in specs:
        entity, instance = _entity(spec.columns), ",".join(spec.columns)
        if spec.kind == "CountDistinct":
            value: float | None = float(keys_found)
        elif rows == 0:
            value = None
        else:
            # As Deequ: a double sum of ones divided by the row count, both exact below 2**53.
            value = float(once if spec.kind == "Uniqueness" else keys_found) / float(rows)
        if value is None:  # Deequ's words (``Analyzers.emptyStateException``)
            analyzer = jvm_analyzer(df.sparkSession, spec).toString()
            message = f"Empty state for analyzer {analyzer}, all input values were NULL."
            outputs[spec] = AnalyzerOutput(
                records=(MetricRecord(entity, instance, spec.kind, None, message),), undefined=True)
        else:
            outputs[spec] = AnalyzerOutput(records=(MetricRecord(entity, instance, spec.kind, value),))
    return outputs


# Names of the grouping-sets query's own columns, beside the user's (never one of theirs).
GID, N, KEYS, ROWS, ONCE = "_dq_gid", "_dq_n", "_dq_keys", "_dq_rows", "_dq_once"


def grouping_set_counts(df: "DataFrame", sets: tuple[tuple[str, ...], ...]
                        ) -> dict[tuple[str, ...], tuple[int, int, int]]:
    """(rows with a key, rows whose key occurs once, distinct keys) of every column set, all from
    one aggregation: ``GROUP BY GROUPING SETS`` counts each set's keys (Spark expands every row
    once per set, then aggregates them together), and a second aggregation per set counts the
    keys and those seen once. As in Deequ's groupBy, rows whose keys in a set are all null are
    left out of that set, and nulls in a composite key group together. At most 64 columns in all.
    """
    columns = list(dict.fromkeys(c for s in sets for c in s))
    q = quote_identifier
    width = len(columns)
    level = {s: sum(1 << (width - 1 - j) for j, c in enumerate(columns) if c not in s) for s in sets}
    present = " OR ".join(f"({GID} = {level[s]} AND ({' OR '.join(f'{q(c)} IS NOT NULL' for c in s)}))" for s in sets)
    listed = ", ".join(map(q, columns))
    grouping = ", ".join("(" + ", ".join(map(q, s)) + ")" for s in sets)
    view = f"_dq_sets_{uuid.uuid4().hex}"  # PySpark 3.5's DataFrame has no groupingSets
    query = (f"SELECT {GID}, count(1) AS {KEYS}, sum({N}) AS {ROWS}, count(CASE WHEN {N} = 1 THEN 1 END) AS {ONCE} "
             f"FROM (SELECT grouping_id({listed}) AS {GID}, count(1) AS {N}, {listed} FROM {view} "
             f"GROUP BY GROUPING SETS ({grouping})) WHERE {present} GROUP BY {GID}")
    spark = df.sparkSession
    df.select(*map(q, columns)).createOrReplaceTempView(view)
    try:
        found = {int(r[GID]): r for r in spark.sql(query).collect()}
    finally:
        spark.catalog.dropTempView(view)
    counts = {}
    for s in sets:
        r = found.get(level[s])
        counts[s] = (0, 0, 0) if r is None else (int(r[ROWS]), int(r[ONCE]), int(r[KEYS]))
    return counts


def window_counts(df: "DataFrame", p: Pass) -> "DataFrame":
    """One row: ``rows`` with a key, ``once``: rows whose key occurs once, ``keys``: distinct keys
    (0 unless the pass asks for distinctness or a distinct count).

    One shuffle by the key and one sort: the count and the row number share a window (partition by
    the key, ordered by it), since a second window specification would make Spark sort again.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    keys = [F.col(quote_identifier(c)) for c in p.grouping]
    window = Window.partitionBy(*keys).orderBy(*keys)
    whole = window.rowsBetween(Window.unboundedPreceding, Window.unboundedFollowing)
    per_row = [F.count(F.lit(1)).over(whole).alias("n")]
    distinct = any(s.kind != "Uniqueness" for s in p.specs)
    if distinct:
        per_row.append(F.row_number().over(window).alias("i"))
    return (df.select(*keys).where(_keys_present(p.grouping)).select(*per_row)
            .agg(F.count(F.lit(1)).alias("rows"),
                 F.count(F.when(F.col("n") == 1, True)).alias("once"),
                 (F.count(F.when(F.col("i") == 1, True)) if distinct else F.lit(0)).alias("keys")))


#: Spark's bitmaps (``bitmap_construct_agg``) hold 32768 values in 4 KiB, one per bucket of values
#: and task. A key is counted with them when its range needs at most ``MAX_BUCKETS`` buckets (32 MiB
#: of buffers per task) and the rows fill at least one in ``1 / DENSE_ROWS_PER_BUCKET`` of its
#: slots; a sparse key would shuffle more bitmap bytes than a window count shuffles rows.
MAX_BUCKETS = 8192
DENSE_ROWS_PER_BUCKET = 512
_BUCKET_VALUES = 32768


def dense_key(df: "DataFrame", p: Pass, outputs: Mapping[AnalyzerSpec, AnalyzerOutput]) -> bool:
    """Whether ``p``'s key is one integral column whose values (bounds and row count from the scan
    pass) are dense enough for :func:`bitmap_counts`."""
    from pyspark.sql.types import ByteType, IntegerType, LongType, ShortType

    if len(p.grouping) != 1:
        return False
    field = next((f for f in df.schema.fields if f.name == p.grouping[0]), None)
    if field is None or not isinstance(field.dataType, (ByteType, ShortType, IntegerType, LongType)):
        return False
    found = [outputs.get(s) for s in (*key_bounds(p.grouping[0]), ROW_COUNT)]
    if any(o is None or o.error is not None or o.undefined or o.value() is None for o in found):
        return False
    low, high, rows = (float(o.value()) for o in found)  # type: ignore[union-attr, arg-type]
    buckets = (high - low) // _BUCKET_VALUES + 2  # a range may straddle one more bucket boundary
    return buckets <= MAX_BUCKETS and buckets * DENSE_ROWS_PER_BUCKET <= rows


def bitmap_counts(df: "DataFrame", p: Pass) -> tuple[int, int, int]:
    """(rows with a key, rows whose key occurs once, distinct keys) of one integral key column:
    what :func:`window_counts` gives, exactly, without shuffling the rows.

    One aggregation grouped by Spark's bitmap bucket of the key (``bitmap_bucket_number``): per
    bucket its rows and, from a bitmap of the values it holds, its distinct values. A bucket whose
    rows equal its distinct values holds every value once. Only if the pass asks for uniqueness
    and some buckets hold a value twice are those buckets' rows counted again by a window count:
    no other bucket can share a value with them.
    """
    from pyspark.sql import functions as F

    key = F.col(quote_identifier(p.grouping[0]))
    bucket = F.bitmap_bucket_number(key)
    per_bucket = (df.select(key).where(key.isNotNull()).groupBy(bucket.alias("b"))
                  .agg(F.count(F.lit(1)).alias("n"),
                       F.bitmap_count(F.bitmap_construct_agg(F.bitmap_bit_position(key))).alias("d"))
                  .collect())
    rows = sum(int(r["n"]) for r in per_bucket)
    keys = sum(int(r["d"]) for r in per_bucket)
    once = sum(int(r["n"]) for r in per_bucket if r["n"] == r["d"])
    repeated = [int(r["b"]) for r in per_bucket if r["n"] != r["d"]]
    logger.info("%s: a dense integral key, counted with bitmaps in %d buckets (%d with repeated values)",
                p.grouping[0], len(per_bucket), len(repeated))
    if repeated and any(s.kind == "Uniqueness" for s in p.specs):
        once += int(window_counts(df.where(bucket.isin(repeated)), p).collect()[0]["once"])
    return rows, once, keys


def window_spec(keys: tuple[str, ...], time: str) -> str:
    """``PARTITION BY keys ORDER BY time`` (no PARTITION BY without keys: one series)."""
    partition = f"PARTITION BY {', '.join(quote_identifier(k) for k in keys)} " if keys else ""
    return f"{partition}ORDER BY {quote_identifier(time)}"


def with_window_columns(df: "DataFrame", columns: tuple[WindowColumn, ...]) -> "DataFrame":
    """``df`` with ``columns`` (all of one window), stage by stage: one shuffle and sort in all."""
    from pyspark.sql import functions as F

    if not columns:
        return df
    keys, time = columns[0].window
    assert all(c.window == (keys, time) for c in columns)  # planner invariant, not user input
    spec = window_spec(keys, time)
    for stage in sorted({c.stage for c in columns}):
        df = df.withColumns({c.name: F.expr(c.expression.replace("{window}", f"({spec})").replace("{spec}", spec))
                             for c in columns if c.stage == stage})
    return df


def windowed_frame(df: "DataFrame", p: Pass) -> "DataFrame":
    """``df`` with the pass's window columns: one window (keys, time), so one shuffle and sort."""
    assert p.window is not None  # planner invariant, not user input
    return with_window_columns(df, p.window_columns)


def detail_rows(df: "DataFrame", query: DetailQuery) -> tuple[dict[str, Any], ...]:
    """The rows ``query`` asks for (a failed constraint's explanation): the window again (one more
    shuffle and sort of the data when it has window columns), filtered, first ``limit`` rows."""
    from pyspark.sql import functions as F

    frame = with_window_columns(df, query.window_columns).where(F.expr(query.where))
    if query.order_by:  # Spark's expr would read "x DESC" as "x AS DESC"
        frame = frame.orderBy(*(F.expr(e[:-5]).desc() if e.upper().endswith(" DESC") else F.expr(e).asc()
                                for e in query.order_by))
    frame = frame.select(*(F.expr(e) for e in query.select))
    return tuple(row.asDict() for row in frame.limit(query.limit).collect())


class WindowedProvider:
    name = WINDOWED

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        try:
            frame = windowed_frame(df, p)
        except _spark_errors() as exc:
            return _failed(p.specs, exc)
        return compute_metrics(frame, p.specs)


def reference_flags(df: "DataFrame", lookups: Iterable[ReferenceLookup],
                    references: "Mapping[str, PinnedReference]") -> "DataFrame":
    """``df`` with each lookup's flag column (``ReferenceLookup.name``): TRUE where the row's key is
    among the reference's keys, NULL where it is not or a key column is NULL.

    A left join to the reference's *distinct* non-null keys, so every row of ``df`` stays exactly
    once (a reference with duplicate keys multiplies nothing); Spark broadcasts a small reference.
    """
    from functools import reduce

    from pyspark.sql import functions as F

    for lookup in lookups:
        ref = references[lookup.reference.identity]
        aliases = [f"{lookup.name}_k{i}" for i in range(len(lookup.reference_columns))]
        keys = (ref.df.select(*(F.col(quote_identifier(c)).alias(a)
                                for c, a in zip(lookup.reference_columns, aliases)))
                .where(reduce(lambda x, y: x & y, (F.col(a).isNotNull() for a in aliases)))
                .distinct().withColumn(lookup.name, F.lit(True)))
        condition = reduce(lambda x, y: x & y, (F.col(quote_identifier(c)) == F.col(a)
                                                for c, a in zip(lookup.columns, aliases)))
        df = df.join(keys, condition, "left").drop(*aliases)
    return df


class ReferenceProvider:
    """One lookup: the fraction of rows with a key whose key the reference holds.

    Deequ's Compliance over the rows with a key, left-joined to the reference's keys: its
    predicate is the found flag, so Deequ counts found keys over rows with a key (undefined when
    no row has one). Deequ's own ``ReferentialIntegrity.subsetCheck`` is not used: it counts the
    *distinct* values missing from the reference against every row, NULLs included, and takes a
    Python assertion rather than returning the ratio.
    """

    name = REFERENCE

    def compute(self, df: "DataFrame", p: Pass, ctx: PassContext) -> dict[AnalyzerSpec, AnalyzerOutput]:
        assert p.reference is not None  # planner invariant
        lookup = p.reference
        pinned = (ctx.references or {}).get(lookup.reference.identity)
        if pinned is None:
            return {spec: AnalyzerOutput(error=f"reference {lookup.reference.identity} was not pinned")
                    for spec in p.specs}
        outputs: dict[AnalyzerSpec, AnalyzerOutput] = {}
        deequ = [s for s in p.specs if s.kind != REFERENCE_VERSION]
        for spec in p.specs:
            if spec.kind == REFERENCE_VERSION:
                outputs[spec] = AnalyzerOutput(records=(
                    MetricRecord("Reference", pinned.identity, REFERENCE_VERSION, float(pinned.version)),))
        if not deequ:
            return outputs
        try:
            keys = df.select(*(_col(c) for c in lookup.columns)).where(lookup.key_present)
            frame = reference_flags(keys, [lookup], ctx.references or {})
            outputs.update(compute_metrics(frame, deequ))
        except _spark_errors() as exc:
            logger.info("reference pass over %s failed: %s", lookup.reference.identity, first_line(exc))
            outputs.update(_failed(tuple(deequ), exc))
        return outputs


def _col(name: str) -> "Column":
    from pyspark.sql import functions as F

    return F.col(quote_identifier(name))


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (MetadataProvider(), DeequScanProvider(), GroupingProvider(), WindowedProvider(),
                     ReferenceProvider())
}


def compute_plan(df: "DataFrame", plan: Plan, states: "StateCapture | None" = None,
                 references: "Mapping[str, PinnedReference] | None" = None,
                 progress: "Progress | None" = None) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """Every pass of ``plan`` in order; an output for every analyzer (and helper) of the plan.

    ``df`` carries the plan's derived columns already (the runner adds them); ``references``:
    the pinned references of the ``reference`` passes; ``progress``: called with one line as
    each pass starts (``pass 2/4 grouping(reading_id): 3 analyzers...``).
    """
    derived = {name for name, _ in plan.derived_columns}
    table_columns = tuple(c for c in df.columns if c not in derived)
    if states is not None:  # the plan's helpers are never stored
        states.skip.update(h for p in plan.passes for h in p.helpers if h not in plan.analyzers)
    outputs: dict[AnalyzerSpec, AnalyzerOutput] = {}
    left: list[AnalyzerSpec] = []  # a metadata pass's fallback it did not answer: for the fused scan
    total = len(plan.passes)
    for number, p in enumerate(plan.passes, 1):
        provider = PROVIDERS.get(p.provider)
        if provider is None:
            raise ValueError(f"no provider named {p.provider!r} (known: {', '.join(sorted(PROVIDERS))})")
        if left and p.provider == SCAN and p.strategy == FUSED:
            p, left = p.joined(left), []
        if not p.specs:
            continue
        logger.info("pass %s%s: %d analyzers", p.provider, f"/{p.strategy}" if p.strategy else "", len(p.specs))
        if progress is not None:
            progress(f"pass {number}/{total} {describe_pass(p)}: {_analyzers(len(p.specs))}...")
        found = provider.compute(df, p, PassContext(plan, outputs, table_columns, states, references))
        outputs.update({spec: _stamped(output, p.provider) for spec, output in found.items()})
        left += [s for s in p.fallback if s not in found]
    if left:  # no fused scan in the plan: one of its own
        if progress is not None:
            progress(f"pass {total + 1}/{total + 1} {SCAN}/{FUSED}: {_analyzers(len(left))}...")
        outputs.update({spec: _stamped(output, SCAN) for spec, output in
                        DeequScanProvider().compute(df, Pass(SCAN, tuple(left), strategy=FUSED),
                                                    PassContext(plan, outputs, table_columns, states)).items()})
    return outputs


def _analyzers(count: int) -> str:
    return f"{count} analyzer" + ("" if count == 1 else "s")


def _stamped(output: AnalyzerOutput, provider: str) -> AnalyzerOutput:
    """``output`` with every record naming the provider that computed it."""
    if all(r.provider for r in output.records):
        return output
    return replace(output, records=tuple(r if r.provider else replace(r, provider=provider) for r in output.records))
