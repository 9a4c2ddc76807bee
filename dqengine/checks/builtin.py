"""Every built-in constraint type: its YAML name, parameters, Deequ analyzer and verdict.

Families:

* metric constraints — one Deequ metric compared with a ``must_be*`` threshold;
* fixed constraints — a metric that must be exactly 1 (``is_complete``, ``is_unique``...);
* row predicates — Deequ's ``Compliance`` fraction of rows that hold, which must
  reach ``min_fraction`` (default 1.0: every row). A null never violates a row predicate (each
  one starts with ``column IS NULL OR``; Deequ alone would count a NULL result as a violation);
  completeness constraints are the place to demand values. ``satisfies`` is the exception.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal, Mapping

from pydantic import AfterValidator, Field, model_validator

from dqengine.checks.base import (
    AnalyzerSpec,
    ConstraintDef,
    NUMERIC,
    Domain,
    EvalContext,
    ReferenceLookup,
    ReferenceSource,
    _fmt,
    judge,
    quote_identifier,
    sql_literal,
    type_family,
)
from dqengine.checks.timeseries import TIME_SERIES_CONSTRAINTS
from dqengine.config.models import (
    ColumnName,
    RowFractionFields,
    SqlText,
    StrictModel,
    Threshold,
    ThresholdFields,
    valid_regex,
)
from dqengine.results import ConstraintStatus, Dimension, Outcome

__all__ = ["BUILTIN_CONSTRAINTS"]

_FRACTION = Domain("a fraction from 0 to 1", 0.0, 1.0)
_COUNT = Domain("a count, a whole number 0 or more", 0.0, integral=True)
_LENGTH = Domain("a length in characters, a whole number 0 or more", 0.0, integral=True)
_NON_NEGATIVE = Domain("never negative", 0.0)
_STRING = frozenset({"string"})
_TIMES = frozenset({"date", "timestamp", "timestamp_ntz"})

_FINITE = Field(allow_inf_nan=False)

# --- parameter models -------------------------------------------------------------------------


class ColumnParams(StrictModel):
    column: ColumnName


class ColumnsParams(StrictModel):
    columns: Annotated[list[ColumnName], Field(min_length=1)]

    @model_validator(mode="after")
    def _distinct(self) -> "ColumnsParams":
        dup = sorted({c for c in self.columns if self.columns.count(c) > 1})
        if dup:
            raise ValueError(f"column(s) listed twice: {', '.join(dup)}")
        return self


class TableThreshold(ThresholdFields):
    pass


class ColumnThreshold(ColumnParams, ThresholdFields):
    pass


class ColumnOrColumnsThreshold(ThresholdFields):
    """``column: x`` or ``columns: [x, y]`` (a combination of columns), plus a threshold."""

    column: ColumnName | None = None
    columns: Annotated[list[ColumnName], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> "ColumnOrColumnsThreshold":
        if (self.column is None) == (self.columns is None):
            raise ValueError("give exactly one of 'column' or 'columns'")
        return self


class QuantileParams(ColumnThreshold):
    quantile: Annotated[float, Field(ge=0.0, le=1.0)]
    relative_error: Annotated[float, Field(gt=0.0, le=1.0)] = 0.01


class ColumnRowParams(ColumnParams, RowFractionFields):
    pass


class BetweenParams(ColumnParams, RowFractionFields):
    min: Annotated[float, _FINITE] | None = None
    max: Annotated[float, _FINITE] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "BetweenParams":
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}: no value can be between them")
        return self


Literal_ = Annotated[str, Field(max_length=4096)] | Annotated[float, _FINITE] | int | bool


class AllowedValuesParams(ColumnParams, RowFractionFields):
    values: Annotated[list[Literal_], Field(min_length=1)]


class PatternParams(ColumnParams, RowFractionFields):
    regex: Annotated[str, Field(min_length=1), AfterValidator(valid_regex)]


class DataTypeParams(ColumnParams, RowFractionFields):
    type: Literal["integral", "fractional", "numeric", "boolean", "string"]


class SatisfiesParams(RowFractionFields):
    expression: SqlText
    #: Names the constraint in results; defaults to the expression itself.
    label: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class ReferenceModel(StrictModel):
    """The table that a key must be found in: ``table`` or ``path``, its key ``column`` or
    ``columns``, and optionally the Delta ``version`` to read (default: the latest when the run
    starts; either way the version read is pinned for the whole run and recorded)."""

    table: Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_`.\-]+$")] | None = None
    path: Annotated[str, Field(min_length=1)] | None = None
    version: Annotated[int, Field(ge=0)] | None = None
    column: ColumnName | None = None
    columns: Annotated[list[ColumnName], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_each(self) -> "ReferenceModel":
        if (self.table is None) == (self.path is None):
            raise ValueError("give exactly one of 'table' (a metastore name) or 'path' (a Delta location) "
                             "for the reference")
        if (self.column is None) == (self.columns is None):
            raise ValueError("give exactly one of 'column' or 'columns' for the reference's key")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else tuple(self.columns or ())


class ReferentialIntegrityParams(RowFractionFields):
    column: ColumnName | None = None
    columns: Annotated[list[ColumnName], Field(min_length=1)] | None = None
    reference: ReferenceModel

    @model_validator(mode="after")
    def _keys_match(self) -> "ReferentialIntegrityParams":
        if (self.column is None) == (self.columns is None):
            raise ValueError("give exactly one of 'column' or 'columns'")
        keys = self.keys
        dup = sorted({c for c in keys if keys.count(c) > 1})
        if dup:
            raise ValueError(f"column(s) listed twice: {', '.join(dup)}")
        if len(keys) != len(self.reference.keys):
            raise ValueError(f"{len(keys)} key column(s) but {len(self.reference.keys)} in the reference; "
                             "list as many reference columns as key columns, in the same order")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.column,) if self.column is not None else tuple(self.columns or ())


class CorrelationParams(ThresholdFields):
    columns: Annotated[list[ColumnName], Field(min_length=2, max_length=2)]


# --- families -----------------------------------------------------------------------------------


class MetricConstraint(ConstraintDef):
    """One Deequ analyzer, one metric, a ``must_be*`` threshold."""

    analyzer: ClassVar[str]

    def spec(self, params: Any) -> AnalyzerSpec:
        return AnalyzerSpec(self.analyzer, self.columns(params))

    def analyzers(self, params: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(params),)

    def evaluate(self, params: Any, ctx: EvalContext) -> Outcome:
        spec = self.spec(params)
        return judge(self.label(params), spec.kind, ctx.output(spec), self.threshold(params))

    def unique_keys(self, params: Any) -> tuple[tuple[str, ...], ...]:
        """A uniqueness or distinctness that must be at least 0.5: the key is mostly unique."""
        if self.analyzer not in ("Uniqueness", "Distinctness"):
            return ()
        threshold = self.threshold(params)
        if threshold.op in ("==", ">=", ">", "between") and threshold.value >= 0.5:
            return (self.columns(params),)
        return ()


class FixedMetricConstraint(MetricConstraint):
    """A metric that must be exactly 1 (every value present, every value unique)."""

    def threshold(self, params: Any) -> Threshold:
        return Threshold(op="==", value=1.0)


class CompletenessMetric(MetricConstraint):
    """Deequ's Completeness; under the suite's ``nan_is_missing``, on a float or double column,
    Deequ's Compliance with ``column IS NOT NULL AND NOT isnan(column)`` instead: the same
    fraction with NaN counted as missing, under a metric key of its own (another analyzer)."""

    analyzer = "Completeness"
    nan_aware = True

    def spec_for(self, p: Any, schema: Mapping[str, str] | None) -> AnalyzerSpec:
        if not self.nan_is_missing(p, p.column, schema):
            return self.spec(p)
        col = quote_identifier(p.column)
        return AnalyzerSpec("Compliance", (p.column,), (("instance", f"{p.column} is not NULL or NaN"),
                                                        ("predicate", f"{col} IS NOT NULL AND NOT isnan({col})")))

    def analyzers_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[AnalyzerSpec, ...]:
        return (self.spec_for(p, schema),)

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        spec = self.spec_for(p, ctx.schema)
        return judge(self.label(p), spec.kind, ctx.output(spec), self.threshold(p))


class FixedCompletenessMetric(CompletenessMetric):
    def threshold(self, params: Any) -> Threshold:
        return Threshold(op="==", value=1.0)


class IsComplete(FixedCompletenessMetric):
    """Completeness 1: a row violates it when its value is NULL (what Completeness counts), or NaN
    under the suite's ``nan_is_missing`` on a float or double column."""

    def row_violation(self, params: Any, schema: Mapping[str, str] | None) -> str | None:
        col = quote_identifier(params.column)
        if self.nan_is_missing(params, params.column, schema):
            return f"{col} IS NULL OR isnan({col})"
        return f"{col} IS NULL"


