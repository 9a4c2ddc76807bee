"""The vocabulary shared by every constraint type. Pure Python: Deequ is only named, never imported.

A constraint type turns its validated parameters into:

* ``analyzers`` — the Deequ analyzers it needs, as hashable ``AnalyzerSpec`` values. The planner
  collects them from the whole suite, drops duplicates and splits them into passes (one fused
  scan, a pass per grouping column set, ...: ``dqengine.planner``);
* ``derived_columns`` — Spark SQL expressions to add as columns before Deequ sees the data
  (for checks whose metric is over a value computed per row);
* ``window_columns`` — per-row values over the previous/next rows of the same series
  (``WindowColumn``: a ``lag``/``lead`` expression over one (keys, time) window), e.g. the step
  between consecutive readings of a sensor. The planner computes them in a pass of their own, never
  in the scan that the other analyzers share;
* ``evaluate`` — an ``Outcome`` from the computed metrics, with the threshold applied in Python.
  Deequ's own assertions would need Python lambdas called back from the JVM (pydeequ's callback
  server), which keeps spark-submit jobs alive and collides on its port between jobs.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping, Protocol

from dqengine.config.models import THRESHOLD_KEYS, StrictModel, Threshold, ThresholdFields, location_identity
from dqengine.results import ConstraintStatus, Dimension, MetricRecord, Outcome

__all__ = [
    "Domain",
    "AnalyzerSpec",
    "AnalyzerOutput",
    "WindowColumn",
    "ReferenceSource",
    "ReferenceLookup",
    "DetailQuery",
    "EvalContext",
    "ConstraintDef",
    "quote_identifier",
    "sql_literal",
    "judge",
    "type_family",
    "NUMERIC",
]


@dataclass(frozen=True)
class Domain:
    """The values a metric can take, so a threshold that none of them meets is refused at load time."""

    #: how the metric's values read in a message: "a fraction from 0 to 1"
    what: str
    low: float = -math.inf
    high: float = math.inf
    #: counts and lengths: only whole numbers
    integral: bool = False

    def _candidate(self, x: float) -> float:
        """The value of the domain nearest ``x`` (for whole numbers, rounded towards the inside)."""
        x = min(max(x, self.low), self.high)
        if self.integral and math.isfinite(x) and not float(x).is_integer():
            x = float(round(x))
            if x < self.low:
                x += 1
            elif x > self.high:
                x -= 1
        return x

    def problem(self, t: Threshold) -> str | None:
        """Why no value of the domain satisfies ``t`` (with the fix), or None when one does.

        Each case tries the one value that has the best chance (the top for ``>``, the bottom for
        ``<``...) with ``Threshold.holds`` itself, so "can hold" means exactly what judging does.
        """
        lo, hi = _num_text(self.low), _num_text(self.high)
        if t.op in (">=", ">"):
            if t.holds(self._candidate(math.inf)):
                return None
            return f"use a bound {'of at most' if t.op == '>=' else 'below'} {hi}"
        if t.op in ("<=", "<"):
            if t.holds(self._candidate(-math.inf)):
                return None
            return f"use a bound {'of at least' if t.op == '<=' else 'above'} {lo}"
        if t.op == "==":
            if t.holds(self._candidate(t.value)):
                return None
            if self.integral and self.low <= t.value <= self.high:
                return "use a whole number"
            return f"use a value from {lo} to {hi}" if math.isfinite(self.high) else f"use a value of {lo} or more"
        assert t.upper is not None
        if t.holds(self._candidate(t.value)) or t.holds(self._candidate(t.upper)):
            return None
        if self.integral and self.low <= t.upper and t.value <= self.high:
            return "the range holds no whole number; widen it"
        span = f"from {lo} to {hi}" if math.isfinite(self.high) else f"of {lo} or more"
        return f"use a range that includes values {span}"


def _num_text(x: float) -> str:
    return str(int(x)) if math.isfinite(x) and float(x).is_integer() else repr(x)


@dataclass(frozen=True)
class AnalyzerSpec:
    """A Deequ analyzer by class name and arguments. Equal specs are computed once."""

    kind: str
    columns: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, name: str, default: Any = None) -> Any:
        return dict(self.params).get(name, default)

    def __str__(self) -> str:
        args = ",".join(self.columns)
        extra = ",".join(f"{k}={v}" for k, v in self.params)
        return f"{self.kind}({args}{';' + extra if extra else ''})"


@dataclass(frozen=True)
class WindowColumn:
    """A derived column computed over the ordered rows of each series: one (keys, time) window.

    ``expression`` is Spark SQL from registry code (never from YAML) in which ``{window}`` stands
    for the window, e.g. ``unix_micros(`ts`) - unix_micros(lag(`ts`) OVER {window})``; the provider
    replaces it by ``(PARTITION BY keys ORDER BY time)``, and ``{spec}`` by the same without the
    parentheses, for a frame: ``count(x) OVER ({spec} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT
    ROW)`` (keys may be empty: one series, no PARTITION BY). Every column with the same
    (keys, time) is computed in one windowed pass: one shuffle and one sort, however many
    constraints use it. Rows with equal times within a series come in no defined order.

    ``stage``: a column may read columns of earlier stages by name (a window function cannot
    nest another). Stages are successive projections over the same partitioning and order, so
    Spark neither shuffles nor sorts again between them.
    """

    name: str
    keys: tuple[str, ...]
    time: str
    expression: str
    stage: int = 0

    @property
    def window(self) -> tuple[tuple[str, ...], str]:
        return self.keys, self.time


@dataclass(frozen=True)
class ReferenceSource:
    """Another Delta table that a constraint looks values up in: a metastore ``table`` or a
    ``path``, at a pinned ``version`` (None: the latest when the run starts)."""

    table: str | None = None
    path: str | None = None
    version: int | None = None

    @property
    def identity(self) -> str:
        """What the metrics tables call it: the table name, or the absolute path (as a dataset)."""
        return location_identity(self.table, self.path)


@dataclass(frozen=True)
class ReferenceLookup:
    """A per-row flag: is the row's key (``columns``) found among ``reference_columns`` of the
    reference? ``name`` is the flag column: TRUE where found, NULL where not (and where a key
    column is NULL: such a row has no key to look up, as a SQL foreign key ``MATCH SIMPLE``).

    Every lookup of one (reference, columns, reference columns) is one join in a pass of its own
    (provider ``reference``), never in the scan the other analyzers share.
    """

    columns: tuple[str, ...]
    reference: ReferenceSource
    reference_columns: tuple[str, ...]

    @property
    def name(self) -> str:
        # Not the version: a metric keeps its history when the pinned reference version moves
        # (a suite pins one version per reference: see ``dqengine.spark.reference``).
        text = "\x00".join((self.reference.identity, "\x01".join(self.columns),
                            "\x01".join(self.reference_columns)))
        return "_dq_ref_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    @property
    def key_present(self) -> str:
        """Spark SQL: every key column of the row has a value."""
        return " AND ".join(f"{quote_identifier(c)} IS NOT NULL" for c in self.columns)


@dataclass(frozen=True)
class DetailQuery:
    """Rows that explain a failed verdict: ``select`` (Spark SQL, aliased) of the rows where
    ``where`` holds, first ``limit`` by ``order_by`` (expressions, each optionally ending in
    `` DESC``), over the data with ``window_columns`` (all of
    one window) added. Asked only for a failed constraint, so a passing suite never pays for it."""

    window_columns: tuple[WindowColumn, ...]
    where: str
    select: tuple[str, ...]
    order_by: tuple[str, ...] = ()
    limit: int = 5


@dataclass(frozen=True)
class AnalyzerOutput:
    """What Deequ gave for one analyzer: its metrics, or why there are none."""

    records: tuple[MetricRecord, ...] = ()
    #: Deequ reported a failure (wrong column type, bad expression...): the constraint is ERROR.
    error: str | None = None
    #: Deequ had no state to compute from (no rows, or only nulls): the metric is undefined.
    undefined: bool = False
    #: The analyzer this is the output of, when the evaluation context knows it: a verdict
    #: judged on it records that analyzer's metric key.
    spec: AnalyzerSpec | None = field(default=None, compare=False)

    def value(self, name: str | None = None) -> float | None:
        for record in self.records:
            if name is None or record.name == name:
                return record.value
        return None


class EvalContext(Protocol):
    """What a constraint may look at when it is evaluated."""

    @property
    def row_count(self) -> int | None: ...

    @property
    def schema(self) -> Mapping[str, str]:
        """Column name -> Spark type name (``double``, ``string``...), in table order."""
        ...

    def output(self, spec: AnalyzerSpec) -> AnalyzerOutput: ...


def quote_identifier(name: str) -> str:
    """A column name as a Spark SQL identifier: backticks, with embedded backticks doubled."""
    return "`" + name.replace("`", "``") + "`"


def sql_literal(value: Any) -> str:
    """A YAML scalar as a Spark SQL literal. Strings are never spliced in raw.

    A string holding a quote, a backslash or a control character becomes
    ``decode(X'<utf-8 hex>', 'UTF-8')``: Spark reads that the same way whatever
    ``spark.sql.parser.escapedStringLiterals`` says (which changes what a backslash in a quoted
    literal means), and the optimizer folds it to a constant. Other strings stay readable.
    """
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no SQL literal")
        return repr(value)
    if isinstance(value, str):
        if any(ch in value for ch in "'\\") or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            return f"decode(X'{value.encode('utf-8').hex().upper()}', 'UTF-8')"
        return f"'{value}'"
    raise TypeError(f"unsupported literal {value!r}")


#: Spark's simpleString type names, by what a constraint can do with them.
_FAMILIES = {"tinyint": "integral", "smallint": "integral", "int": "integral", "bigint": "integral",
             "float": "fractional", "double": "fractional", "string": "string", "boolean": "boolean",
             "date": "date", "timestamp": "timestamp", "timestamp_ntz": "timestamp_ntz"}
NUMERIC = frozenset({"integral", "fractional", "decimal"})
#: What each set of families is called in a message.
_NEEDS = {NUMERIC: "a numeric column", frozenset({"string"}): "a string column",
          NUMERIC | {"date", "timestamp", "timestamp_ntz"}: "a numeric, date or timestamp column"}


def type_family(spark_type: str) -> str:
    """``integral``, ``fractional``, ``decimal``, ``string``, ``boolean``, ``date``, ``timestamp``,
    ``timestamp_ntz`` or ``other`` (binary, arrays, structs...) for a Spark ``simpleString``."""
    name = spark_type.strip().lower()
    if name.startswith("decimal"):
        return "decimal"
    if name.startswith(("char(", "varchar(")):  # Delta keeps these as string, but a view may not
        return "string"
    return _FAMILIES.get(name, "other")


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.6g}"


def judge(label: str, metric_name: str, output: AnalyzerOutput, threshold: Threshold,
          value: float | None = None, shown: Callable[[float], str] = _fmt) -> Outcome:
    """Apply ``threshold`` to a metric, turning failures and undefined values into their status.

    ``shown`` writes the value in the message (an epoch-seconds value also reads as a date).
    """
    spec = output.spec
    if output.error is not None:
        return Outcome(ConstraintStatus.ERROR, metric_name, None,
                       f"{label} could not be computed: {output.error}", spec)
    if value is None:
        value = output.value(None)
    if output.undefined or value is None:
        return Outcome(ConstraintStatus.NOT_EVALUATED, metric_name, None,
                       f"{label} is undefined on this data (no rows, or only nulls)", spec)
    if math.isnan(value):
        return Outcome(ConstraintStatus.NOT_EVALUATED, metric_name, None,
                       f"{label} is NaN (the column holds NaN values)", spec)
    if threshold.holds(value):
        # "is_unique(x) = 1" says it all; "= 1, == 1" would only repeat the value
        text = f"{label} = {shown(value)}" if threshold.op == "==" else f"{label} = {shown(value)}, {threshold}"
        return Outcome(ConstraintStatus.PASSED, metric_name, value, text, spec)
    return Outcome(ConstraintStatus.FAILED, metric_name, value,
                   f"{label} = {shown(value)}, expected {threshold}", spec)


class ConstraintDef:
    """One YAML constraint name, its parameter model and how Deequ computes it.

    Subclasses set the class attributes and implement ``analyzers`` and ``evaluate``.
    ``example`` is a YAML constraint item; the docs show it and a test runs it.
    """

    name: ClassVar[str]
    params_model: ClassVar[type[StrictModel]]
    #: The quality dimension of this type (``dimension:`` on a check or constraint overrides it);
    #: documented per type in docs/constraints.md. The registry refuses a type without a valid one.
    dimension: ClassVar[Dimension]
    #: The verdict's metric is the fraction of rows that hold (Deequ's ``Compliance``-type
    #: metrics: row predicates, completeness): a constraint's score is that fraction, not 1/0.
    row_fraction: ClassVar[bool] = False
    summary: ClassVar[str]
    example: ClassVar[str]
    #: What a bare scalar (``is_complete: id``) or list (``is_primary_key: [a, b]``) stands for.
    shorthand: ClassVar[str | None] = None
    #: The values the metric can take; a ``must_be*`` threshold outside them is a config error.
    domain: ClassVar[Domain | None] = None
    #: Counts missing values, so the suite's ``nan_is_missing`` applies (``nan_is_missing``).
    nan_aware: ClassVar[bool] = False

    def threshold_problem(self, params: Any) -> tuple[str, str] | None:
        """(threshold key, why it can never hold and the fix), or None.

        Only a threshold the user wrote is judged (fixed constraints have their own, which holds).
        A threshold that always holds is allowed: it is pointless, not wrong.
        """
        if self.domain is None or not isinstance(params, ThresholdFields):
            return None
        threshold = params.threshold
        why = self.domain.problem(threshold)
        if why is None:
            return None
        key = next(k for k in THRESHOLD_KEYS if getattr(params, k) is not None)
        given = getattr(params, key)
        shown = (f"[{_num_text(given[0])}, {_num_text(given[1])}]" if isinstance(given, list)
                 else _num_text(given))
        return key, f"{shown} can never hold: {self.name} is {self.domain.what}; {why}"

    def coerce(self, raw: Any) -> Any:
        if self.shorthand is not None and not isinstance(raw, dict):
            return {self.shorthand: raw}
        return raw

    def columns(self, params: Any) -> tuple[str, ...]:
        if getattr(params, "column", None) is not None:
            return (params.column,)
        return tuple(getattr(params, "columns", None) or ())

    def checked_columns(self, params: Any) -> tuple[str, ...]:
        """Columns that must exist before anything is computed (``columns_exist`` checks its own)."""
        return self.columns(params)

    #: Type families (see ``type_family``) every checked column must have; None: any type.
    column_types: ClassVar[frozenset[str] | None] = None

    def threshold(self, params: Any) -> Threshold:
        return params.threshold

    def type_problem(self, params: Any, schema: Mapping[str, str]) -> str | None:
        """Why the columns' types do not suit this constraint (with the fix), or None.

        ``schema`` maps column name -> Spark ``simpleString`` type of the pinned version. Called
        before anything is computed: Deequ computes every metric in one aggregation, so a column
        Spark cannot analyse for one constraint would turn every other into ERROR. Columns missing
        from ``schema`` are someone else's problem (preflight reports them first).
        """
        if self.column_types is None:
            return None
        for column in self.checked_columns(params):
            kind = schema.get(column)
            if kind is not None and type_family(kind) not in self.column_types:
                needs = _NEEDS.get(self.column_types, "a column of another type")
                return (f"column '{column}' is {kind}, but {self.name} needs {needs}; point it at such a "
                        f"column, or convert the column in the table")
        return None

    def derived_columns(self, params: Any) -> Mapping[str, str]:
        return {}

    @staticmethod
    def nan_is_missing(params: Any, column: str, schema: Mapping[str, str] | None) -> bool:
        """Whether NaN in ``column`` counts as missing: the suite says so and the column is a
        float or double (only those hold NaN; without a schema, nothing is known to)."""
        return (bool(getattr(params, "_nan_is_missing", False)) and schema is not None
                and type_family(schema.get(column, "")) == "fractional")

    def analyzers(self, params: Any) -> tuple[AnalyzerSpec, ...]:
        raise NotImplementedError

    # Planning with the pinned schema. A constraint whose computation depends on column types
    # (min of a TIMESTAMP, the NaN count behind a quantile of a DOUBLE) overrides these; the
    # others plan the same whatever the schema. ``schema`` is None when planning without data.
    def analyzers_for(self, params: Any, schema: Mapping[str, str] | None) -> tuple[AnalyzerSpec, ...]:
        return self.analyzers(params)

    def derived_columns_for(self, params: Any, schema: Mapping[str, str] | None) -> Mapping[str, str]:
        return self.derived_columns(params)

    def window_columns_for(self, params: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        """Columns computed over a (keys, time) window; its analyzers name them in ``columns``."""
        return ()

    def reference_lookups(self, params: Any) -> tuple[ReferenceLookup, ...]:
        """Lookups in other tables this constraint's analyzers read (their flag columns by name)."""
        return ()

    def row_violation(self, params: Any, schema: Mapping[str, str] | None) -> str | None:
        """Spark SQL boolean expression that is TRUE exactly for a row that violates this
        constraint, counted as the constraint's metric counts it (NULL semantics included), or
        None when the constraint is not row-level. It may read the flag columns of this
        constraint's ``reference_lookups``. Rows where it is TRUE go to the suite's quarantine."""
        return None

    def unique_keys(self, params: Any) -> tuple[tuple[str, ...], ...]:
        """Column sets this constraint expects to be (nearly) unique: a hint for the planner.

        The planner answers the exact uniqueness of such a key by a window count instead of a
        groupBy (see ``dqengine.planner``); a wrong hint costs time, never correctness.
        """
        return ()

    def evaluate(self, params: Any, ctx: EvalContext) -> Outcome:
        raise NotImplementedError

    def details(self, params: Any, schema: Mapping[str, str] | None, outcome: Outcome) -> "DetailQuery | None":
        """For a FAILED outcome: the rows that explain it (the worst key, the offending events),
        computed only then. None: the message says enough."""
        return None

    def described(self, params: Any, outcome: Outcome, rows: tuple[Mapping[str, Any], ...]) -> Outcome:
        """``outcome`` with what ``details`` found (``rows``: its ``select`` per row) in its message."""
        return outcome

    def row_violation(self, params: Any, schema: Mapping[str, str] | None) -> str | None:
        """A Spark SQL boolean expression true for the rows that violate this constraint, or None.

        It may read this constraint's window columns (``window_columns_for``), which the caller
        computes first (``dqengine.spark.providers.windowed_frame``)."""
        return None

    def label(self, params: Any) -> str:
        cols = ",".join(self.columns(params))
        return f"{self.name}({cols})" if cols else self.name
