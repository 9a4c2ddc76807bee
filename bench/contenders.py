"""The contenders of the suite benchmark: each turns a suite's YAML into verdicts its own way.

Every contender reads the same Delta table version and returns one verdict (passed or not) per
constraint of the suite, in the suite's order, so the harness can hold each to the engine's
verdicts before its time counts.

* ``floor``: one aggregation reading every column the suite needs (the row count and a non-null
  count per column). No verdicts: the least any contender must do, one scan.
* ``naive``: one Spark action per constraint, from a small translator below (per constraint type).
* ``hand-fused``: the same translations, fused as a careful user would by hand: every aggregate in
  one ``agg``, plus one ``groupBy`` action per constraint that counts values (uniqueness).
* ``pydeequ``: one ``VerificationSuite`` with one pydeequ ``Check`` per YAML check, thresholds as
  Python lambdas (pydeequ calls them back through py4j's callback server), as its users write it.
  Results are read with ``checkResultsAsJson`` (no Spark job), not ``checkResultsAsDataFrame``.
* ``dqengine``: ``dqengine.spark.runner.run_suite`` into a fresh metrics location (recording the
  run included); ``dqengine (metrics only)``: the same with ``record=False``.

The translators follow the semantics in docs/constraints.md: a null never violates a row predicate
(except ``satisfies``, where a NULL result does), frequency-based metrics leave out rows whose
listed columns are all null, dates and timestamps are compared as UTC epoch seconds. Thresholds are
applied with the suite's own threshold objects (the meaning of ``must_be_*`` in the YAML).
"""
from __future__ import annotations

import dataclasses
import math
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from dqengine.checks import ConstraintSpec, Suite

__all__ = ["Contender", "contenders", "read_table", "UnsupportedConstraint"]


class UnsupportedConstraint(Exception):
    """A contender has no translation for a constraint type (the harness reports it)."""


def read_table(spark, suite: Suite, path: str, version: int):
    df = spark.read.format("delta").option("versionAsOf", version).load(path)
    return df.where(suite.dataset.where) if suite.dataset.where else df


def _verdict(spec: ConstraintSpec, metric: float | None) -> bool:
    if metric is None or math.isnan(metric):
        return False
    return spec.definition.threshold(spec.params).holds(float(metric))


def _ratio(a, b) -> float | None:
    return None if a is None or not b else float(a) / float(b)


# --- the translator shared by naive and hand-fused ---------------------------------------------


@dataclass(frozen=True)
class Computation:
    """How one constraint's metric is computed.

    ``schema``: from the DataFrame's schema, no Spark job (``finish(df)``); ``agg``: aggregate
    expressions that can share one scan (``finish(values)``); ``group``: one action of its own
    (``finish(df)``), a grouping.
    """

    kind: str
    finish: Callable[[Any], float | None]
    exprs: tuple = ()


def _as_number(name: str, schema: dict[str, str]):
    from pyspark.sql import functions as F

    kind = schema[name]
    if kind == "timestamp":
        return F.unix_micros(F.col(name)) / 1e6
    if kind == "date":
        return F.unix_date(F.col(name)).cast("long") * 86400
    if kind == "timestamp_ntz":
        return F.expr(f"timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', `{name}`) / 1e6")
    return F.col(name)


def _predicate(spec: ConstraintSpec):
    """A row predicate as a Column; True where the row holds. Nulls hold, except in satisfies."""
    from pyspark.sql import functions as F

    p = spec.params
    if spec.name == "satisfies":
        return F.coalesce(F.expr(p.expression), F.lit(False))
    c = F.col(p.column)
    if spec.name == "between":
        inside = F.lit(True)
        if p.min is not None:
            inside = inside & (c >= p.min)
        if p.max is not None:
            inside = inside & (c <= p.max)
        return c.isNull() | inside
    if spec.name == "non_negative":
        return c.isNull() | (c >= 0)
    if spec.name == "positive":
        return c.isNull() | (c > 0)
    if spec.name == "no_nan":
        return c.isNull() | ~F.isnan(c)
    if spec.name == "allowed_values":
        return c.isNull() | c.isin(list(p.values))
    if spec.name == "pattern":
        return c.isNull() | c.rlike(p.regex)
    raise UnsupportedConstraint(spec.name)


ROW_PREDICATES = {"between", "non_negative", "positive", "no_nan", "allowed_values", "pattern", "satisfies"}


def _frequencies(df, columns: Sequence[str]):
    """Rows per value (combination), leaving out rows whose listed columns are all null (Deequ)."""
    from pyspark.sql import functions as F

    any_value = F.lit(False)
    for c in columns:
        any_value = any_value | F.col(c).isNotNull()
    return df.where(any_value).groupBy(*columns).agg(F.count(F.lit(1)).alias("_n"))


