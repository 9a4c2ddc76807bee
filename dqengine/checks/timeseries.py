"""Time-series constraints: the readings of each key (the ``by`` columns), ordered by ``time``.

Pure Python, like every constraint type: each declares ``WindowColumn`` values over one
(``by``, ``time``) window and ordinary Deequ analyzers over them (Maximum of the gaps, Sum of the
sampling slots, Mean of a 0/1 pair flag...). The planner computes every window column of one
(``by``, ``time``) in one windowed pass — one shuffle and one sort for all the time-series
constraints that share it, apart from the scan every other analyzer uses (``dqengine.planner``).

Common rules:

* ``time`` is a TIMESTAMP, TIMESTAMP_NTZ (read as UTC) or DATE column; rows whose ``time`` is
  NULL are ignored, and counted in the message (Deequ's Completeness of ``time``, which the scan
  computes anyway);
* ``by`` may be empty: the whole table is one series (Spark then sorts it in one partition);
* rows with equal times within a key come in no defined order;
* durations (parameters and thresholds of a duration metric) are ``dqengine.config.durations``
  values, and duration metrics are recorded in seconds;
* a failed constraint names its worst key (or first offending events) from ``details``: one more
  Spark job over the same window (a shuffle and a sort of the columns it reads), run only for a
  failed constraint, never for a passing one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Mapping

from pydantic import Field, model_validator

from dqengine.checks.base import (
    NUMERIC,
    AnalyzerOutput,
    AnalyzerSpec,
    ConstraintDef,
    DetailQuery,
    Domain,
    EvalContext,
    WindowColumn,
    _fmt,
    judge,
    quote_identifier,
    type_family,
)
from dqengine.config.durations import Duration, Instant, PositiveDuration, epoch_micros, format_duration
from dqengine.config.models import (
    ColumnName,
    DurationThresholdFields,
    RowFractionFields,
    StrictModel,
    Threshold,
    ThresholdFields,
)
from dqengine.results import ConstraintStatus, Dimension, Outcome

__all__ = ["TIME_SERIES_CONSTRAINTS", "time_micros"]

_FRACTION = Domain("a fraction from 0 to 1", 0.0, 1.0)
_COUNT = Domain("a count, a whole number 0 or more", 0.0, integral=True)
_NON_NEGATIVE = Domain("never negative", 0.0)
_TIMES = frozenset({"date", "timestamp", "timestamp_ntz"})
#: Values a run of equal readings or an order can be judged on.
_SCALARS = NUMERIC | _TIMES | {"string", "boolean"}

#: UTC microseconds since the epoch of a time column (bigint), by type family.
_MICROS = {
    "timestamp": "unix_micros({c})",
    "timestamp_ntz": "timestampdiff(MICROSECOND, TIMESTAMP_NTZ'1970-01-01 00:00:00', {c})",
    "date": "(CAST(unix_date({c}) AS BIGINT) * 86400000000)",
}
_WHOLE = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING"
_BEFORE = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
_SO_FAR = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


def time_micros(column: str, schema: Mapping[str, str] | None) -> str:
    """Spark SQL: ``column`` as UTC epoch microseconds (a TIMESTAMP unless the schema says otherwise)."""
    family = type_family(schema[column]) if schema and column in schema else "timestamp"
    return _MICROS.get(family, _MICROS["timestamp"]).format(c=quote_identifier(column))


def _iso(micros: Any) -> str:
    """Epoch microseconds as ISO-8601 UTC (``2026-01-01T00:20:00Z``)."""
    if micros is None:
        return "?"
    try:
        moment = datetime.fromtimestamp(int(micros) / 1e6, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(micros)
    return moment.isoformat().replace("+00:00", "Z")


def _seconds(x: float) -> str:
    """A duration metric in a message: ``1200 s (20m)``."""
    return f"{_fmt(x)} s ({format_duration(x)})" if math.isfinite(x) and x >= 0 else _fmt(x)


def _sql_condition(expression: str, t: Threshold) -> str:
    if t.op == "between":
        return f"({expression} BETWEEN {t.value!r} AND {t.upper!r})"
    return f"({expression} {'=' if t.op == '==' else t.op} {t.value!r})"


# --- parameters ---------------------------------------------------------------------------------


class SeriesParams(StrictModel):
    """``time`` and the key columns ``by`` (empty: one series)."""

    time: ColumnName
    by: list[ColumnName] = []

    @model_validator(mode="after")
    def _keys(self) -> "SeriesParams":
        dup = sorted({c for c in self.by if self.by.count(c) > 1})
        if dup:
            raise ValueError(f"column(s) listed twice in by: {', '.join(dup)}")
        if self.time in self.by:
            raise ValueError(f"'{self.time}' is the time column; leave it out of by")
        return self


class MaxGapParams(SeriesParams, DurationThresholdFields):
    pass


class SamplingParams(SeriesParams, ThresholdFields):
    interval: PositiveDuration
    start: Instant | None = None
    end: Instant | None = None

    @model_validator(mode="after")
    def _window(self) -> "SamplingParams":
        if (self.start is None) != (self.end is None):
            raise ValueError("give both 'start' and 'end', or neither (each key's first and last reading)")
        if self.start is not None and self.end is not None and self.start > self.end:
            raise ValueError(f"start {self.start.isoformat()} is after end {self.end.isoformat()}; swap them")
        return self


class StuckParams(SeriesParams, ThresholdFields):
    column: ColumnName


class RateParams(SeriesParams, ThresholdFields):
    column: ColumnName
    #: The unit of time of the rate: the change per ``per``.
    per: PositiveDuration = 1.0


class MonotonicParams(RowFractionFields):
    column: ColumnName
    order_by: Annotated[list[ColumnName], Field(min_length=1, max_length=1)]
    by: list[ColumnName] = []
    strict: bool = False

    @model_validator(mode="after")
    def _keys(self) -> "MonotonicParams":
        dup = sorted({c for c in self.by if self.by.count(c) > 1})
        if dup:
            raise ValueError(f"column(s) listed twice in by: {', '.join(dup)}")
        if self.order_by[0] in self.by:
            raise ValueError(f"'{self.order_by[0]}' is the order; leave it out of by")
        return self

    @property
    def time(self) -> str:
        return self.order_by[0]


class FreshnessParams(SeriesParams, DurationThresholdFields):
    #: The instant the age is measured at; default: the run's start (UTC).
    as_of: Instant | None = None


class DurationBounds(DurationThresholdFields):
    """The duration of an event (last reading - first), as a ``must_be*`` threshold of durations."""


class EventShapeParams(RowFractionFields):
    event: ColumnName
    time: ColumnName
    duration: DurationBounds | None = None
    min_samples: Annotated[int, Field(ge=1)] | None = None
    max_samples: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _bounds(self) -> "EventShapeParams":
        if self.duration is None and self.min_samples is None and self.max_samples is None:
            raise ValueError("give at least one of 'duration', 'min_samples' or 'max_samples'")
        if (self.min_samples is not None and self.max_samples is not None
                and self.min_samples > self.max_samples):
            raise ValueError(f"min_samples {self.min_samples} is above max_samples {self.max_samples}")
        if self.event == self.time:
            raise ValueError("event and time must be different columns")
        return self

    @property
    def by(self) -> list[str]:
        return [self.event]


# --- the family -----------------------------------------------------------------------------------


class TimeSeriesConstraint(ConstraintDef):
    """Readings of each key ordered by ``time``; window columns named after the parameters."""

    #: Type families the value column (``column``) may have.
    value_types: ClassVar[frozenset[str]] = _SCALARS

    def columns(self, p: Any) -> tuple[str, ...]:
        column = getattr(p, "column", None) or getattr(p, "event", None)
        return (column,) if column else (p.time,)

    def checked_columns(self, p: Any) -> tuple[str, ...]:
        column = getattr(p, "column", None)
        return tuple(dict.fromkeys(((column,) if column else ()) + (p.time, *p.by)))

    def type_problem(self, p: Any, schema: Mapping[str, str]) -> str | None:
        kind = schema.get(p.time)
        if kind is not None and type_family(kind) not in _TIMES:
            return (f"column '{p.time}' is {kind}, but {self.name}'s time needs a timestamp, timestamp_ntz "
                    f"or date column; point it at one, or convert the column")
        column = getattr(p, "column", None)
        kind = schema.get(column) if column else None
        if kind is not None and type_family(kind) not in self.value_types:
            needs = "a numeric column" if self.value_types == NUMERIC else "a numeric, string, boolean or time column"
            return f"column '{column}' is {kind}, but {self.name} needs {needs}; point it at such a column"
        return None

    def _value(self, p: Any, schema: Mapping[str, str] | None) -> str:
        """``column`` where the reading counts (its time is not NULL; nor, under the suite's
        ``nan_is_missing``, is the value NaN), else NULL."""
        col = quote_identifier(p.column)
        nan = f" AND NOT isnan({col})" if self.nan_is_missing(p, p.column, schema) else ""
        return f"CASE WHEN {quote_identifier(p.time)} IS NOT NULL{nan} THEN {col} END"

    def _name(self, p: Any, part: str) -> str:
        nan = bool(getattr(p, "_nan_is_missing", False))
        text = json.dumps([self.name, part, p.model_dump(mode="json"), nan], sort_keys=True)
        return f"_dq_ts_{part}_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]

    def _col(self, p: Any, part: str, expression: str, stage: int = 0) -> WindowColumn:
        return WindowColumn(self._name(p, part), tuple(p.by), p.time, expression, stage)

    def _time_spec(self, p: Any) -> AnalyzerSpec:
        """Completeness of ``time``: how many rows the series ignore (shared with ``is_complete``)."""
        return AnalyzerSpec("Completeness", (p.time,))

    def _ignored(self, p: Any, ctx: EvalContext) -> str:
        out = ctx.output(self._time_spec(p))
        fraction = out.value()
        if out.error is not None or fraction is None or not ctx.row_count or fraction >= 1.0:
            return ""
        n = round((1.0 - fraction) * ctx.row_count)
        return f"; {n} row(s) with a NULL {p.time} ignored"

    def _keys_select(self, p: Any) -> tuple[str, ...]:
        return tuple(f"CAST({quote_identifier(k)} AS STRING) AS `key{i}`" for i, k in enumerate(p.by))

    def _key_text(self, p: Any, row: Mapping[str, Any]) -> str:
        if not p.by:
            return "the series"
        return ", ".join(f"{k}={row.get(f'key{i}')}" for i, k in enumerate(p.by))

    def label(self, p: Any) -> str:
        column = getattr(p, "column", None)
        inner = ",".join(([column] if column else []) + [p.time])
        by = f" by {','.join(p.by)}" if p.by else ""
        return f"{self.name}({inner}{by})"

    def _undefined(self, label: str, metric: str, spec: AnalyzerSpec | None, why: str) -> Outcome:
        return Outcome(ConstraintStatus.NOT_EVALUATED, metric, None, f"{label} is not evaluated: {why}", spec)

    def _note(self, outcome: Outcome, p: Any, ctx: EvalContext) -> Outcome:
        note = self._ignored(p, ctx)
        return dataclasses.replace(outcome, message=outcome.message + note) if note else outcome


class MaxGap(TimeSeriesConstraint):
    """``max_gap``: Deequ's Maximum of ``time - previous time`` (seconds) over each key's readings."""

    name = "max_gap"
    params_model = MaxGapParams
    dimension = Dimension.TIMELINESS
    domain = _NON_NEGATIVE
    summary = ("Largest interval, in seconds, between consecutive readings of one key (`by`; empty: one "
               "series), ordered by `time`. A key with one reading has no gap; with no key of two "
               "readings the constraint is NOT_EVALUATED. A failure names the worst key and when its "
               "gap started.")
    example = "max_gap: {time: ts, by: [sensor_id], must_be_at_most: 5m}"

    def _gap(self, p: Any, schema: Mapping[str, str] | None) -> WindowColumn:
        m = time_micros(p.time, schema)
        return self._col(p, "gap", f"({m} - lag({m}) OVER {{window}}) / 1e6")

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        return (self._gap(p, schema),)

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Maximum", (self._name(p, "gap"),), (("instance", p.time),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        if out.error is None and (out.undefined or out.value() is None):
            outcome = self._undefined(self.label(p), "Maximum", out.spec, "no key has two readings with a time")
        else:
            outcome = judge(self.label(p), "Maximum", out, self.threshold(p), shown=_seconds)
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        m = time_micros(p.time, schema)
        gap = self._gap(p, schema)
        previous = self._col(p, "prev", f"lag({m}) OVER {{window}}")
        return DetailQuery((gap, previous), f"{gap.name} IS NOT NULL",
                           self._keys_select(p) + (f"{previous.name} AS `start`", f"{gap.name} AS `gap`"),
                           (f"{gap.name} DESC",), 1)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        row = rows[0]
        return dataclasses.replace(outcome, message=f"{outcome.message}; worst: {self._key_text(p, row)}, a gap "
                                                    f"of {format_duration(row['gap'])} from {_iso(row['start'])}")

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        """The reading after a gap the threshold refuses: reads window column ``gap``."""
        return f"COALESCE(NOT {_sql_condition(self._name(p, 'gap'), p.threshold)}, FALSE)"


class SamplingCompleteness(TimeSeriesConstraint):
    """Deequ Sums of two window columns: the slots each reading opens (1 on the first reading of
    a slot) and, on each key's first row, the slots expected from its first (or ``start``) to its
    last (or ``end``) reading. Readings are sorted by time, so a slot's readings are adjacent."""

    name = "sampling_completeness"
    params_model = SamplingParams
    dimension = Dimension.COMPLETENESS
    domain = _FRACTION
    summary = ("Fraction of expected sampling slots that hold a reading: over the keys, the number of "
               "distinct slots floor((t - first_t) / interval) hit, divided by floor((last_t - first_t) "
               "/ interval) + 1. Optional `start` and `end` (ISO-8601, UTC unless an offset is given; "
               "both or neither) replace each key's first and last reading, so a sensor that went "
               "silent counts, and readings outside them are left out.")
    example = "sampling_completeness: {time: ts, by: [sensor_id], interval: 1m, must_be_at_least: 0.99}"

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        m = time_micros(p.time, schema)
        first = (str(epoch_micros(p.start)) if p.start is not None else f"min({m}) OVER ({{spec}} {_WHOLE})")
        last = (str(epoch_micros(p.end)) if p.end is not None else f"max({m}) OVER ({{spec}} {_WHOLE})")
        step = repr(p.interval * 1e6)

        def slot(x: str) -> str:
            return f"floor(({x} - {first}) / {step})"

        hit = (f"CASE WHEN {m} IS NOT NULL AND {slot(m)} >= 0 AND {slot(m)} <= {slot(last)} AND "
               f"(lag({m}) OVER {{window}} IS NULL OR {slot(f'lag({m}) OVER {{window}}')} <> {slot(m)}) "
               "THEN 1 ELSE 0 END")
        expected = (f"CASE WHEN row_number() OVER {{window}} = 1 AND max({m}) OVER ({{spec}} {_WHOLE}) IS NOT NULL "
                    f"THEN {slot(last)} + 1 ELSE 0 END")
        return (self._col(p, "hit", hit), self._col(p, "expected", expected))

    def _specs(self, p: Any) -> tuple[AnalyzerSpec, AnalyzerSpec]:
        return (AnalyzerSpec("Sum", (self._name(p, "hit"),), (("instance", f"{p.time}:slots_hit"),)),
                AnalyzerSpec("Sum", (self._name(p, "expected"),), (("instance", f"{p.time}:slots_expected"),)))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return self._specs(p) + (self._time_spec(p),)

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        hit_spec, expected_spec = self._specs(p)
        hits, expected = ctx.output(hit_spec), ctx.output(expected_spec)
        failed = hits if hits.error is not None else expected
        if failed.error is not None:
            return judge(self.label(p), "SamplingCompleteness", failed, self.threshold(p))
        n_hit, n_expected = hits.value(), expected.value()
        if not n_expected or n_hit is None:
            return self._note(self._undefined(self.label(p), "SamplingCompleteness", hit_spec,
                                              "no reading with a time"), p, ctx)
        # The verdict rests on the slots hit (its metric key is recorded); its value is the ratio.
        outcome = judge(self.label(p), "SamplingCompleteness", AnalyzerOutput(spec=hit_spec), self.threshold(p),
                        value=n_hit / n_expected)
        outcome = dataclasses.replace(outcome, message=f"{outcome.message} ({_fmt(n_hit)} of {_fmt(n_expected)} "
                                                       f"slots of {format_duration(p.interval)})")
        return self._note(outcome, p, ctx)