class LengthBound(MetricConstraint):
    """``min_length``/``max_length``: a row violates the constraint when its length alone is on
    the wrong side of the threshold's bound (below a lower bound of ``min_length``, above an upper
    bound of ``max_length``). Deequ's lengths are ``length(column)`` over non-null values."""

    #: "lower" (min_length) or "upper" (max_length)
    bound: ClassVar[str]

    def row_violation(self, params: Any, schema: Mapping[str, str] | None) -> str | None:
        t = self.threshold(params)
        length = f"length({quote_identifier(params.column)})"
        if self.bound == "lower":
            rules = {">=": ("<", t.value), ">": ("<=", t.value), "==": ("<", t.value), "between": ("<", t.value)}
        else:
            rules = {"<=": (">", t.value), "<": (">=", t.value), "==": (">", t.value), "between": (">", t.upper)}
        rule = rules.get(t.op)
        if rule is None:  # a bound on the other side: no single row breaks it
            return None
        op, value = rule
        return f"{quote_identifier(params.column)} IS NOT NULL AND {length} {op} {sql_literal(float(value))}"


class RowPredicate(ConstraintDef):
    """Fraction of rows satisfying a SQL predicate, built here from quoted identifiers and literals."""

    row_fraction = True

    def predicate(self, params: Any) -> str:
        raise NotImplementedError

    def spec(self, params: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Compliance", self.columns(params),
                            (("instance", self.label(params)), ("predicate", self.predicate(params))))

    def analyzers(self, params: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(params),)

    def row_violation(self, params: Any, schema: Mapping[str, str] | None) -> str | None:
        # Deequ's Compliance counts a row as compliant only where the predicate is TRUE: a NULL
        # result is a violation, as the metric counts it.
        return f"NOT COALESCE(({self.predicate(params)}), FALSE)"

    def evaluate(self, params: Any, ctx: EvalContext) -> Outcome:
        spec = self.spec(params)
        outcome = judge(f"fraction of rows where {self.label(params)}", spec.kind,
                        ctx.output(spec), self.threshold(params))
        if outcome.status is ConstraintStatus.FAILED and ctx.row_count and outcome.metric_value is not None:
            bad = round((1.0 - outcome.metric_value) * ctx.row_count)
            outcome = dataclasses.replace(outcome, message=f"{outcome.message} ({bad} of {ctx.row_count} "
                                                           "rows violate it)")
        return outcome