def translate(spec: ConstraintSpec, schema: dict[str, str]) -> Computation:
    from pyspark.sql import functions as F

    p, name = spec.params, spec.name
    column = getattr(p, "column", None)
    columns = list(spec.columns)
    if name == "row_count":
        return Computation("agg", lambda v: v[0], (F.count(F.lit(1)),))
    if name == "column_count":
        return Computation("schema", lambda df: len(df.columns))
    if name == "columns_exist":
        return Computation("schema", lambda df: sum(c in df.columns for c in p.columns))
    if name in ("is_complete", "completeness"):
        return Computation("agg", lambda v: _ratio(v[0], v[1]), (F.count(F.col(column)), F.count(F.lit(1))))
    if name in ROW_PREDICATES:
        return Computation("agg", lambda v: _ratio(v[0], v[1]),
                           (F.sum(F.when(_predicate(spec), 1).otherwise(0)), F.count(F.lit(1))))
    simple = {"mean": F.avg, "sum": F.sum, "stddev": F.stddev_pop, "min": F.min, "max": F.max,
              "approx_distinct_count": F.approx_count_distinct}
    if name in simple:
        target = _as_number(column, schema) if name in ("min", "max") else F.col(column)
        return Computation("agg", lambda v: None if v[0] is None else float(v[0]), (simple[name](target),))
    if name in ("min_length", "max_length"):
        fn = F.min if name == "min_length" else F.max
        return Computation("agg", lambda v: v[0], (fn(F.length(F.col(column))),))
    if name == "quantile":
        # Deequ's ApproxQuantile is Spark's percentile sketch with accuracy 1 / relative_error
        accuracy = int(round(1.0 / p.relative_error))
        return Computation("agg", lambda v: v[0], (F.percentile_approx(F.col(column), p.quantile, accuracy),))
    if name == "correlation":
        return Computation("agg", lambda v: v[0], (F.corr(F.col(columns[0]), F.col(columns[1])),))

    # One grouping action each.
    def uniqueness(df):
        row = _frequencies(df, columns).agg(F.sum(F.when(F.col("_n") == 1, 1).otherwise(0)), F.sum("_n")).first()
        return _ratio(row[0], row[1])

    def primary_key(df):
        # one action: rows with a null in the key fail it; else every combination must occur once
        null_key = F.lit(False)
        for c in columns:
            null_key = null_key | F.col(c).isNull()
        row = (df.groupBy(*columns).agg(F.count(F.lit(1)).alias("_n"), F.max(null_key).alias("_null"))
               .agg(F.sum(F.when(F.col("_null"), F.col("_n")).otherwise(0)),
                    F.sum(F.when(~F.col("_null") & (F.col("_n") == 1), 1).otherwise(0)), F.sum("_n")).first())
        if not row[2]:
            return None
        return 0.0 if row[0] else _ratio(row[1], row[2])

    def distinctness(df):
        row = _frequencies(df, columns).agg(F.count(F.lit(1)), F.sum("_n")).first()
        return _ratio(row[0], row[1])

    def distinct_count(df):
        return float(_frequencies(df, columns).count())

    def entropy(df):
        # H = ln N - (1/N) sum n ln n, over the counts n of each value (N rows with a value)
        row = _frequencies(df, columns).agg(F.sum("_n"), F.sum(F.col("_n") * F.log(F.col("_n")))).first()
        return None if not row[0] else math.log(row[0]) - row[1] / row[0]

    grouped = {"is_unique": uniqueness, "uniqueness": uniqueness, "is_primary_key": primary_key,
               "distinctness": distinctness, "distinct_count": distinct_count, "entropy": entropy}
    if name in grouped:
        return Computation("group", grouped[name])
    raise UnsupportedConstraint(name)


def needed_columns(suite: Suite, df_columns: Sequence[str]) -> list[str]:
    """Columns the suite reads: named by its constraints or appearing in a satisfies expression."""
    needed = dict.fromkeys(c for spec in suite.constraints if spec.name not in ("columns_exist", "column_count")
                           for c in spec.columns)
    for spec in suite.constraints:
        expression = getattr(spec.params, "expression", None)
        if expression:
            words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression))
            needed.update(dict.fromkeys(c for c in df_columns if c in words))
    return [c for c in needed if c in df_columns]


# --- contenders ----------------------------------------------------------------------------------


@dataclass
class Contender:
    name: str
    #: (spark, suite, path, version) -> verdicts (None for the floor)
    run: Callable[..., list[bool] | None]
    #: a peer: another way users check data (the engine is compared with the fastest of them)
    peer: bool = False
    #: set by the harness: why this contender's time does not count
    invalid: str | None = None