class StuckValue(TimeSeriesConstraint):
    """Deequ's Maximum of each reading's position in its run of equal values.

    Stage 0: the previous non-null value (``last(v, true)`` over the rows before) and the count of
    non-null values so far; stage 1: the count at the run's start (the last row whose value
    differs from the one before), so the run length is ``count - count at start + 1``. Both stages
    use the same window specification: one shuffle and sort."""

    name = "stuck_value"
    params_model = StuckParams
    nan_aware = True
    dimension = Dimension.ACCURACY
    domain = _COUNT
    summary = ("Longest run of consecutive readings of one key with the same non-null value (a frozen "
               "sensor), in readings. Rows where the column is NULL are skipped and do not break a run. "
               "A failure names the key, the value and the run's start and end.")
    example = "stuck_value: {column: temperature, time: ts, by: [sensor_id], must_be_at_most: 30}"

    def _parts(self, p: Any, schema: Mapping[str, str] | None) -> dict[str, WindowColumn]:
        m = time_micros(p.time, schema)
        value = self._value(p, schema)
        prev = self._col(p, "prev", f"last({value}, true) OVER ({{spec}} {_BEFORE})")
        count = self._col(p, "n", f"count({value}) OVER ({{spec}} {_SO_FAR})")
        starts = f"({value}) IS NOT NULL AND ({prev.name} IS NULL OR NOT (({value}) <=> {prev.name}))"
        run = self._col(p, "run", f"CASE WHEN ({value}) IS NOT NULL THEN {count.name} - last(CASE WHEN {starts} "
                                   f"THEN {count.name} END, true) OVER ({{spec}} {_SO_FAR}) + 1 END", 1)
        start = self._col(p, "start", f"last(CASE WHEN {starts} THEN {m} END, true) OVER ({{spec}} {_SO_FAR})", 1)
        return {"prev": prev, "n": count, "run": run, "start": start}

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        parts = self._parts(p, schema)
        return (parts["prev"], parts["n"], parts["run"])

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Maximum", (self._name(p, "run"),), (("instance", p.column),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        if out.error is None and (out.undefined or out.value() is None):
            outcome = self._undefined(self.label(p), "Maximum", out.spec, f"no non-null {p.column} with a time")
        else:
            outcome = judge(self.label(p), "Maximum", out, self.threshold(p))
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        parts = self._parts(p, schema)
        run = parts["run"].name
        return DetailQuery(tuple(parts.values()), f"{run} IS NOT NULL",
                           self._keys_select(p) + (f"CAST({quote_identifier(p.column)} AS STRING) AS `value`",
                                                   f"{parts['start'].name} AS `run_start`",
                                                   f"{time_micros(p.time, schema)} AS `run_end`", f"{run} AS `run`"),
                           (f"{run} DESC",), 1)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        row = rows[0]
        return dataclasses.replace(outcome, message=f"{outcome.message}; {self._key_text(p, row)} read "
                                                    f"{row['value']} {row['run']} times from {_iso(row['run_start'])} "
                                                    f"to {_iso(row['run_end'])}")

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        """Readings at a run position the threshold refuses: reads window column ``run``
        (which reads ``prev`` and ``n``)."""
        return f"COALESCE(NOT {_sql_condition(self._name(p, 'run'), p.threshold)}, FALSE)"