def _metric(name: str, analyzer: str, params: type[StrictModel], dimension: Dimension, summary: str,
            example: str, base: type[ConstraintDef] = MetricConstraint, **extra: Any) -> ConstraintDef:
    cls = type(
        f"C_{name}",
        (base,),
        {"name": name, "analyzer": analyzer, "params_model": params, "dimension": dimension,
         "summary": summary, "example": example, **extra},
    )
    return cls()


# --- the ones that need their own code --------------------------------------------------------


def _epoch_name(column: str) -> str:
    """The derived column holding ``column`` as epoch seconds: a plain identifier, one per column."""
    return "_dq_epoch_" + hashlib.sha256(column.encode("utf-8")).hexdigest()[:16]


#: UTC epoch seconds of a date or timestamp, whatever spark.sql.session.timeZone says: a TIMESTAMP
#: is an instant (unix_micros reads it as one), a DATE counts days, and a TIMESTAMP_NTZ is a wall
#: clock with no zone, read as UTC (a difference of two NTZ values involves no zone).
_EPOCH_SECONDS = {
    "timestamp": "unix_micros({c}) / 1e6",
    "date": "CAST(unix_date({c}) AS BIGINT) * 86400",
    "timestamp_ntz": "timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', {c}) / 1e6",
}


def _epoch_text(seconds: float) -> str:
    """``1704067200 (2024-01-01T00:00:00Z)``: the recorded number, and the instant it means."""
    if not math.isfinite(seconds):
        return _fmt(seconds)
    number = f"{seconds:.6f}".rstrip("0").rstrip(".")
    try:
        iso = datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):  # beyond Python's years 1..9999
        return number
    return f"{number} ({iso})"


