"""Pydantic models of a suite file. Pure Python: nothing here imports Spark.

Models are frozen, strict (a quoted "0.9" is not a number) and forbid unknown keys, so a typo is
an error at a file:line:col instead of a silently ignored setting. Constraint parameters are not
modelled here: each constraint type brings its own parameter model through the registry
(``dqengine.checks``), and this layer keeps the raw items for it.
"""
from __future__ import annotations

import os

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from dqengine.results import Dimension, Severity
from dqengine.config.durations import Duration

__all__ = [
    "StrictModel",
    "Name",
    "NAME_PATTERN",
    "ConstraintId",
    "CONSTRAINT_ID_PATTERN",
    "ConstraintOptionsModel",
    "SeverityName",
    "DimensionName",
    "Weight",
    "MinScoreModel",
    "ColumnName",
    "SqlText",
    "DatasetModel",
    "OutputModel",
    "CheckModel",
    "SuiteModel",
    "ThresholdFields",
    "DurationThresholdFields",
    "RowFractionFields",
    "Threshold",
    "THRESHOLD_KEYS",
]


class StrictModel(BaseModel):
    # Patterns run on Python's ``re``, as in the JSON Schema validator (jsonschema): ``\w`` means
    # the same Unicode letters and digits to the engine and to the schema test.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, regex_engine="python-re")

    #: The suite's ``nan_is_missing``, set by the suite loader on the parameters of constraint
    #: types that count missing values (``ConstraintDef.nan_aware``). Not a YAML key of the
    #: constraint: it is never read from the item, dumped or shown in the JSON Schema.
    _nan_is_missing: bool = PrivateAttr(default=False)


#: Suite and check names: they become values in the metrics tables (compared as values, never
#: spliced into SQL). Any Unicode letter or digit, '_', '.', '-'; a letter or '_' first.
NAME_PATTERN = r"^[^\W\d][\w.\-]*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NAME_PATTERN)]
#: A constraint's ``id:`` (recorded as ``constraint_id``): as a name, but it may also start with a
#: digit, so that an id the engine derived (16 hex digits) can be written into the suite to keep
#: a constraint's history when its parameters change.
CONSTRAINT_ID_PATTERN = r"^\w[\w.\-]*$"
ConstraintId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=CONSTRAINT_ID_PATTERN)]
#: A top-level column of the dataset; quoted as an identifier before Spark sees it.
def _no_backtick(name: str) -> str:
    if "`" in name:
        raise ValueError(f"column name {name!r} contains a backtick, which Deequ cannot address; "
                         "rename the column (or select it under another name in a view)")
    return name


ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=512), AfterValidator(_no_backtick)]
#: Spark SQL text (a filter or a boolean expression); parsed by Spark, never evaluated by Python.
SqlText = Annotated[str, StringConstraints(min_length=1, max_length=8192)]


def _with_problem(cls: type, data: Any, handler: ValidatorFunctionWrapHandler, problem: str | None) -> Any:
    """Validate ``data`` and also report ``problem``, a rule across keys judged from the keys given.

    An ``after`` validator only runs when every field is valid, so a file with a bad value *and*
    two thresholds would tell of the second problem only once the first is fixed; this reports
    both at once.
    """
    try:
        result = handler(data)
    except ValidationError as exc:
        if problem is None:
            raise
        errors: list[Any] = [*exc.errors(), {"type": "value_error", "loc": (), "input": data,
                                             "ctx": {"error": ValueError(problem)}}]
        raise ValidationError.from_exception_data(cls.__name__, errors) from None
    if problem is not None:
        raise ValueError(problem)
    return result


def _table_or_path_problem(data: Any) -> str | None:
    """Why a Delta table given as ``table``/``path`` is not exactly one of them, or None."""
    if not isinstance(data, dict):
        return None
    given = [k for k in ("table", "path") if data.get(k) is not None]
    if len(given) == 1:
        return None
    return ("give exactly one of 'table' (a metastore name) or 'path' (a Delta location) "
            f"(got {'both' if given else 'neither'})")


def location_identity(table: str | None, path: str | None) -> str:
    """What the metrics tables call a Delta table (dataset, reference, quarantine): the metastore
    name, or the absolute path (URLs as given, without a trailing slash)."""
    if table is not None:
        return table
    text = path or ""
    if "://" in text or text.startswith("dbfs:"):
        return text.rstrip("/")
    return os.path.abspath(text)