def run_floor(spark, suite: Suite, path: str, version: int) -> None:
    from pyspark.sql import functions as F

    df = read_table(spark, suite, path, version)
    columns = needed_columns(suite, df.columns)
    df.agg(F.count(F.lit(1)), *[F.count(F.col(c)) for c in columns]).first()
    return None


def _metrics_of(df, specs: Sequence[ConstraintSpec], fused: bool) -> list[float | None]:
    schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    comps = [translate(spec, schema) for spec in specs]
    metrics: list[float | None] = [None] * len(comps)
    if fused:  # every aggregate in one scan
        exprs, slots = [], []
        for i, comp in enumerate(comps):
            if comp.kind == "agg":
                slots.append((i, len(exprs), len(comp.exprs)))
                exprs.extend(e.alias(f"_m{len(exprs) + k}") for k, e in enumerate(comp.exprs))
        row = df.agg(*exprs).first() if exprs else ()
        for i, start, n in slots:
            metrics[i] = comps[i].finish(tuple(row[start:start + n]))
    for i, comp in enumerate(comps):
        if comp.kind == "agg" and not fused:
            metrics[i] = comp.finish(tuple(df.agg(*comp.exprs).first()))
        elif comp.kind in ("schema", "group"):
            metrics[i] = comp.finish(df)
    return [None if m is None else float(m) for m in metrics]


def run_naive(spark, suite: Suite, path: str, version: int) -> list[bool]:
    df = read_table(spark, suite, path, version)
    return [_verdict(s, m) for s, m in zip(suite.constraints, _metrics_of(df, suite.constraints, fused=False))]


def run_fused(spark, suite: Suite, path: str, version: int) -> list[bool]:
    df = read_table(spark, suite, path, version)
    return [_verdict(s, m) for s, m in zip(suite.constraints, _metrics_of(df, suite.constraints, fused=True))]


def _assertion(threshold) -> Callable[[float], bool]:
    """The lambda a pydeequ user writes for a threshold."""
    v, hi = threshold.value, threshold.upper
    return {"==": lambda x: x == v, ">=": lambda x: x >= v, "<=": lambda x: x <= v,
            ">": lambda x: x > v, "<": lambda x: x < v, "between": lambda x: v <= x <= hi}[threshold.op]


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def _sql_predicate(spec: ConstraintSpec) -> str:
    """Row predicates pydeequ has no method for, as the SQL a user passes to ``satisfies``."""
    p, c = spec.params, _quoted(getattr(spec.params, "column", "") or "")
    if spec.name == "between":
        parts = ([f"{c} >= {p.min!r}"] if p.min is not None else []) + ([f"{c} <= {p.max!r}"] if p.max is not None else [])
        return f"{c} IS NULL OR ({' AND '.join(parts)})"
    if spec.name == "no_nan":
        return f"{c} IS NULL OR NOT isnan({c})"
    if spec.name == "satisfies":
        return f"COALESCE(({p.expression}), FALSE)"
    raise UnsupportedConstraint(spec.name)