class Extremum(MetricConstraint):
    """``min``/``max``: of a number, or of a date or timestamp as UTC epoch seconds.

    Deequ's Minimum and Maximum only take numeric columns, so a date or timestamp column gets a
    derived column of epoch seconds. Its metric is computed on that column; the analyzer spec
    carries the user's column as its ``instance`` so the recorded metric names the column the user
    wrote (the plan maps it back: ``Plan.instances``).
    """

    params_model = ColumnThreshold
    dimension = Dimension.VALIDITY
    column_types = NUMERIC | _TIMES

    def _epoch(self, column: str, schema: Mapping[str, str] | None) -> str | None:
        kind = type_family(schema[column]) if schema and column in schema else None
        template = _EPOCH_SECONDS.get(kind or "")
        return template.format(c=quote_identifier(column)) if template else None

    def spec_for(self, p: Any, schema: Mapping[str, str] | None) -> AnalyzerSpec:
        if self._epoch(p.column, schema) is None:
            return self.spec(p)
        return AnalyzerSpec(self.analyzer, (_epoch_name(p.column),), (("instance", p.column),))

    def analyzers_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[AnalyzerSpec, ...]:
        return (self.spec_for(p, schema),)

    def derived_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> Mapping[str, str]:
        expression = self._epoch(p.column, schema)
        return {_epoch_name(p.column): expression} if expression else {}

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        spec = self.spec_for(p, ctx.schema)
        shown = _epoch_text if self._epoch(p.column, ctx.schema) else _fmt
        return judge(self.label(p), spec.kind, ctx.output(spec), self.threshold(p), shown=shown)


class Min(Extremum):
    name = "min"
    analyzer = "Minimum"
    summary = ("Smallest value of a numeric, date or timestamp column. Dates and timestamps are "
               "compared as UTC epoch seconds (the message also shows the ISO-8601 time).")
    example = "min: {column: pressure, must_be_at_least: 0}"


class Max(Extremum):
    name = "max"
    analyzer = "Maximum"
    summary = ("Largest value of a numeric, date or timestamp column. Dates and timestamps are "
               "compared as UTC epoch seconds (the message also shows the ISO-8601 time).")
    example = "max: {column: temperature, must_be_less_than: 1800}"


class ColumnsExist(ConstraintDef):
    name = "columns_exist"
    params_model = ColumnsParams
    dimension = Dimension.CONSISTENCY
    summary = ("The listed columns exist in the dataset. Evaluated from the table schema, which is "
               "read before Deequ runs (Deequ has no analyzer for it).")
    example = "columns_exist: [reading_id, sensor_id, ts]"
    shorthand = "columns"

    def checked_columns(self, params: Any) -> tuple[str, ...]:
        return ()  # missing columns are this constraint's verdict, not a config error

    def threshold(self, params: Any) -> Threshold:
        return Threshold(op="==", value=float(len(params.columns)))

    def analyzers(self, params: Any) -> tuple[AnalyzerSpec, ...]:
        return ()

    def evaluate(self, params: Any, ctx: EvalContext) -> Outcome:
        missing = [c for c in params.columns if c not in ctx.schema]
        found = float(len(params.columns) - len(missing))
        if missing:
            return Outcome(ConstraintStatus.FAILED, "ColumnsPresent", found,
                           f"missing column(s): {', '.join(missing)}")
        return Outcome(ConstraintStatus.PASSED, "ColumnsPresent", found,
                       f"all {len(params.columns)} column(s) present")


class IsPrimaryKey(ConstraintDef):
    name = "is_primary_key"
    params_model = ColumnsParams
    dimension = Dimension.UNIQUENESS
    summary = ("The combination of columns is complete (no nulls) and unique in every row: Deequ "
               "Uniqueness over the columns must be 1 and Completeness of each column 1.")
    example = "is_primary_key: [reading_id]"
    shorthand = "columns"

    def threshold(self, params: Any) -> Threshold:
        return Threshold(op="==", value=1.0)

    def analyzers(self, params: Any) -> tuple[AnalyzerSpec, ...]:
        return (AnalyzerSpec("Uniqueness", tuple(params.columns)),) + tuple(
            AnalyzerSpec("Completeness", (c,)) for c in params.columns)

    def unique_keys(self, params: Any) -> tuple[tuple[str, ...], ...]:
        return (tuple(params.columns),)

    def evaluate(self, params: Any, ctx: EvalContext) -> Outcome:
        for column in params.columns:
            completeness = ctx.output(AnalyzerSpec("Completeness", (column,)))
            outcome = judge(f"completeness({column})", "Completeness", completeness, self.threshold(params))
            if outcome.status is not ConstraintStatus.PASSED:
                return dataclasses.replace(outcome, message=f"primary key has nulls: {outcome.message}")
        return judge(self.label(params), "Uniqueness",
                     ctx.output(AnalyzerSpec("Uniqueness", tuple(params.columns))), self.threshold(params))