class DatasetModel(StrictModel):
    table: Annotated[str, StringConstraints(min_length=1, pattern=r"^[A-Za-z0-9_`.\-]+$")] | None = None
    path: Annotated[str, StringConstraints(min_length=1)] | None = None
    version: Annotated[int, Field(ge=0)] | None = None
    where: SqlText | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _one_source(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> "DatasetModel":
        return _with_problem(cls, data, handler, _table_or_path_problem(data))


class OutputModel(StrictModel):
    """A Delta table the run writes rows to (the quarantine, the clean rows): a metastore ``table``
    or a ``path``, exactly one."""

    table: Annotated[str, StringConstraints(min_length=1, pattern=r"^[A-Za-z0-9_`.\-]+$")] | None = None
    path: Annotated[str, StringConstraints(min_length=1)] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _one_target(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> "OutputModel":
        return _with_problem(cls, data, handler, _table_or_path_problem(data))


#: The YAML spellings of ``Severity`` and ``Dimension`` (validated as text, so that an unknown one
#: is reported with the valid values; the suite holds the enum members).
SeverityName = Literal[tuple(s.value for s in Severity)]  # type: ignore[valid-type]
DimensionName = Literal[tuple(d.value for d in Dimension)]  # type: ignore[valid-type]
#: A constraint's share of its dimension's score.
Weight = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]


class CheckModel(StrictModel):
    name: Name
    severity: SeverityName = Severity.ERROR.value
    #: The dimension of every constraint of the check that does not name its own.
    dimension: DimensionName | None = None
    description: str | None = None
    #: Raw items, each a one-key mapping {constraint_name: parameters}; resolved by the registry.
    constraints: Annotated[list[Any], Field(min_length=1)]


class ConstraintOptionsModel(StrictModel):
    """The keys beside a constraint's name in a constraint item: ``id``, ``dimension``, ``weight``
    (validated on their own: the rest of the item goes to the constraint type's parameter model)."""

    id: ConstraintId | None = None
    #: overrides the check's ``dimension`` and the type's default
    dimension: DimensionName | None = None
    weight: Weight | None = None


_MIN_SCORE = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class MinScoreModel(StrictModel):
    """``min_score``: the least score of the run (``overall``) or of a dimension; a score below
    its minimum fails the run."""

    overall: _MIN_SCORE | None = None
    completeness: _MIN_SCORE | None = None
    validity: _MIN_SCORE | None = None
    consistency: _MIN_SCORE | None = None
    uniqueness: _MIN_SCORE | None = None
    timeliness: _MIN_SCORE | None = None
    accuracy: _MIN_SCORE | None = None
    distribution: _MIN_SCORE | None = None

    def minimums(self) -> dict[str, float]:
        """dimension (or ``overall``) -> minimum, for the ones given."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class SuiteModel(StrictModel):
    suite: Name
    description: str | None = None
    dataset: DatasetModel
    #: ``{overall: 0.95, completeness: 0.99}``: a score below its minimum fails the run
    min_score: MinScoreModel | None = None
    #: NaN in a float/double column counts as missing for completeness-type and time-series
    #: constraints (sensor feeds use NaN for dropouts). Default: NaN is a value, as in Spark.
    nan_is_missing: bool = False
    checks: Annotated[list[CheckModel], Field(min_length=1)]
    #: Rows that violate a row-level constraint go there (``dqengine.spark.quarantine``).
    quarantine: OutputModel | None = None
    #: Rows that violate none go there.
    clean: OutputModel | None = None


# --- thresholds -------------------------------------------------------------------------------

THRESHOLD_KEYS = (
    "must_be",
    "must_be_at_least",
    "must_be_at_most",
    "must_be_greater_than",
    "must_be_less_than",
    "must_be_between",
)


class Threshold(BaseModel):
    """A comparison a metric value must satisfy. ``holds`` never sees NaN: that is NOT_EVALUATED."""

    model_config = ConfigDict(frozen=True)

    op: Literal["==", ">=", "<=", ">", "<", "between"]
    value: float
    upper: float | None = None

    def holds(self, x: float) -> bool:
        if self.op == "==":
            return math.isclose(x, self.value, rel_tol=1e-9, abs_tol=1e-12)
        if self.op == ">=":
            return x >= self.value
        if self.op == "<=":
            return x <= self.value
        if self.op == ">":
            return x > self.value
        if self.op == "<":
            return x < self.value
        assert self.upper is not None  # guaranteed by the model validator, never user input
        return self.value <= x <= self.upper

    def __str__(self) -> str:
        if self.op == "between":
            return f"between {_num(self.value)} and {_num(self.upper)}"
        return f"{self.op} {_num(self.value)}"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(x)


_FINITE = Field(allow_inf_nan=False)


class ThresholdFields(StrictModel):
    """Mixin for metric constraints: exactly one of the six ``must_be*`` keys."""

    must_be: Annotated[float, _FINITE] | None = None
    must_be_at_least: Annotated[float, _FINITE] | None = None
    must_be_at_most: Annotated[float, _FINITE] | None = None
    must_be_greater_than: Annotated[float, _FINITE] | None = None
    must_be_less_than: Annotated[float, _FINITE] | None = None
    must_be_between: Annotated[list[Annotated[float, _FINITE]], Field(min_length=2, max_length=2)] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _exactly_one_threshold(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> "ThresholdFields":
        problem = None
        if isinstance(data, dict):
            given = [k for k in THRESHOLD_KEYS if data.get(k) is not None]
            if len(given) != 1:
                what = "none" if not given else ", ".join(given)
                problem = f"give exactly one threshold of {', '.join(THRESHOLD_KEYS)} (got {what})"
        return _with_problem(cls, data, handler, problem)

    @model_validator(mode="after")
    def _ordered_bounds(self) -> "ThresholdFields":
        if self.must_be_between is not None and self.must_be_between[0] > self.must_be_between[1]:
            lo, hi = self.must_be_between
            raise ValueError(
                f"must_be_between [{_num(lo)}, {_num(hi)}] can never hold: the lower bound is above "
                f"the upper; write [{_num(hi)}, {_num(lo)}]"
            )
        return self

    @property
    def threshold(self) -> Threshold:
        ops = {
            "must_be": "==",
            "must_be_at_least": ">=",
            "must_be_at_most": "<=",
            "must_be_greater_than": ">",
            "must_be_less_than": "<",
        }
        for key, op in ops.items():
            value = getattr(self, key)
            if value is not None:
                return Threshold(op=op, value=value)
        lo, hi = self.must_be_between  # type: ignore[misc]
        return Threshold(op="between", value=lo, upper=hi)


class DurationThresholdFields(ThresholdFields):
    """``ThresholdFields`` of a metric that is a duration: each bound is a ``Duration`` (``5m``,
    ``PT2H`` or seconds), held as seconds, the unit the metric is recorded in."""

    must_be: Duration | None = None
    must_be_at_least: Duration | None = None
    must_be_at_most: Duration | None = None
    must_be_greater_than: Duration | None = None
    must_be_less_than: Duration | None = None
    must_be_between: Annotated[list[Duration], Field(min_length=2, max_length=2)] | None = None


class RowFractionFields(StrictModel):
    """Mixin for row predicates: they hold for every row unless ``min_fraction`` relaxes them."""

    min_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0

    @property
    def threshold(self) -> Threshold:
        return Threshold(op=">=", value=self.min_fraction)


_JAVA_NAMED_BACKREF = re.compile(r"\\k<([A-Za-z][A-Za-z0-9]*)>")


def _as_regex_module_syntax(pattern: str) -> str:
    """Java's named back-reference ``\\k<name>`` as the ``regex`` module writes it, ``(?P=name)``.

    Only a ``\\k`` that is itself unescaped is rewritten: ``\\\\k<a>`` is a literal backslash then
    ``k<a>``. Java's ``(?<name>...)`` groups the ``regex`` module reads as they are.
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            match = _JAVA_NAMED_BACKREF.match(pattern, i)
            if match:
                out.append(f"(?P={match.group(1)})")
                i = match.end()
                continue
            out.append(pattern[i:i + 2])  # an escape pair, copied whole
            i += 2
            continue
        out.append(pattern[i])
        i += 1
    return "".join(out)


def valid_regex(pattern: str) -> str:
    """Checked before Spark starts with the ``regex`` module, whose syntax (Unicode classes such as
    ``\\p{L}``, possessive quantifiers) is close to Java's; Spark's own parser checks it again
    before any metric is computed."""
    import regex

    try:
        regex.compile(_as_regex_module_syntax(pattern))
    except regex.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None
    return pattern
