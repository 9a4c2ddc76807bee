"""Data at the edges: empty tables, all-null and non-finite columns, Unicode, wide tables.

Never a silent PASS on no data: an empty table fails row_count, and a metric that is undefined
on the data (the mean of nothing, a NaN) is NOT_EVALUATED, which blocks like a failure.
"""
from __future__ import annotations

import pytest

from dqengine.checks import parse_suite
from dqengine.results import RunStatus
from dqengine.spark.runner import run_suite
from helpers import run_constraints, suite_text


def _statuses(results):
    return [(r.constraint, r.status.value) for r in results]


def test_empty_table(spark, delta_table, tmp_path):
    path = delta_table([], "id BIGINT, v DOUBLE, s STRING", name="empty")
    results = run_constraints(spark, path, """
        - row_count: {must_be_greater_than: 0}
        - mean: {column: v, must_be_at_least: 0}
        - completeness: {column: v, must_be_at_least: 0.9}
        - is_unique: id
        - between: {column: v, min: 0, max: 1}
        - allowed_values: {column: s, values: [a]}
        - max_length: {column: s, must_be_at_most: 3}
    """, tmp_path)
    assert _statuses(results) == [
        ("row_count", "FAILED"), ("mean", "NOT_EVALUATED"), ("completeness", "NOT_EVALUATED"),
        ("is_unique", "NOT_EVALUATED"), ("between", "NOT_EVALUATED"), ("allowed_values", "NOT_EVALUATED"),
        ("max_length", "NOT_EVALUATED"),
    ]
    assert results[0].metric_value == 0.0
    assert "undefined on this data" in results[1].message


def test_empty_table_run_is_failed_not_passed(spark, delta_table, tmp_path):
    path = delta_table([], "v DOUBLE", name="empty2")
    suite = parse_suite(suite_text(path, "- mean: {column: v, must_be_at_least: 0}", severity="error"), "e.yml")
    assert run_suite(spark, suite, record=False).status is RunStatus.FAILED


def test_all_null_column(spark, delta_table, tmp_path):
    path = delta_table([(1, None), (2, None)], "id BIGINT, v DOUBLE", name="nulls")
    results = run_constraints(spark, path, """
        - is_complete: v
        - mean: {column: v, must_be: 0}
        - between: {column: v, min: 0, max: 1}
        - satisfies: {expression: 'v > 0'}
    """, tmp_path)
    assert _statuses(results) == [("is_complete", "FAILED"), ("mean", "NOT_EVALUATED"),
                                  ("between", "PASSED"), ("satisfies", "FAILED")]
    assert results[0].metric_value == 0.0


def test_nan_and_infinity(spark, delta_table, tmp_path):
    inf = float("inf")
    path = delta_table([(1, 1.0, 1.0), (2, float("nan"), 2.0), (3, 3.0, inf), (4, 4.0, -inf)],
                       "id BIGINT, n DOUBLE, i DOUBLE", name="nonfinite")
    results = run_constraints(spark, path, """
        - mean: {column: n, must_be_at_least: 0}
        - between: {column: n, min: 0, max: 10}
        - max: {column: i, must_be_at_most: 1000}
        - min: {column: i, must_be_at_least: -1000}
        - between: {column: i, min: -1000, max: 1000, min_fraction: 0.5}
        - is_complete: n
    """, tmp_path)
    assert _statuses(results) == [
        ("mean", "NOT_EVALUATED"),   # a NaN makes the mean NaN: undefined, not a pass
        ("between", "FAILED"),       # NaN is outside every range
        ("max", "FAILED"), ("min", "FAILED"),
        ("between", "PASSED"),       # 2 of 4 finite: exactly min_fraction 0.5
        ("is_complete", "PASSED"),   # NaN is a value, not a null
    ]
    assert "NaN" in results[0].message
    assert results[2].metric_value == float("inf") and results[3].metric_value == float("-inf")
    assert results[1].metric_value == pytest.approx(0.75)


def test_unicode_values_and_column_names(spark, delta_table, tmp_path):
    path = delta_table([(1, "Ω-Ofen", "Überdruck"), (2, "Ω-Ofen", "Druckabfall")],
                       "id BIGINT, `température` STRING, `état` STRING", name="unicode")
    results = run_constraints(spark, path, """
        - allowed_values: {column: température, values: [Ω-Ofen]}
        - pattern: {column: état, regex: '^\\p{L}+$'}
        - max_length: {column: état, must_be: 11}
        - is_complete: température
    """, tmp_path)
    assert _statuses(results) == [("allowed_values", "PASSED"), ("pattern", "PASSED"),
                                  ("max_length", "PASSED"), ("is_complete", "PASSED")]


def test_three_hundred_columns_in_one_analysis(spark, delta_table, tmp_path):
    columns = [f"c{i:03d}" for i in range(300)]
    rows = [tuple(float(r * i) for i in range(300)) for r in range(3)]
    path = delta_table(rows, ", ".join(f"{c} DOUBLE" for c in columns), name="wide")
    constraints = "\n".join(f"- is_complete: {c}" for c in columns) + "\n- column_count: {must_be: 300}"
    results = run_constraints(spark, path, constraints, tmp_path)
    assert len(results) == 301 and {r.status.value for r in results} == {"PASSED"}


def test_regex_java_rejects_is_a_config_error(spark, delta_table, write_suite, tmp_path, capsys):
    from dqengine.cli import main

    path = delta_table([("a",)], "s STRING", name="rx")
    suite = write_suite(f"suite: rx\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - pattern: {column: s, regex: '\\p{Greek}+'}\n")
    assert main(["run", str(suite), "--metrics", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{suite}:6:9: pattern.regex is not a valid Java regular expression:"), err
    assert not (tmp_path / "m").exists()