class Between(RowPredicate):
    name = "between"
    params_model = BetweenParams
    dimension = Dimension.VALIDITY
    column_types = NUMERIC  # not coerced: '10' <= '9' as strings, and a date is no number
    summary = "Values lie within [min, max] (inclusive; either bound may be left out)."
    example = "between: {column: temperature, min: -50, max: 1600}"

    def predicate(self, p: Any) -> str:
        col = quote_identifier(p.column)
        parts = []
        if p.min is not None:
            parts.append(f"{col} >= {sql_literal(p.min)}")
        if p.max is not None:
            parts.append(f"{col} <= {sql_literal(p.max)}")
        return f"{col} IS NULL OR ({' AND '.join(parts)})"

    def label(self, p: Any) -> str:
        lo = "-inf" if p.min is None else f"{p.min:g}"
        hi = "inf" if p.max is None else f"{p.max:g}"
        return f"{p.column} between {lo} and {hi}"


class NonNegative(RowPredicate):
    name = "non_negative"
    params_model = ColumnRowParams
    dimension = Dimension.VALIDITY
    summary = "Values are >= 0."
    example = "non_negative: pressure"
    shorthand = "column"
    column_types = NUMERIC
    op = ">="

    def predicate(self, p: Any) -> str:
        col = quote_identifier(p.column)
        return f"{col} IS NULL OR {col} {self.op} 0"

    def label(self, p: Any) -> str:
        return f"{p.column} {self.op} 0"


class Positive(NonNegative):
    name = "positive"
    summary = "Values are > 0."
    example = "positive: {column: pressure, min_fraction: 0.99}"
    op = ">"


class NoNan(RowPredicate):
    name = "no_nan"
    params_model = ColumnRowParams
    dimension = Dimension.VALIDITY
    summary = ("No value is NaN (a NULL is not NaN: completeness constraints judge NULLs). NaN is a "
               "value to Spark, so completeness does not see it, and mean, sum, stddev and quantile "
               "are NOT_EVALUATED on a column that holds one.")
    example = "no_nan: temperature"
    shorthand = "column"
    column_types = NUMERIC

    def predicate(self, p: Any) -> str:
        col = quote_identifier(p.column)
        return f"{col} IS NULL OR NOT isnan({col})"

    def label(self, p: Any) -> str:
        return f"{p.column} is not NaN"


_NO_NAN = NoNan()


class Quantile(MetricConstraint):
    name = "quantile"
    analyzer = "ApproxQuantile"
    params_model = QuantileParams
    dimension = Dimension.DISTRIBUTION
    summary = ("Approximate quantile (Greenwald-Khanna, `relative_error` default 0.01). NOT_EVALUATED "
               "when the column holds NaN, which Spark ranks above every number.")
    example = "quantile: {column: temperature, quantile: 0.5, must_be_between: [1450, 1550]}"
    column_types = NUMERIC

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("ApproxQuantile", (p.column,),
                            (("quantile", p.quantile), ("relative_error", p.relative_error)))

    def label(self, p: Any) -> str:
        return f"quantile({p.column}, {p.quantile:g})"

    def _nan_spec(self, p: Any, schema: Mapping[str, str] | None) -> AnalyzerSpec | None:
        """The fraction of rows that are not NaN (only a float or double column can hold NaN).

        The same spec as ``no_nan`` on the column, so a suite that has both computes it once.
        """
        if not schema or type_family(schema.get(p.column, "")) != "fractional":
            return None
        return _NO_NAN.spec(ColumnRowParams.model_validate({"column": p.column}))

    def analyzers_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[AnalyzerSpec, ...]:
        nan = self._nan_spec(p, schema)
        return (self.spec(p),) + ((nan,) if nan is not None else ())

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        nan = self._nan_spec(p, ctx.schema)
        if nan is not None:
            out = ctx.output(nan)
            fraction = out.value()
            if out.error is None and not out.undefined and fraction is not None and fraction < 1.0:
                count = (f"{round((1.0 - fraction) * ctx.row_count)} of {ctx.row_count} rows"
                         if ctx.row_count else f"a fraction {1.0 - fraction:.3g} of the rows")
                return Outcome(ConstraintStatus.NOT_EVALUATED, "ApproxQuantile", None,
                               f"{self.label(p)} is not evaluated: {count} of {p.column} are NaN, which "
                               f"Spark ranks above every number; store them as NULL, or filter them out "
                               f"with dataset.where: \"NOT isnan({p.column})\"", self.spec(p))
        return super().evaluate(p, ctx)