class MaxRateOfChange(TimeSeriesConstraint):
    """Deequ's Maximum of ``|v - previous v| / ((t - previous t) / per)`` per pair of readings."""

    name = "max_rate_of_change"
    params_model = RateParams
    nan_aware = True
    dimension = Dimension.ACCURACY
    domain = _NON_NEGATIVE
    value_types = NUMERIC
    summary = ("Largest |change of value| / (change of time / `per`) between consecutive readings of one "
               "key (`per`: a duration, default 1s). A pair where either value is NULL, or whose "
               "timestamps are equal, is skipped. A failure names the key and the pair.")
    example = ("max_rate_of_change: {column: temperature, time: ts, by: [sensor_id], per: 1h, "
               "must_be_at_most: 20}")

    def _rate(self, p: Any, schema: Mapping[str, str] | None) -> WindowColumn:
        m = time_micros(p.time, schema)
        v = f"CAST(({self._value(p, schema)}) AS DOUBLE)"
        dt = f"({m} - lag({m}) OVER {{window}})"
        # |dv| * per / dt: one rounding less than |dv| / (dt / per)
        return self._col(p, "rate", f"CASE WHEN {dt} > 0 THEN abs({v} - lag({v}) OVER {{window}}) * "
                                    f"{p.per * 1e6!r} / {dt} END")

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        return (self._rate(p, schema),)

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Maximum", (self._name(p, "rate"),), (("instance", p.column),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def label(self, p: Any) -> str:
        return super().label(p)[:-1] + f" per {format_duration(p.per)})"

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        if out.error is None and (out.undefined or out.value() is None):
            outcome = self._undefined(self.label(p), "Maximum", out.spec,
                                      "no pair of consecutive readings with values and distinct times")
        else:
            outcome = judge(self.label(p), "Maximum", out, self.threshold(p))
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        m = time_micros(p.time, schema)
        rate = self._rate(p, schema)
        v = quote_identifier(p.column)
        prev_t = self._col(p, "prev_t", f"lag({m}) OVER {{window}}")
        prev_v = self._col(p, "prev_v", f"lag({v}) OVER {{window}}")
        return DetailQuery((rate, prev_t, prev_v), f"{rate.name} IS NOT NULL",
                           self._keys_select(p) + (f"{prev_t.name} AS t0", f"{m} AS t1",
                                                   f"{prev_v.name} AS v0", f"{v} AS v1", f"{rate.name} AS rate"),
                           (f"{rate.name} DESC",), 1)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        r = rows[0]
        return dataclasses.replace(outcome, message=f"{outcome.message}; worst: {self._key_text(p, r)}, "
                                                    f"{r['v0']} at {_iso(r['t0'])} to {r['v1']} at {_iso(r['t1'])}")

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        """The second reading of a pair whose rate the threshold refuses: reads window column ``rate``."""
        return f"COALESCE(NOT {_sql_condition(self._name(p, 'rate'), p.threshold)}, FALSE)"