def run_pydeequ(spark, suite: Suite, path: str, version: int) -> list[bool]:
    os.environ.setdefault("SPARK_VERSION", spark.version.rsplit(".", 1)[0])  # pydeequ needs it at import
    from pydeequ.checks import Check, CheckLevel
    from pydeequ.verification import VerificationResult, VerificationSuite

    df = read_table(spark, suite, path, version)
    schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    checks: dict[str, Any] = {}
    #: per constraint: ("python", verdict) or ("deequ", check name, how many Deequ constraints)
    plan: list[tuple] = []
    for spec in suite.constraints:
        p, name = spec.params, spec.name
        if name == "column_count":
            plan.append(("python", _verdict(spec, len(df.columns))))
            continue
        if name == "columns_exist":
            plan.append(("python", all(c in df.columns for c in p.columns)))
            continue
        check = checks.get(spec.check)
        if check is None:
            level = CheckLevel.Error if spec.severity == "error" else CheckLevel.Warning
            check = checks[spec.check] = Check(spark, level, spec.check)
        t = spec.definition.threshold(spec.params)
        column = getattr(p, "column", None)
        fraction = getattr(p, "min_fraction", 1.0)
        row_assertion = None if fraction == 1.0 else (lambda x, f=fraction: x >= f)
        added = 1
        if name == "row_count":
            check.hasSize(_assertion(t))
        elif name == "is_complete":
            check.isComplete(column)
        elif name == "completeness":
            check.hasCompleteness(column, _assertion(t))
        elif name == "is_unique":
            check.isUnique(column)
        elif name == "is_primary_key":
            check.isPrimaryKey(p.columns[0], *p.columns[1:])
            check.areComplete(list(p.columns))  # Deequ's isPrimaryKey alone lets nulls through
            added = 2
        elif name == "uniqueness":
            check.hasUniqueness(list(spec.columns), _assertion(t))
        elif name == "distinctness":
            check.hasDistinctness(list(spec.columns), _assertion(t))
        elif name == "entropy":
            check.hasEntropy(column, _assertion(t))
        elif name == "approx_distinct_count":
            check.hasApproxCountDistinct(column, _assertion(t))
        elif name in ("min", "max", "mean", "sum", "stddev"):
            if schema.get(column) in ("timestamp", "date", "timestamp_ntz"):
                derived = f"{column}_epoch_seconds"  # Deequ takes numbers only
                if derived not in df.columns:
                    df = df.withColumn(derived, _as_number(column, schema))
                column = derived
            method = {"min": check.hasMin, "max": check.hasMax, "mean": check.hasMean, "sum": check.hasSum,
                      "stddev": check.hasStandardDeviation}[name]
            method(column, _assertion(t))
        elif name == "quantile":
            if p.relative_error != 0.01:
                raise UnsupportedConstraint("quantile with relative_error other than pydeequ's 0.01")
            check.hasApproxQuantile(column, p.quantile, _assertion(t))
        elif name == "correlation":
            check.hasCorrelation(p.columns[0], p.columns[1], _assertion(t))
        elif name == "min_length":
            check.hasMinLength(column, _assertion(t))
        elif name == "max_length":
            check.hasMaxLength(column, _assertion(t))
        elif name == "non_negative":
            check.isNonNegative(column, row_assertion)
        elif name == "positive":
            check.isPositive(column, row_assertion)
        elif name == "allowed_values":
            check.isContainedIn(column, [str(v).lower() if isinstance(v, bool) else str(v) for v in p.values],
                                row_assertion)
        elif name == "pattern":
            check.hasPattern(column, p.regex, row_assertion)
        elif name in ("between", "no_nan", "satisfies"):
            check.satisfies(_sql_predicate(spec), spec.label, row_assertion)
        else:
            raise UnsupportedConstraint(name)
        plan.append(("deequ", spec.check, added))

    builder = VerificationSuite(spark).onData(df)
    for check in checks.values():
        builder = builder.addCheck(check)
    result = builder.run()
    statuses: dict[str, list[bool]] = {}
    for row in VerificationResult.checkResultsAsJson(spark, result):
        statuses.setdefault(row["check"], []).append(row["constraint_status"] == "Success")
    verdicts, taken = [], {name: 0 for name in statuses}
    for entry in plan:
        if entry[0] == "python":
            verdicts.append(entry[1])
            continue
        _, check_name, added = entry
        start = taken[check_name]
        verdicts.append(all(statuses[check_name][start:start + added]))
        taken[check_name] = start + added
    return verdicts


def stop_pydeequ(spark) -> None:
    """Shut py4j's callback server down (pydeequ starts it for the first lambda and never stops it)."""
    gateway = spark.sparkContext._gateway
    if gateway.get_callback_server() is not None:
        gateway.shutdown_callback_server()


def _suite_at(suite: Suite, path: str) -> Suite:
    return dataclasses.replace(suite, dataset=suite.dataset.model_copy(update={"path": path}))


def engine(metrics_root: Path, record: bool = True) -> Callable[..., list[bool]]:
    def run(spark, suite: Suite, path: str, version: int) -> list[bool]:
        from dqengine.results import ConstraintStatus
        from dqengine.spark.runner import run_suite

        metrics = str(metrics_root / uuid.uuid4().hex)  # a fresh location per run (unused without record)
        result = run_suite(spark, _suite_at(suite, path), version=version, metrics=metrics, record=record)
        return [r.status is ConstraintStatus.PASSED for r in result.constraints]

    return run


ENGINE = "dqengine"
ENGINE_METRICS_ONLY = "dqengine (metrics only)"
NAMES = ("floor", "naive", "hand-fused", "pydeequ", ENGINE, ENGINE_METRICS_ONLY)


def contenders(metrics_root: Path, names: Sequence[str] = NAMES) -> list[Contender]:
    known = {
        "floor": Contender("floor", run_floor),
        "naive": Contender("naive", run_naive, peer=True),
        "hand-fused": Contender("hand-fused", run_fused, peer=True),
        "pydeequ": Contender("pydeequ", run_pydeequ, peer=True),
        ENGINE: Contender(ENGINE, engine(metrics_root, record=True)),
        ENGINE_METRICS_ONLY: Contender(ENGINE_METRICS_ONLY, engine(metrics_root, record=False)),
    }
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown contender(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[n] for n in names]