class AllowedValues(RowPredicate):
    name = "allowed_values"
    params_model = AllowedValuesParams
    dimension = Dimension.VALIDITY
    summary = "Values are one of a fixed list (strings, numbers or booleans)."
    example = "allowed_values: {column: status, values: [OK, WARN, FAIL]}"

    def predicate(self, p: Any) -> str:
        col = quote_identifier(p.column)
        return f"{col} IS NULL OR {col} IN ({', '.join(sql_literal(v) for v in p.values)})"

    # Spark would cast to make `int_col IN ('a')` or `string_col IN (1)` run, and the cast turns
    # values into NULLs or strings that compare differently ('1.0' is not '1'): refuse instead.
    _VALUE_KINDS = {"string": (str, "strings"), "boolean": (bool, "true or false")}

    def type_problem(self, p: Any, schema: Mapping[str, str]) -> str | None:
        kind = schema.get(p.column)
        if kind is None:
            return None
        family = type_family(kind)
        if family in NUMERIC:
            wrong = [v for v in p.values if isinstance(v, (str, bool))]
            needs = "numbers"
        elif family in self._VALUE_KINDS:
            expected, needs = self._VALUE_KINDS[family]
            wrong = [v for v in p.values if not isinstance(v, expected)]
        else:
            return (f"column '{p.column}' is {kind}, but allowed_values needs a string, numeric or boolean "
                    f"column; use satisfies with an expression of that type instead")
        if not wrong:
            return None
        shown = ", ".join("true" if v is True else "false" if v is False else repr(v) for v in wrong[:5])
        return (f"column '{p.column}' is {kind}, so its values must be {needs}, but values lists {shown}; "
                f"write the values as {needs}" + (" (quoted numbers are strings in YAML)" if family in NUMERIC
                                                   else " (put numbers in quotes)" if family == "string" else ""))

    def label(self, p: Any) -> str:
        shown = ", ".join(str(v) for v in p.values[:10]) + (", ..." if len(p.values) > 10 else "")
        return f"{p.column} in [{shown}]"


class Pattern(RowPredicate):
    name = "pattern"
    params_model = PatternParams
    dimension = Dimension.VALIDITY
    summary = ("Values of a string column match a regular expression (Java syntax, as Spark's RLIKE; "
               "anchored only if you write ^ and $). Deequ Compliance counts the fraction of rows "
               "that match; nulls count as matching.")
    example = r"pattern: {column: sensor_id, regex: '^S-\d{3}$'}"
    column_types = _STRING  # a number's text form ('1.0E7') is Spark's, not the user's

    # Not Deequ's PatternMatch: it counts a null (and an empty match) as a violation.
    def predicate(self, p: Any) -> str:
        col = quote_identifier(p.column)
        return f"{col} IS NULL OR {col} RLIKE {sql_literal(p.regex)}"

    def label(self, p: Any) -> str:
        return f"{p.column} matches {p.regex}"


class DataType(RowPredicate):
    name = "data_type"
    params_model = DataTypeParams
    dimension = Dimension.VALIDITY
    summary = ("Non-null values look like the given type (integral, fractional, numeric, boolean, "
               "string): Deequ's DataType histogram; useful for string columns fed by CSV or OPC "
               "tags. The fraction is over non-null values.")
    example = "data_type: {column: heat_id, type: integral}"

    _TYPES = {
        "integral": ("Integral",),
        "fractional": ("Fractional",),
        "numeric": ("Integral", "Fractional"),
        "boolean": ("Boolean",),
        "string": ("String",),
    }

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("DataType", (p.column,))

    #: Deequ 2.1.0's ``StatefulDataType`` classes (read from its jar): Scala matches the whole
    #: string, so ``$`` becomes ``\z`` here (RLIKE finds, and ``$`` would match before a final
    #: newline). Anything non-null that is none of them is a String.
    _REGEX = {
        "Fractional": r"^(-|\+)? ?\d+((\.\d+)|((?:\.\d+)?[Ee][-+]?\d+))\z",
        "Integral": r"^(-|\+)? ?\d+\z",
        "Boolean": r"^(true|false)\z",
    }

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        text = f"CAST({quote_identifier(p.column)} AS STRING)"
        matches = {kind: f"{text} RLIKE {sql_literal(regex)}" for kind, regex in self._REGEX.items()}
        if p.type == "string":
            wanted = "NOT (" + " OR ".join(matches.values()) + ")"
        else:
            wanted = " OR ".join(matches[kind] for kind in self._TYPES[p.type])
        return f"{quote_identifier(p.column)} IS NOT NULL AND NOT ({wanted})"

    def label(self, p: Any) -> str:
        return f"{p.column} is {p.type}"

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        output = ctx.output(self.spec(p))
        value = None
        if output.error is None and not output.undefined:
            counts = {r.name.rsplit(".", 1)[-1]: r.value or 0.0
                      for r in output.records if r.name.startswith("Histogram.abs.")}
            known = sum(v for k, v in counts.items() if k != "Unknown")
            if known > 0:
                value = sum(counts.get(t, 0.0) for t in self._TYPES[p.type]) / known
            else:  # no rows, or only nulls: undefined (not "NaN values", which the column lacks)
                output = dataclasses.replace(output, undefined=True)
        return judge(f"fraction of non-null values where {self.label(p)}", "DataType",
                     output, self.threshold(p), value)