class Monotonic(TimeSeriesConstraint):
    """Deequ's Mean of a pair flag: 1.0 where a value does not decrease from the previous non-null
    value of its key (in ``order_by`` order), 0.0 where it does, NULL for a key's first value.
    The mean over non-null flags is the fraction of pairs that hold."""

    name = "monotonic"
    row_fraction = True
    params_model = MonotonicParams
    nan_aware = True
    dimension = Dimension.CONSISTENCY
    value_types = NUMERIC | _TIMES | {"string"}
    summary = ("Fraction of consecutive pairs of one key's readings, in `order_by` order, whose `column` "
               "does not decrease (strictly increases with `strict: true`): clock jumps back, re-ingested "
               "readings. Rows whose `column` or order is NULL are skipped (the pair is with the previous "
               "non-null value). `order_by` names one column. Must reach `min_fraction` (default 1.0).")
    example = "monotonic: {column: seq_no, order_by: [ts], by: [sensor_id], strict: false}"

    def type_problem(self, p: Any, schema: Mapping[str, str]) -> str | None:
        for column in (p.column, p.time):
            kind = schema.get(column)
            if kind is not None and type_family(kind) not in self.value_types:
                return (f"column '{column}' is {kind}, but monotonic needs a numeric, string or time column; "
                        f"point it at such a column")
        return None

    def _flag(self, p: Any, schema: Mapping[str, str] | None) -> WindowColumn:
        value = self._value(p, schema)
        prev = f"last({value}, true) OVER ({{spec}} {_BEFORE})"
        op = ">" if p.strict else ">="
        return self._col(p, "ok", f"CASE WHEN ({value}) IS NULL OR {prev} IS NULL THEN NULL "
                                  f"WHEN ({value}) {op} {prev} THEN 1D ELSE 0D END")

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        return (self._flag(p, schema),)

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Mean", (self._name(p, "ok"),), (("instance", p.column),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def label(self, p: Any) -> str:
        by = f" by {','.join(p.by)}" if p.by else ""
        return f"{p.column} {'increasing' if p.strict else 'non-decreasing'} in {p.time} order{by}"

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        if out.error is None and (out.undefined or out.value() is None):
            outcome = self._undefined(self.label(p), "Mean", out.spec, "no key has two non-null readings")
        else:
            outcome = judge(f"fraction of pairs where {self.label(p)}", "Mean", out, self.threshold(p))
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        flag = self._flag(p, schema)
        prev = self._col(p, "prev", f"last({self._value(p, schema)}, true) OVER ({{spec}} {_BEFORE})")
        order = tuple(quote_identifier(k) for k in p.by) + (quote_identifier(p.time),)
        return DetailQuery((flag, prev), f"{flag.name} = 0",
                           self._keys_select(p) + (f"CAST({quote_identifier(p.time)} AS STRING) AS at",
                                                   f"CAST({prev.name} AS STRING) AS v0",
                                                   f"CAST({quote_identifier(p.column)} AS STRING) AS v1"),
                           order, 5)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        shown = "; ".join(f"{self._key_text(p, r)}: {r['v0']} then {r['v1']} at {r['at']}" for r in rows)
        return dataclasses.replace(outcome, message=f"{outcome.message}; first: {shown}")

    def row_violation(self, p: Any, schema: Mapping[str, str] | None) -> str | None:
        """The second reading of a pair that decreases: reads window column ``ok``."""
        return f"COALESCE({self._name(p, 'ok')} = 0, FALSE)"


