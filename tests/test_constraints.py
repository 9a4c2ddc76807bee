"""Every built-in constraint type on real Spark + Delta + Deequ: it passes on good data, fails on
bad data, and a value exactly at its threshold lands on the documented side.

Each table below is written once per module and every case on it runs in ONE suite (one Deequ
analysis), because each run costs a Spark job; a case then looks up its own result by id. The
cases are data (cuallee-style): ``Case(constraint, id, yaml, status, metric)``, so adding one is
a single line.
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import pytest

from dqengine import default_registry
from dqengine.results import ConstraintStatus
from helpers import run_constraints

PASSED = ConstraintStatus.PASSED
FAILED = ConstraintStatus.FAILED
ERROR = ConstraintStatus.ERROR
NOT_EVALUATED = ConstraintStatus.NOT_EVALUATED

ANY = object()  # the metric is not asserted (not deterministic, or not the point of the case)
LN2 = math.log(2)


class Case(NamedTuple):
    constraint: str
    id: str
    params: str  # the YAML after "- constraint: "
    status: ConstraintStatus
    metric: Any = ANY
    message: str | None = None  # a substring the result's message must contain

    @property
    def yaml(self) -> str:
        return f"- {self.constraint}: {self.params}"

    @property
    def test_id(self) -> str:
        return f"{self.constraint}-{self.id}"


# --- the shared table -------------------------------------------------------------------------
#
#  id  grp half const score  w   flat level delta status   code    txt  lo  hi    x   y   u  neg  fnan
#  1   a   p    k     1.0   2.0  3.0  0    -2.0  OK       S-001   1    1   2     1   3   1  -1   1.0
#  2   a   p    k     2.0   4.0  3.0  1    -1.0  WARN     S-002   2    2   3     2   5  -1  -2   NaN
#  3   b   p    k     3.0   4.0  3.0  2     0.0  O'Brien  S-003   3    3   3     3   7  -1  -3   3.0
#  4   b   p    k     4.0   4.0  3.0  3     1.0  OK       S-004   4    4   5     4   9   1  -4   NULL
#  5   c   q    k     5.0   5.0  3.0  4     2.0  OK       S-005   5    5   6     5  11   1  -5   5.0
#  6   d   q    k     6.0   5.0  3.0  5     3.0  NULL     S-06    6    6   7     6  13  -1  -6   6.0
#  7   e   q    k     NULL  7.0  3.0  6     4.0  BAD      SX-007  7.5  7   8     7  15  -1  -7   7.0
#  8   f   q    k     NULL  9.0  3.0  7     5.0  OK       NULL    x    8   NULL  8  17   1  -8   8.0
#
# score: completeness 0.75, mean 3.5, sum 21, min 1, max 6 (nulls ignored by the metrics)
# w: mean 5, population stddev exactly 2;  flat: stddev 0;  y = 2x + 1, neg = -x, u uncorrelated with x
# fnan: one NaN (a value, not a null) and one NULL

SCHEMA = ("id BIGINT, grp STRING, half STRING, const STRING, score DOUBLE, w DOUBLE, flat DOUBLE, "
          "level INT, delta DOUBLE, status STRING, code STRING, txt STRING, lo BIGINT, hi BIGINT, "
          "x DOUBLE, y DOUBLE, u DOUBLE, neg DOUBLE, fnan DOUBLE")
N_COLUMNS = 19

_STATUS = ["OK", "WARN", "O'Brien", "OK", "OK", None, "BAD", "OK"]
_CODE = ["S-001", "S-002", "S-003", "S-004", "S-005", "S-06", "SX-007", None]
_TXT = ["1", "2", "3", "4", "5", "6", "7.5", "x"]
_W = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]
_HI = [2, 3, 3, 5, 6, 7, 8, None]
_U = [1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0]
_FNAN = [1.0, float("nan"), 3.0, None, 5.0, 6.0, 7.0, 8.0]

ROWS = [
    (i, "aabbcdef"[i - 1], "ppppqqqq"[i - 1], "k",
     float(i) if i <= 6 else None, _W[i - 1], 3.0, i - 1, float(i - 3), _STATUS[i - 1],
     _CODE[i - 1], _TXT[i - 1], i, _HI[i - 1], float(i), 2.0 * i + 1, _U[i - 1], -float(i), _FNAN[i - 1])
    for i in range(1, 9)
]

CASES: list[Case] = [
    # row_count: 8 rows; every threshold key at its edge
    Case("row_count", "pass_must_be", "{must_be: 8}", PASSED, 8),
    Case("row_count", "fail_must_be", "{must_be: 7}", FAILED, 8),
    Case("row_count", "edge_at_least", "{must_be_at_least: 8}", PASSED, 8),
    Case("row_count", "edge_greater_than", "{must_be_greater_than: 8}", FAILED, 8, "expected > 8"),
    Case("row_count", "edge_at_most", "{must_be_at_most: 8}", PASSED, 8),
    Case("row_count", "edge_less_than", "{must_be_less_than: 8}", FAILED, 8),
    Case("row_count", "edge_between", "{must_be_between: [8, 8]}", PASSED, 8),
    Case("row_count", "fail_between", "{must_be_between: [9, 100]}", FAILED, 8),
    # column_count
    Case("column_count", "pass", f"{{must_be: {N_COLUMNS}}}", PASSED, N_COLUMNS),
    Case("column_count", "fail", f"{{must_be: {N_COLUMNS - 1}}}", FAILED, N_COLUMNS),
    Case("column_count", "edge_at_most", f"{{must_be_at_most: {N_COLUMNS}}}", PASSED, N_COLUMNS),
    Case("column_count", "edge_less_than", f"{{must_be_less_than: {N_COLUMNS}}}", FAILED, N_COLUMNS),
    # columns_exist: the metric is the number of listed columns found
    Case("columns_exist", "pass", "[id, score, status]", PASSED, 3),
    Case("columns_exist", "pass_mapping", "{columns: [txt]}", PASSED, 1),
    Case("columns_exist", "fail", "[id, nope, also_missing]", FAILED, 1, "missing column(s): nope, also_missing"),
    Case("columns_exist", "edge_one_missing", "[id, score, nope]", FAILED, 2, "nope"),
    Case("columns_exist", "edge_case_sensitive", "[ID]", FAILED, 0, "ID"),
    # is_complete
    Case("is_complete", "pass", "id", PASSED, 1.0),
    Case("is_complete", "pass_mapping", "{column: grp}", PASSED, 1.0),
    Case("is_complete", "fail", "score", FAILED, 0.75),
    Case("is_complete", "edge_one_null", "hi", FAILED, 0.875),
    # completeness
    Case("completeness", "pass", "{column: id, must_be: 1}", PASSED, 1.0),
    Case("completeness", "fail", "{column: score, must_be_at_least: 0.8}", FAILED, 0.75, "expected >= 0.8"),
    Case("completeness", "edge_at_least", "{column: score, must_be_at_least: 0.75}", PASSED, 0.75),
    Case("completeness", "edge_greater_than", "{column: score, must_be_greater_than: 0.75}", FAILED, 0.75),
    Case("completeness", "edge_must_be", "{column: hi, must_be: 0.875}", PASSED, 0.875),
    # is_unique: Deequ's Uniqueness is over rows with a value (nulls ignored)
    Case("is_unique", "pass", "id", PASSED, 1.0),
    Case("is_unique", "fail", "grp", FAILED, 0.5),
    Case("is_unique", "edge_null_ignored", "code", PASSED, 1.0),
    Case("is_unique", "edge_one_duplicate", "hi", FAILED, 5 / 7),
    # is_primary_key: unique and complete
    Case("is_primary_key", "pass", "[id]", PASSED, 1.0),
    Case("is_primary_key", "pass_compound", "[grp, level]", PASSED, 1.0),
    Case("is_primary_key", "fail_duplicates", "[grp]", FAILED, 0.5),
    Case("is_primary_key", "fail_compound", "[grp, half]", FAILED, 0.5),
    Case("is_primary_key", "edge_unique_but_null", "[code]", FAILED, 0.875, "primary key has nulls"),
    Case("is_primary_key", "edge_null_in_second_column", "{columns: [id, code]}", FAILED, 0.875,
         "completeness(code)"),
    # uniqueness: grp a,a,b,b,c,d,e,f -> 4 of 8 rows hold a value that occurs once
    Case("uniqueness", "pass", "{columns: [grp, level], must_be: 1}", PASSED, 1.0),
    Case("uniqueness", "fail", "{column: half, must_be_at_least: 0.1}", FAILED, 0.0),
    Case("uniqueness", "edge_at_least", "{column: grp, must_be_at_least: 0.5}", PASSED, 0.5),
    Case("uniqueness", "edge_greater_than", "{column: grp, must_be_greater_than: 0.5}", FAILED, 0.5),
    # distinctness: 6 distinct grp values / 8 rows
    Case("distinctness", "pass", "{column: id, must_be: 1}", PASSED, 1.0),
    Case("distinctness", "fail", "{columns: [half, const], must_be_at_least: 0.5}", FAILED, 0.25),
    Case("distinctness", "edge_at_most", "{column: grp, must_be_at_most: 0.75}", PASSED, 0.75),
    Case("distinctness", "edge_less_than", "{column: grp, must_be_less_than: 0.75}", FAILED, 0.75),
    # distinct_count
    Case("distinct_count", "pass", "{columns: [half, const], must_be: 2}", PASSED, 2),
    Case("distinct_count", "fail", "{column: grp, must_be_between: [7, 10]}", FAILED, 6),
    Case("distinct_count", "edge_between", "{column: grp, must_be_between: [6, 10]}", PASSED, 6),
    Case("distinct_count", "edge_nulls_not_counted", "{column: code, must_be: 7}", PASSED, 7),
    # approx_distinct_count: HyperLogLog, which happens to be exact at this size (no promise)
    Case("approx_distinct_count", "pass", "{column: grp, must_be_between: [5, 7]}", PASSED, 6),
    Case("approx_distinct_count", "fail", "{column: const, must_be_at_least: 2}", FAILED, 1),
    Case("approx_distinct_count", "edge_at_least", "{column: id, must_be_at_least: 8}", PASSED, 8),
    Case("approx_distinct_count", "edge_greater_than", "{column: id, must_be_greater_than: 8}", FAILED, 8),
    # min / max (nulls ignored)
    Case("min", "pass", "{column: level, must_be: 0}", PASSED, 0),
    Case("min", "fail", "{column: delta, must_be_at_least: 0}", FAILED, -2),
    Case("min", "edge_at_least", "{column: score, must_be_at_least: 1}", PASSED, 1),
    Case("min", "edge_greater_than", "{column: score, must_be_greater_than: 1}", FAILED, 1),
    Case("max", "pass", "{column: level, must_be_at_most: 10}", PASSED, 7),
    Case("max", "fail", "{column: w, must_be_less_than: 8}", FAILED, 9),
    Case("max", "edge_at_most", "{column: score, must_be_at_most: 6}", PASSED, 6),
    Case("max", "edge_less_than", "{column: score, must_be_less_than: 6}", FAILED, 6),
    # mean
    Case("mean", "pass_nulls_ignored", "{column: score, must_be: 3.5}", PASSED, 3.5),
    Case("mean", "fail", "{column: score, must_be_between: [0, 3.4]}", FAILED, 3.5),
    Case("mean", "edge_at_least", "{column: w, must_be_at_least: 5}", PASSED, 5),
    Case("mean", "edge_greater_than", "{column: w, must_be_greater_than: 5}", FAILED, 5),
    # sum
    Case("sum", "pass", "{column: level, must_be: 28}", PASSED, 28),
    Case("sum", "fail", "{column: w, must_be_at_most: 39}", FAILED, 40),
    Case("sum", "edge_at_most", "{column: score, must_be_at_most: 21}", PASSED, 21),
    Case("sum", "edge_less_than", "{column: score, must_be_less_than: 21}", FAILED, 21),
    # stddev (population)
    Case("stddev", "pass", "{column: w, must_be: 2}", PASSED, 2),
    Case("stddev", "fail_frozen_sensor", "{column: flat, must_be_greater_than: 0}", FAILED, 0),
    Case("stddev", "edge_at_most", "{column: flat, must_be_at_most: 0}", PASSED, 0),
    Case("stddev", "edge_between", "{column: w, must_be_between: [1.5, 2]}", PASSED, 2),
    # quantile
    Case("quantile", "pass", "{column: score, quantile: 0.5, must_be_between: [2, 4]}", PASSED, 3),
    Case("quantile", "fail", "{column: w, quantile: 1.0, must_be_at_most: 8}", FAILED, 9),
    Case("quantile", "edge_at_least", "{column: score, quantile: 0.0, must_be_at_least: 1}", PASSED, 1),
    Case("quantile", "edge_greater_than", "{column: score, quantile: 0.0, must_be_greater_than: 1}", FAILED, 1),
    Case("quantile", "relative_error", "{column: level, quantile: 0.5, relative_error: 0.1, "
         "must_be_between: [2, 5]}", PASSED, ANY),
    Case("quantile", "nan_not_evaluated", "{column: fnan, quantile: 0.5, must_be_between: [0, 100]}",
         NOT_EVALUATED, None, "1 of 8 rows of fnan are NaN"),
    # between: a fraction of all rows; nulls never violate it
    Case("between", "pass_nulls_do_not_violate", "{column: score, min: 1, max: 6}", PASSED, 1.0),
    Case("between", "pass_bounds_inclusive", "{column: level, min: 0, max: 7}", PASSED, 1.0),
    Case("between", "fail", "{column: score, min: 2, max: 6}", FAILED, 0.875, "1 of 8 rows violate it"),
    Case("between", "fail_min_only", "{column: delta, min: 0}", FAILED, 0.75, "2 of 8 rows"),
    Case("between", "fail_max_only", "{column: delta, max: 4}", FAILED, 0.875),
    Case("between", "edge_min_fraction", "{column: score, min: 2, max: 6, min_fraction: 0.875}", PASSED, 0.875),
    Case("between", "edge_min_fraction_above", "{column: score, min: 2, max: 6, min_fraction: 0.88}",
         FAILED, 0.875),
    # non_negative / positive: zero is the edge
    Case("non_negative", "pass_zero_allowed", "level", PASSED, 1.0),
    Case("non_negative", "fail", "delta", FAILED, 0.75, "2 of 8 rows violate it"),
    Case("non_negative", "edge_min_fraction", "{column: delta, min_fraction: 0.75}", PASSED, 0.75),
    Case("non_negative", "nulls_do_not_violate", "score", PASSED, 1.0),
    Case("positive", "pass", "id", PASSED, 1.0),
    Case("positive", "fail", "{column: delta}", FAILED, 0.625),
    Case("positive", "edge_zero_is_not_positive", "level", FAILED, 0.875),
    Case("positive", "edge_min_fraction", "{column: level, min_fraction: 0.875}", PASSED, 0.875),
    # no_nan: a NULL is not NaN; an integer column never holds NaN
    Case("no_nan", "pass_null_is_not_nan", "score", PASSED, 1.0),
    Case("no_nan", "pass_integral_column", "{column: level}", PASSED, 1.0),
    Case("no_nan", "fail", "fnan", FAILED, 0.875, "1 of 8 rows violate it"),
    Case("no_nan", "edge_min_fraction", "{column: fnan, min_fraction: 0.875}", PASSED, 0.875),
    # allowed_values: O'Brien must survive SQL quoting; the NULL status row never violates
    Case("allowed_values", "pass_quote_and_null", "{column: status, values: [OK, WARN, \"O'Brien\", BAD]}",
         PASSED, 1.0),
    Case("allowed_values", "fail_quoted_value_not_listed", "{column: status, values: [OK, WARN, BAD]}",
         FAILED, 0.875, "1 of 8 rows"),
    Case("allowed_values", "edge_min_fraction", "{column: status, values: [OK, WARN, \"O'Brien\"], "
         "min_fraction: 0.875}", PASSED, 0.875),
    Case("allowed_values", "pass_integers", "{column: level, values: [0, 1, 2, 3, 4, 5, 6, 7]}", PASSED, 1.0),
    Case("allowed_values", "fail_numbers", "{column: w, values: [2, 4.0, 5, 7]}", FAILED, 0.875),
    Case("allowed_values", "case_sensitive", "{column: status, values: [ok, warn, \"O'Brien\", bad]}",
         FAILED, 0.25),
    # pattern: S-001..S-005 match, S-06 and SX-007 do not, the NULL row does not violate (6 of 8)
    Case("pattern", "pass", r"{column: code, regex: '^S'}", PASSED, 1.0),
    Case("pattern", "fail", r"{column: code, regex: '^S-\d{3}$'}", FAILED, 0.75, "2 of 8 rows"),
    Case("pattern", "edge_min_fraction", r"{column: code, regex: '^S-\d{3}$', min_fraction: 0.75}", PASSED, 0.75),
    Case("pattern", "unanchored", r"{column: code, regex: '\d{3}'}", FAILED, 0.875),
    # min_length / max_length: shortest S-06 (4), longest SX-007 (6); the NULL is ignored
    Case("min_length", "pass", "{column: code, must_be: 4}", PASSED, 4),
    Case("min_length", "fail", "{column: code, must_be_at_least: 5}", FAILED, 4),
    Case("min_length", "edge_at_least", "{column: code, must_be_at_least: 4}", PASSED, 4),
    Case("min_length", "edge_greater_than", "{column: code, must_be_greater_than: 4}", FAILED, 4),
    Case("max_length", "pass", "{column: txt, must_be_at_most: 3}", PASSED, 3),
    Case("max_length", "fail", "{column: code, must_be_at_most: 5}", FAILED, 6),
    Case("max_length", "edge_at_most", "{column: code, must_be_at_most: 6}", PASSED, 6),
    Case("max_length", "edge_less_than", "{column: code, must_be_less_than: 6}", FAILED, 6),
    # data_type: txt is 6 integral, 1 fractional, 1 string; the fraction is over non-null values
    Case("data_type", "pass_nulls_not_counted", "{column: code, type: string}", PASSED, 1.0),
    Case("data_type", "fail", "{column: txt, type: integral}", FAILED, 0.75),
    Case("data_type", "edge_min_fraction", "{column: txt, type: integral, min_fraction: 0.75}", PASSED, 0.75),
    Case("data_type", "numeric_is_integral_or_fractional", "{column: txt, type: numeric, min_fraction: 0.875}",
         PASSED, 0.875),
    Case("data_type", "numeric_column", "{column: level, type: integral}", PASSED, 1.0),
    Case("data_type", "fail_boolean", "{column: txt, type: boolean, min_fraction: 0.1}", FAILED, 0.0),
    # satisfies: a NULL result is a violation (hi is NULL in one row)
    Case("satisfies", "pass", "{expression: 'id > 0'}", PASSED, 1.0),
    Case("satisfies", "fail_null_is_violation", "{expression: 'hi >= lo'}", FAILED, 0.875, "1 of 8 rows"),
    Case("satisfies", "edge_min_fraction", "{expression: 'hi >= lo', min_fraction: 0.875}", PASSED, 0.875),
    Case("satisfies", "fail_labelled", "{expression: 'hi > lo', label: strictly_increasing}", FAILED, 0.75,
         "strictly_increasing"),
    Case("satisfies", "cross_column_arithmetic", "{expression: 'y = 2 * x + 1'}", PASSED, 1.0),
    # correlation
    Case("correlation", "pass", "{columns: [x, y], must_be: 1}", PASSED, 1.0),
    Case("correlation", "fail", "{columns: [x, neg], must_be_at_least: 0}", FAILED, -1.0),
    Case("correlation", "edge_uncorrelated_at_most", "{columns: [x, u], must_be_at_most: 0}", PASSED, 0.0),
    Case("correlation", "edge_uncorrelated_less_than", "{columns: [x, u], must_be_less_than: 0}", FAILED, 0.0),
    # entropy: two equally frequent values -> ln 2 exactly; one value -> 0
    Case("entropy", "pass", "{column: grp, must_be_greater_than: 1}", PASSED, 2.5 * LN2),
    Case("entropy", "fail_constant", "{column: const, must_be_greater_than: 0}", FAILED, 0.0),
    Case("entropy", "edge_at_least", f"{{column: half, must_be_at_least: {LN2!r}}}", PASSED, LN2),
    Case("entropy", "edge_greater_than", f"{{column: half, must_be_greater_than: {LN2!r}}}", FAILED, LN2),
    # referential_integrity against the table itself ('@SELF@'): lo is 1..8, id 1..8, level 0..7
    Case("referential_integrity", "pass_nulls_not_looked_up", "{column: hi, reference: {path: '@SELF@', "
         "column: lo}}", PASSED, 1.0),
    Case("referential_integrity", "fail_orphan", "{column: level, reference: {path: '@SELF@', column: id}}",
         FAILED, 0.875),
    Case("referential_integrity", "edge_min_fraction", "{column: level, reference: {path: '@SELF@', column: id}, "
         "min_fraction: 0.875}", PASSED, 0.875),
    Case("referential_integrity", "composite", "{columns: [grp, level], reference: {path: '@SELF@', "
         "columns: [grp, level]}}", PASSED, 1.0),
    Case("referential_integrity", "composite_fail", "{columns: [grp, id], reference: {path: '@SELF@', "
         "columns: [grp, level]}}", FAILED, 0.25),
    # a column of the wrong type is refused before computing: tests/test_types_preflight.py
]


def _run(spark, path: str, cases: list[Case], tmp) -> dict[str, Any]:
    """One suite, one Deequ analysis for every case; results keyed by case id."""
    assert len({c.test_id for c in cases}) == len(cases), "duplicate case ids"
    results = run_constraints(spark, path, "\n".join(c.yaml for c in cases).replace("@SELF@", path), tmp)
    assert len(results) == len(cases)
    for case, result in zip(cases, results):
        assert result.constraint == case.constraint
    return {c.test_id: r for c, r in zip(cases, results)}


def _write(spark, path: str, rows, schema: str, column_mapping: bool = False) -> str:
    if column_mapping:  # Delta needs column mapping for names with spaces
        spark.sql(f"CREATE TABLE delta.`{path}` ({schema}) USING DELTA TBLPROPERTIES ("
                  "'delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', "
                  "'delta.minWriterVersion' = '5')")
        spark.createDataFrame(rows, schema).write.format("delta").mode("append").save(path)
    else:
        spark.createDataFrame(rows, schema).write.format("delta").save(path)
    return path


def _check(case: Case, result) -> None:
    assert result.status is case.status, f"{case.test_id}: {result.status.value}: {result.message}"
    if case.metric is None:
        assert result.metric_value is None
    elif case.metric is not ANY:
        assert result.metric_value == pytest.approx(case.metric, rel=1e-9, abs=1e-12), result.message
    if case.message is not None:
        assert case.message in result.message, result.message


@pytest.fixture(scope="module")
def main_results(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("constraints")
    path = _write(spark, str(tmp / "table"), ROWS, SCHEMA)
    return _run(spark, path, CASES, tmp)


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_constraint(case, main_results):
    _check(case, main_results[case.test_id])


# --- time series: the planted faults of tests/test_timeseries.py -------------------------------------
#
# A: every minute 00:00-00:09, 5.0 four times around a NULL, one NULL-time row; B: a 20-minute
# outage, a jump 13 -> 80 in a minute, the sequence back once; C: two readings at one instant;
# D: one reading at 00:30. Independent computations of each metric: tests/test_timeseries.py.

from test_timeseries import ROWS as TS_ROWS  # noqa: E402
from test_timeseries import SCHEMA as TS_SCHEMA  # noqa: E402

_AS_OF = 'as_of: "2024-01-01T01:00:00Z"'
TS_CASES: list[Case] = [
    Case("max_gap", "pass", "{time: ts, by: [sensor], must_be_at_most: 20m}", PASSED, 1200.0),
    Case("max_gap", "fail", "{time: ts, by: [sensor], must_be_at_most: 5m}", FAILED, 1200.0, "worst: sensor=B"),
    Case("max_gap", "edge_less_than", "{time: ts, by: [sensor], must_be_less_than: PT20M}", FAILED, 1200.0),
    Case("sampling_completeness", "pass", "{time: ts, by: [sensor], interval: 1m, must_be_at_least: 0.47}",
         PASSED, 17 / 36),
    Case("sampling_completeness", "fail", "{time: ts, by: [sensor], interval: 1m, must_be_at_least: 0.5}",
         FAILED, 17 / 36, "17 of 36 slots"),
    Case("sampling_completeness", "edge_start_end", "{time: ts, by: [sensor], interval: 1m, start: "
         '"2024-01-01T00:00:00Z", end: "2024-01-01T00:09:00Z", must_be: 0.35}', PASSED, 0.35),
    Case("stuck_value", "pass", "{column: v, time: ts, by: [sensor], must_be_at_most: 4}", PASSED, 4),
    Case("stuck_value", "fail", "{column: v, time: ts, by: [sensor], must_be_at_most: 3}", FAILED, 4,
         "sensor=A read 5.0 4 times"),
    Case("stuck_value", "edge_less_than", "{column: v, time: ts, by: [sensor], must_be_less_than: 4}", FAILED, 4),
    Case("max_rate_of_change", "pass", "{column: v, time: ts, by: [sensor], per: 1m, must_be_at_most: 67}",
         PASSED, 67.0),
    Case("max_rate_of_change", "fail", "{column: v, time: ts, by: [sensor], per: 60, must_be_at_most: 66}",
         FAILED, 67.0, "worst: sensor=B"),
    Case("max_rate_of_change", "edge_per_hour", "{column: v, time: ts, by: [sensor], per: 1h, must_be_at_most: 4020}",
         PASSED, 4020.0),
    Case("monotonic", "pass", "{column: seq, order_by: [ts], by: [sensor], min_fraction: 0.9}", PASSED, 13 / 14),
    Case("monotonic", "fail", "{column: seq, order_by: [ts], by: [sensor]}", FAILED, 13 / 14, "3 then 2"),
    Case("monotonic", "edge_strict", "{column: seq, order_by: [ts], by: [sensor], strict: true, "
         "min_fraction: 0.857}", PASSED, 12 / 14),
    Case("freshness", "pass", f"{{time: ts, {_AS_OF}, must_be_at_most: 30m}}", PASSED, 1800.0),
    Case("freshness", "fail", f"{{time: ts, by: [sensor], {_AS_OF}, must_be_at_most: 45m}}", FAILED, 3600.0,
         "stalest: sensor=C"),
    Case("freshness", "edge_exact", f"{{time: ts, {_AS_OF}, must_be: 1800}}", PASSED, 1800.0),
    Case("event_shape", "pass", "{event: heat, time: ts, duration: {must_be_between: [5m, 1h]}, min_samples: 3, "
         "min_fraction: 0.66}", PASSED, 2 / 3),
    Case("event_shape", "fail", "{event: heat, time: ts, duration: {must_be_between: [5m, 1h]}, min_samples: 3}",
         FAILED, 2 / 3, "first: H3: 0s, 2 readings"),
    Case("event_shape", "edge_max_samples", "{event: heat, time: ts, max_samples: 5, min_fraction: 0.6}",
         PASSED, 2 / 3),
]


@pytest.fixture(scope="module")
def ts_results(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("timeseries")
    path = _write(spark, str(tmp / "table"), TS_ROWS, TS_SCHEMA)
    return _run(spark, path, TS_CASES, tmp)


@pytest.mark.parametrize("case", TS_CASES, ids=[c.test_id for c in TS_CASES])
def test_time_series_constraint(case, ts_results):
    _check(case, ts_results[case.test_id])


def test_table_is_what_the_comments_say():
    assert len(ROWS) == 8 and all(len(r) == N_COLUMNS for r in ROWS)
    assert len(SCHEMA.split(",")) == N_COLUMNS


def test_every_registered_constraint_passes_fails_and_has_an_edge_case():
    by_name: dict[str, set[str]] = {}
    for case in CASES + TS_CASES:
        kinds = by_name.setdefault(case.constraint, set())
        kinds.add(case.status.value)
        if case.id.startswith("edge"):
            kinds.add("edge")
    missing = {name: {"PASSED", "FAILED", "edge"} - by_name.get(name, set())
               for name in default_registry().names()}
    assert {k: v for k, v in missing.items() if v} == {}
    assert set(by_name) <= set(default_registry().names())


# --- awkward column names and literals --------------------------------------------------------

NAMES_SCHEMA = "`weird col` DOUBLE, `dot.col` BIGINT, note STRING, `all null` STRING, blank STRING"
NAMES_ROWS = [(1.0, 1, "C:\\temp", None, ""), (2.0, 2, "O'Brien", None, "A1"), (None, 3, "plain", None, None),
              (4.0, 4, None, None, "")]

NAMES_CASES: list[Case] = [
    Case("columns_exist", "both", "['weird col', dot.col]", PASSED, 2),
    Case("is_complete", "space_fails", "weird col", FAILED, 0.75),
    Case("is_complete", "dot_passes", "dot.col", PASSED, 1.0),
    Case("completeness", "space", "{column: weird col, must_be_at_least: 0.75}", PASSED, 0.75),
    Case("is_unique", "dot", "dot.col", PASSED, 1.0),
    Case("is_primary_key", "space_and_dot", "['dot.col', 'weird col']", FAILED, 0.75, "primary key has nulls"),
    Case("mean", "space", "{column: weird col, must_be: 2.3333333333333335}", PASSED, 7 / 3),
    Case("max", "dot", "{column: dot.col, must_be: 4}", PASSED, 4),
    Case("between", "space_pass", "{column: weird col, min: 1, max: 4}", PASSED, 1.0),
    Case("between", "space_fail", "{column: weird col, min: 2, max: 4}", FAILED, 0.75),
    Case("between", "dot_fail", "{column: dot.col, min: 1, max: 3}", FAILED, 0.75),
    Case("non_negative", "dot", "dot.col", PASSED, 1.0),
    Case("allowed_values", "quote_and_backslash", "{column: note, values: ['C:\\temp', \"O'Brien\", plain]}",
         PASSED, 1.0),
    Case("allowed_values", "backslash_only", "{column: note, values: ['C:\\temp']}", FAILED, 0.5),
    Case("allowed_values", "no_injection", "{column: note, values: [\"x') OR (1=1\"]}", FAILED, 0.25),
    Case("pattern", "backslash", r"{column: note, regex: '^C:\\'}", FAILED, 0.5),
    Case("satisfies", "backquoted_names", "{expression: '`weird col` < `dot.col` + 1'}", FAILED, 0.75),
    Case("distinct_count", "space", "{column: weird col, must_be: 3}", PASSED, 3),
    Case("max_length", "quoted_value", "{column: note, must_be: 7}", PASSED, 7),
    # an all-null column: no values to judge, and nothing that violates a row predicate
    Case("is_complete", "all_null", "all null", FAILED, 0.0),
    Case("allowed_values", "all_null", "{column: all null, values: [a]}", PASSED, 1.0),
    Case("data_type", "all_null", "{column: all null, type: string}", NOT_EVALUATED, None, "undefined on this data"),
    Case("max_length", "all_null", "{column: all null, must_be_at_most: 3}", NOT_EVALUATED, None),
    # a regex that matches the empty string matches '' (Deequ's PatternMatch would count it as a miss)
    Case("pattern", "empty_match_and_null", "{column: blank, regex: '^[A-Z0-9]*$'}", PASSED, 1.0),
    Case("pattern", "empty_string_not_matching", "{column: blank, regex: '^[A-Z0-9]+$'}", FAILED, 0.5),
]


@pytest.fixture(scope="module")
def names_results(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("names")
    path = _write(spark, str(tmp / "table"), NAMES_ROWS, NAMES_SCHEMA, column_mapping=True)
    return _run(spark, path, NAMES_CASES, tmp)


@pytest.mark.parametrize("case", NAMES_CASES, ids=[c.test_id for c in NAMES_CASES])
def test_awkward_names_and_literals(case, names_results):
    _check(case, names_results[case.test_id])


# --- an empty table: nothing passes by default -----------------------------------------------

EMPTY_SCHEMA = "id BIGINT, s STRING, v DOUBLE, v2 DOUBLE, ts TIMESTAMP"

EMPTY_CASES: list[Case] = [
    Case("row_count", "fails", "{must_be_greater_than: 0}", FAILED, 0),
    Case("row_count", "zero_is_zero", "{must_be: 0}", PASSED, 0),
    Case("column_count", "schema_still_there", "{must_be: 5}", PASSED, 5),
    Case("columns_exist", "schema_still_there", "[id, s]", PASSED, 2),
    Case("is_complete", "undefined", "id", NOT_EVALUATED, None, "undefined on this data"),
    Case("completeness", "undefined", "{column: v, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("is_unique", "undefined", "id", NOT_EVALUATED, None),
    Case("is_primary_key", "undefined", "[id]", NOT_EVALUATED, None),
    Case("uniqueness", "undefined", "{column: id, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("distinctness", "undefined", "{column: id, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("distinct_count", "zero", "{column: id, must_be_at_least: 1}", FAILED, 0),
    Case("approx_distinct_count", "zero", "{column: id, must_be_at_least: 1}", FAILED, 0),
    Case("min", "undefined", "{column: v, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("max", "undefined", "{column: v, must_be_at_most: 0}", NOT_EVALUATED, None),
    Case("mean", "undefined", "{column: v, must_be_at_least: 0}", NOT_EVALUATED, None, "undefined on this data"),
    Case("sum", "undefined", "{column: v, must_be_at_most: 0}", NOT_EVALUATED, None),
    Case("stddev", "undefined", "{column: v, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("quantile", "undefined", "{column: v, quantile: 0.5, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("between", "undefined", "{column: v, min: 0, max: 1}", NOT_EVALUATED, None),
    Case("non_negative", "undefined", "v", NOT_EVALUATED, None),
    Case("positive", "undefined", "v", NOT_EVALUATED, None),
    Case("no_nan", "undefined", "v", NOT_EVALUATED, None),
    Case("allowed_values", "undefined", "{column: s, values: [a]}", NOT_EVALUATED, None),
    Case("pattern", "undefined", "{column: s, regex: a}", NOT_EVALUATED, None),
    Case("min_length", "undefined", "{column: s, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("max_length", "undefined", "{column: s, must_be_at_most: 10}", NOT_EVALUATED, None),
    Case("data_type", "undefined", "{column: s, type: string}", NOT_EVALUATED, None, "undefined on this data"),
    Case("satisfies", "undefined", "{expression: 'v < v2'}", NOT_EVALUATED, None),
    Case("correlation", "undefined", "{columns: [v, v2], must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("entropy", "undefined", "{column: s, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("referential_integrity", "undefined", "{column: id, reference: {path: '@SELF@', column: id}}",
         NOT_EVALUATED, None, "undefined on this data"),
    Case("max_gap", "undefined", "{time: ts, by: [s], must_be_at_most: 1m}", NOT_EVALUATED, None, "two readings"),
    Case("sampling_completeness", "undefined", "{time: ts, interval: 1m, must_be_at_least: 0}", NOT_EVALUATED, None),
    Case("stuck_value", "undefined", "{column: v, time: ts, must_be_at_most: 1}", NOT_EVALUATED, None),
    Case("max_rate_of_change", "undefined", "{column: v, time: ts, must_be_at_most: 1}", NOT_EVALUATED, None),
    Case("monotonic", "undefined", "{column: v, order_by: [ts]}", NOT_EVALUATED, None),
    Case("freshness", "undefined", "{time: ts, by: [s], must_be_at_most: 1h}", NOT_EVALUATED, None),
    Case("event_shape", "undefined", "{event: s, time: ts, min_samples: 1}", NOT_EVALUATED, None),
]


@pytest.fixture(scope="module")
def empty_results(spark, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("empty")
    path = _write(spark, str(tmp / "table"), [], EMPTY_SCHEMA)
    return _run(spark, path, EMPTY_CASES, tmp)


@pytest.mark.parametrize("case", EMPTY_CASES, ids=[c.test_id for c in EMPTY_CASES])
def test_empty_table(case, empty_results):
    _check(case, empty_results[case.test_id])


def test_empty_table_covers_every_constraint():
    assert {c.constraint for c in EMPTY_CASES} == set(default_registry().names())