class Satisfies(RowPredicate):
    name = "satisfies"
    params_model = SatisfiesParams
    dimension = Dimension.CONSISTENCY
    summary = ("A Spark SQL boolean expression holds per row (cross-column rules). The expression "
               "is parsed by Spark and refused if it contains a subquery or an aggregate, window or "
               "generator function; it is never evaluated by Python. Rows where it is NULL count as "
               "violations.")
    example = "satisfies: {expression: 'end_ts >= start_ts', label: ends_after_start}"

    def columns(self, p: Any) -> tuple[str, ...]:
        return ()

    def predicate(self, p: Any) -> str:
        return f"COALESCE(({p.expression}), FALSE)"

    def label(self, p: Any) -> str:
        return p.label or p.expression


class ReferentialIntegrity(ConstraintDef):
    name = "referential_integrity"
    params_model = ReferentialIntegrityParams
    dimension = Dimension.CONSISTENCY
    row_fraction = True
    summary = ("The fraction of rows with a key (every key column non-null) whose key is found in the "
               "reference table must reach `min_fraction` (default 1.0: no orphans). NULL keys are "
               "not looked up. The reference's Delta version is pinned when the run starts and "
               "recorded in `dq_metrics` (`ReferenceVersion`); a reference or reference column that "
               "does not exist is a configuration error. Computed by a join in a pass of its own.")
    example = "referential_integrity: {column: heat_id, reference: {table: plant.heats, column: heat_id}}"

    def columns(self, p: Any) -> tuple[str, ...]:
        return p.keys

    def lookup(self, p: Any) -> ReferenceLookup:
        ref = p.reference
        return ReferenceLookup(p.keys, ReferenceSource(ref.table, ref.path, ref.version), ref.keys)

    def reference_lookups(self, p: Any) -> tuple[ReferenceLookup, ...]:
        return (self.lookup(p),)

    def spec(self, p: Any) -> AnalyzerSpec:
        lookup = self.lookup(p)
        return AnalyzerSpec("Compliance", (lookup.name,), (
            ("instance", self.label(p)),
            ("predicate", f"{quote_identifier(lookup.name)} IS NOT NULL"),
            ("reference", lookup.reference.identity),
            ("key", lookup.columns),
            ("reference_key", lookup.reference_columns),
        ))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p),)

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        lookup = self.lookup(p)
        return f"({lookup.key_present}) AND {quote_identifier(lookup.name)} IS NULL"

    def label(self, p: Any) -> str:
        lookup = self.lookup(p)
        return (f"{','.join(lookup.columns)} in {lookup.reference.table or lookup.reference.path}"
                f"({','.join(lookup.reference_columns)})")

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        spec = self.spec(p)
        return judge(f"fraction of keys found: {self.label(p)}", spec.kind, ctx.output(spec), self.threshold(p))