class Freshness(TimeSeriesConstraint):
    """Without ``by``: Deequ's Maximum of ``time`` as epoch seconds, in the fused scan (the same
    metric as ``max`` of the column). With ``by``: the newest reading of each key as a window
    column over (``by``, ``time``) — the window the other time-series constraints of the key
    share, so it adds no shuffle next to them — and Deequ's Minimum over it: the stalest key."""

    name = "freshness"
    params_model = FreshnessParams
    dimension = Dimension.TIMELINESS
    summary = ("Seconds from the newest `time` to `as_of` (ISO-8601; default: the run's start, UTC). With "
               "`by`, the age of the stalest key (the oldest newest reading); a failure names it. "
               "NOT_EVALUATED without a reading with a time.")
    example = 'freshness: {time: ts, must_be_at_most: 2h, as_of: "2026-01-01T00:00:00Z"}'

    def _epoch(self, p: Any, schema: Mapping[str, str] | None) -> tuple[str, str]:
        """The derived column of epoch seconds ``max`` uses: a suite with both computes one Maximum."""
        from dqengine.checks.builtin import _EPOCH_SECONDS, _epoch_name  # builtin imports this module

        family = type_family(schema[p.time]) if schema and p.time in schema else "timestamp"
        template = _EPOCH_SECONDS.get(family, _EPOCH_SECONDS["timestamp"])
        return _epoch_name(p.time), template.format(c=quote_identifier(p.time))

    def _newest(self, p: Any, schema: Mapping[str, str] | None) -> WindowColumn:
        return self._col(p, "newest", f"max({time_micros(p.time, schema)}) OVER ({{spec}} {_WHOLE}) / 1e6")

    def derived_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> Mapping[str, str]:
        if p.by:
            return {}
        name, expression = self._epoch(p, schema)
        return {name: expression}

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        return (self._newest(p, schema),) if p.by else ()

    def spec(self, p: Any) -> AnalyzerSpec:
        if p.by:
            return AnalyzerSpec("Minimum", (self._name(p, "newest"),), (("instance", p.time),))
        name, _ = self._epoch(p, None)
        return AnalyzerSpec("Maximum", (name,), (("instance", p.time),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def _as_of(self, p: Any, ctx: EvalContext) -> datetime:
        return p.as_of or getattr(ctx, "started_at", None) or datetime.now(timezone.utc)

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        newest = out.value()
        if out.error is None and (out.undefined or newest is None):
            outcome = self._undefined(self.label(p), "Freshness", out.spec, f"no reading has a {p.time}")
        else:
            as_of = self._as_of(p, ctx)
            age = None if newest is None else epoch_micros(as_of) / 1e6 - newest
            # The verdict rests on the newest time (its metric key is recorded); its value is the age.
            outcome = judge(self.label(p), "Freshness", out, self.threshold(p),
                            value=age, shown=_seconds)
            if newest is not None and outcome.status is not ConstraintStatus.ERROR:
                which = "the stalest key's newest reading" if p.by else "newest reading"
                outcome = dataclasses.replace(outcome, message=f"{outcome.message} ({which} "
                                                               f"{_iso(newest * 1e6)}, as of {_iso(epoch_micros(as_of))})")
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        if not p.by:
            return None
        newest = self._newest(p, schema)
        return DetailQuery((newest,), f"{newest.name} IS NOT NULL", self._keys_select(p),
                           (f"{newest.name} ASC",), 1)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        return dataclasses.replace(outcome, message=f"{outcome.message}; stalest: {self._key_text(p, rows[0])}")


class EventShape(TimeSeriesConstraint):
    """Deequ's Mean of a per-event flag set on the event's first row (1.0: within bounds, 0.0:
    not), from whole-partition aggregates of the (``event``, ``time``) window."""

    name = "event_shape"
    params_model = EventShapeParams
    dimension = Dimension.CONSISTENCY
    summary = ("Fraction of events (rows sharing a non-null `event` id, e.g. a heat) whose duration "
               "(last - first reading, a `duration` threshold of durations) and number of readings "
               "(`min_samples`, `max_samples`) are within bounds; must reach `min_fraction` (default "
               "1.0). Readings with a NULL time are ignored. A failure lists the first offending events.")
    example = ("event_shape: {event: heat_id, time: ts, duration: {must_be_between: [30m, 4h]}, "
               "min_samples: 100}")

    def _parts(self, p: Any, schema: Mapping[str, str] | None) -> dict[str, WindowColumn]:
        m = time_micros(p.time, schema)
        whole = f"OVER ({{spec}} {_WHOLE})"
        duration = f"((max({m}) {whole} - min({m}) {whole}) / 1e6)"
        count = f"count({m}) {whole}"
        conditions = []
        if p.duration is not None:
            conditions.append(_sql_condition(duration, p.duration.threshold))
        if p.min_samples is not None:
            conditions.append(f"{count} >= {p.min_samples}")
        if p.max_samples is not None:
            conditions.append(f"{count} <= {p.max_samples}")
        ok = (f"CASE WHEN {quote_identifier(p.event)} IS NOT NULL AND row_number() OVER {{window}} = 1 "
              f"AND {count} > 0 THEN CASE WHEN {' AND '.join(conditions)} THEN 1D ELSE 0D END END")
        return {"ok": self._col(p, "ok", ok), "duration": self._col(p, "duration", duration),
                "count": self._col(p, "count", count)}

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        return (self._parts(p, schema)["ok"],)

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Mean", (self._name(p, "ok"),), (("instance", p.event),))

    def analyzers(self, p: Any) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p), self._time_spec(p))

    def label(self, p: Any) -> str:
        bounds = []
        if p.duration is not None:
            t = p.duration.threshold
            bounds.append(f"duration between {format_duration(t.value)} and {format_duration(t.upper)}"
                          if t.op == "between" else f"duration {t.op} {format_duration(t.value)}")
        if p.min_samples is not None:
            bounds.append(f">= {p.min_samples} readings")
        if p.max_samples is not None:
            bounds.append(f"<= {p.max_samples} readings")
        return f"{p.event} events with {', '.join(bounds)}"

    def evaluate(self, p: Any, ctx: EvalContext) -> Outcome:
        out = ctx.output(self.spec(p))
        if out.error is None and (out.undefined or out.value() is None):
            outcome = self._undefined(self.label(p), "Mean", out.spec, f"no {p.event} event with a timed reading")
        else:
            outcome = judge(f"fraction of {self.label(p)}", "Mean", out, self.threshold(p))
        return self._note(outcome, p, ctx)

    def details(self, p: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> DetailQuery | None:
        parts = self._parts(p, schema)
        return DetailQuery(tuple(parts.values()), f"{parts['ok'].name} = 0",
                           (f"CAST({quote_identifier(p.event)} AS STRING) AS event",
                            f"{parts['duration'].name} AS duration", f"{parts['count'].name} AS n"),
                           (quote_identifier(p.event),), 5)

    def described(self, p: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        if not rows:
            return outcome
        shown = "; ".join(f"{r['event']}: {format_duration(r['duration'])}, {r['n']} readings" for r in rows)
        return dataclasses.replace(outcome, message=f"{outcome.message}; first: {shown}")


TIME_SERIES_CONSTRAINTS: tuple[ConstraintDef, ...] = (
    MaxGap(), SamplingCompleteness(), StuckValue(), MaxRateOfChange(), Monotonic(), Freshness(), EventShape(),
)