BUILTIN_CONSTRAINTS: tuple[ConstraintDef, ...] = (
    _metric("row_count", "Size", TableThreshold, Dimension.COMPLETENESS,
            "Number of rows (after the dataset's `where`).",
            "row_count: {must_be_greater_than: 0}", domain=_COUNT),
    _metric("column_count", "ColumnCount", TableThreshold, Dimension.CONSISTENCY,
            "Number of columns in the dataset.",
            "column_count: {must_be: 8}", domain=_COUNT),
    ColumnsExist(),
    _metric("is_complete", "Completeness", ColumnParams, Dimension.COMPLETENESS,
            "No value in the column is null (completeness must be 1; with the suite's "
            "`nan_is_missing: true`, no float value is NaN either).",
            "is_complete: sensor_id", base=IsComplete, shorthand="column", row_fraction=True),
    _metric("completeness", "Completeness", ColumnThreshold, Dimension.COMPLETENESS,
            "Fraction of non-null values (with the suite's `nan_is_missing: true`, of values "
            "neither null nor NaN).",
            "completeness: {column: temperature, must_be_at_least: 0.98}", domain=_FRACTION,
            base=CompletenessMetric, row_fraction=True),
    _metric("is_unique", "Uniqueness", ColumnParams, Dimension.UNIQUENESS,
            "Every value occurs exactly once (uniqueness must be 1; nulls are ignored by Deequ).",
            "is_unique: reading_id", base=FixedMetricConstraint, shorthand="column"),
    IsPrimaryKey(),
    _metric("uniqueness", "Uniqueness", ColumnOrColumnsThreshold, Dimension.UNIQUENESS,
            "Fraction of rows whose value (or combination of values) occurs exactly once.",
            "uniqueness: {columns: [sensor_id, ts], must_be_at_least: 0.999}", domain=_FRACTION),
    _metric("distinctness", "Distinctness", ColumnOrColumnsThreshold, Dimension.UNIQUENESS,
            "Number of distinct values divided by the number of rows.",
            "distinctness: {column: heat_id, must_be_less_than: 0.5}", domain=_FRACTION),
    _metric("distinct_count", "CountDistinct", ColumnOrColumnsThreshold, Dimension.UNIQUENESS,
            "Exact number of distinct values.",
            "distinct_count: {column: sensor_id, must_be_between: [1, 500]}", domain=_COUNT),
    _metric("approx_distinct_count", "ApproxCountDistinct", ColumnThreshold, Dimension.UNIQUENESS,
            "HyperLogLog estimate of the number of distinct values (cheap on large tables).",
            "approx_distinct_count: {column: heat_id, must_be_at_least: 10}", domain=_COUNT),
    Min(),
    Max(),
    _metric("mean", "Mean", ColumnThreshold, Dimension.DISTRIBUTION,
            "Mean of a numeric column.",
            "mean: {column: temperature, must_be_between: [1400, 1600]}", column_types=NUMERIC),
    _metric("sum", "Sum", ColumnThreshold, Dimension.DISTRIBUTION,
            "Sum of a numeric column.",
            "sum: {column: energy_kwh, must_be_at_most: 1000000}", column_types=NUMERIC),
    _metric("stddev", "StandardDeviation", ColumnThreshold, Dimension.DISTRIBUTION,
            "Population standard deviation of a numeric column; 0 on a frozen sensor.",
            "stddev: {column: temperature, must_be_greater_than: 0}", domain=_NON_NEGATIVE,
            column_types=NUMERIC),
    Quantile(),
    Between(),
    NonNegative(),
    Positive(),
    _NO_NAN,
    AllowedValues(),
    Pattern(),
    _metric("min_length", "MinLength", ColumnThreshold, Dimension.VALIDITY,
            "Shortest string length in the column.",
            "min_length: {column: sensor_id, must_be_at_least: 5}", domain=_LENGTH, column_types=_STRING,
            base=LengthBound, bound="lower"),
    _metric("max_length", "MaxLength", ColumnThreshold, Dimension.VALIDITY,
            "Longest string length in the column.",
            "max_length: {column: sensor_id, must_be_at_most: 16}", domain=_LENGTH, column_types=_STRING,
            base=LengthBound, bound="upper"),
    DataType(),
    Satisfies(),
    _metric("correlation", "Correlation", CorrelationParams, Dimension.DISTRIBUTION,
            "Pearson correlation of two numeric columns.",
            "correlation: {columns: [temperature, pressure], must_be_less_than: 0.95}",
            domain=Domain("a number from -1 to 1", -1.0, 1.0), column_types=NUMERIC),
    _metric("entropy", "Entropy", ColumnThreshold, Dimension.DISTRIBUTION,
            "Entropy of the value distribution; 0 when every row has the same value.",
            "entropy: {column: status, must_be_greater_than: 0}", domain=_NON_NEGATIVE),
    ReferentialIntegrity(),
    *TIME_SERIES_CONSTRAINTS,
)
