"""One bad constraint must not poison the others: wrong column types, non-row expressions and
typos are found before computing (exit 2, at the constraint's file:line:col), and on a dataset
the suite has already checked, a retyped column makes only its own constraints ERROR."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from dqengine.checks import load_suite, parse_suite
from dqengine.cli import main
from dqengine.results import ConstraintStatus, RunStatus
from dqengine.spark.gate import certified_version
from dqengine.spark.runner import run_suite

SCHEMA = ("i INT, d DOUBLE, s STRING, b BOOLEAN, ts TIMESTAMP, dt DATE, dec DECIMAL(10,2), "
          "arr ARRAY<INT>, Temperature DOUBLE")
T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
ROWS = [(1, 1.5, "xx", True, T0, T0.date(), None, [1], 1500.0),
        (2, 2.5, "xy", False, T0, T0.date(), None, [2], 1510.0),
        (3, None, None, None, None, None, None, None, None)]


@pytest.fixture(scope="module")
def table(spark, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("types") / "t")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(path)
    return path


def _run_cli(tmp_path, path: str, constraints: list[str], *extra: str, dataset_extra: str = ""):
    body = "".join(f"      - {c}\n" for c in constraints)
    suite = tmp_path / "suite.yml"
    suite.write_text(f"suite: t\ndataset: {{path: '{path}'{dataset_extra}}}\nchecks:\n  - name: c\n"
                     f"    constraints:\n{body}", encoding="utf-8")
    return suite, main(["run", str(suite), "--metrics", str(tmp_path / "m"), *extra])


NUMERIC = "a numeric column"
STRING = "a string column"
ORDERED = "a numeric, date or timestamp column"
FIX = "point it at such a column, or convert the column in the table"

# (constraint, the message after "<name>: "), or None where the constraint is fine
WRONG_TYPES = [
    ("allowed_values: {column: i, values: ['1', '2']}",
     "column 'i' is int, so its values must be numbers, but values lists '1', '2'; write the values as "
     "numbers (quoted numbers are strings in YAML)"),
    ("allowed_values: {column: s, values: [1, 2.5]}",
     "column 's' is string, so its values must be strings, but values lists 1, 2.5; write the values as "
     "strings (put numbers in quotes)"),
    ("allowed_values: {column: b, values: [true, 'no']}",
     "column 'b' is boolean, so its values must be true or false, but values lists 'no'; write the values "
     "as true or false"),
    ("allowed_values: {column: ts, values: ['2024-01-01']}",
     "column 'ts' is timestamp, but allowed_values needs a string, numeric or boolean column; use satisfies "
     "with an expression of that type instead"),
    ("between: {column: s, min: 0, max: 10}", f"column 's' is string, but between needs {NUMERIC}; {FIX}"),
    ("non_negative: b", f"column 'b' is boolean, but non_negative needs {NUMERIC}; {FIX}"),
    ("positive: ts", f"column 'ts' is timestamp, but positive needs {NUMERIC}; {FIX}"),
    ("no_nan: s", f"column 's' is string, but no_nan needs {NUMERIC}; {FIX}"),
    ("mean: {column: s, must_be: 1}", f"column 's' is string, but mean needs {NUMERIC}; {FIX}"),
    ("sum: {column: b, must_be: 1}", f"column 'b' is boolean, but sum needs {NUMERIC}; {FIX}"),
    ("stddev: {column: ts, must_be: 1}", f"column 'ts' is timestamp, but stddev needs {NUMERIC}; {FIX}"),
    ("quantile: {column: dt, quantile: 0.5, must_be: 1}", f"column 'dt' is date, but quantile needs {NUMERIC}; {FIX}"),
    ("correlation: {columns: [d, s], must_be: 1}", f"column 's' is string, but correlation needs {NUMERIC}; {FIX}"),
    ("min: {column: s, must_be: 1}", f"column 's' is string, but min needs {ORDERED}; {FIX}"),
    ("max: {column: arr, must_be: 1}", f"column 'arr' is array<int>, but max needs {ORDERED}; {FIX}"),
    ("pattern: {column: i, regex: '1'}", f"column 'i' is int, but pattern needs {STRING}; {FIX}"),
    ("min_length: {column: d, must_be: 1}", f"column 'd' is double, but min_length needs {STRING}; {FIX}"),
    ("max_length: {column: ts, must_be: 1}", f"column 'ts' is timestamp, but max_length needs {STRING}; {FIX}"),
    # the right types, for contrast: not reported
    ("allowed_values: {column: dec, values: [1.5, 2]}", None),
    ("allowed_values: {column: b, values: [true]}", None),
    ("between: {column: dec, min: 0, max: 1}", None),
    ("min: {column: dt, must_be: 0}", None),
    ("max: {column: ts, must_be: 0}", None),
    ("mean: {column: i, must_be: 0}", None),
    ("pattern: {column: s, regex: x}", None),
    ("is_complete: arr", None),
    ("data_type: {column: i, type: integral}", None),
]


def test_wrong_column_types_are_config_errors_at_the_constraint(spark, table, tmp_path, capsys):
    suite, code = _run_cli(tmp_path, table, [c for c, _ in WRONG_TYPES])
    err = capsys.readouterr().err.splitlines()
    expected = [f"{suite}:{6 + n}:9: {c.split(':')[0]}: {m}" for n, (c, m) in enumerate(WRONG_TYPES) if m]
    assert code == 2
    assert err == expected
    assert not (tmp_path / "m").exists()


def test_a_retyped_column_on_a_checked_dataset_errors_only_its_own_constraints(spark, delta_table, tmp_path):
    path = delta_table([(1, 1.0), (2, 2.0)], "id BIGINT, reading DOUBLE", name="drift")
    text = (f"suite: drift\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
            "      - non_negative: reading\n      - mean: {column: reading, must_be_at_least: 0}\n"
            "      - row_count: {must_be: 2}\n      - is_complete: reading\n")
    suite = parse_suite(text, "drift.yml")
    metrics = str(tmp_path / "metrics")
    assert run_suite(spark, suite, metrics=metrics).status is RunStatus.PASSED
    delta_table([(1, "1.0"), (2, "2.0")], "id BIGINT, reading STRING", name="drift")  # version 1: retyped
    run = run_suite(spark, suite, metrics=metrics)
    statuses = [(r.constraint, r.status) for r in run.constraints]
    assert statuses == [("non_negative", ConstraintStatus.ERROR), ("mean", ConstraintStatus.ERROR),
                        ("row_count", ConstraintStatus.PASSED), ("is_complete", ConstraintStatus.PASSED)]
    assert run.constraints[0].message == (f"schema changed: column 'reading' is string, but non_negative needs "
                                          f"{NUMERIC}; {FIX}")
    assert run.status is RunStatus.FAILED and run.row_count == 2


@pytest.mark.parametrize("expression, message", [
    ("sum(d) > 0", "uses an aggregate function (sum)"),
    ("d > avg(d) OVER ()", "uses a window function (avg)"),
    ("i > lag(i) OVER (ORDER BY i)", "uses a window function (lag)"),
    ("explode(array(i > 0, true))", "uses a generator function (explode)"),
    ("count(*) > 1", "uses an aggregate function (count)"),
], ids=["aggregate", "aggregate-over-window", "window", "generator", "count"])
def test_satisfies_must_be_row_level(spark, table, tmp_path, capsys, expression, message):
    suite, code = _run_cli(tmp_path, table, ["row_count: {must_be: 3}", f'satisfies: {{expression: "{expression}"}}'])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"{suite}:7:9: satisfies.expression {message}; only row-level expressions are allowed"


def test_row_level_satisfies_with_functions_still_runs(spark, table, tmp_path):
    suite = parse_suite(f"suite: t\ndataset: {{path: '{table}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - satisfies: {expression: \"coalesce(abs(i), 0) < 10 AND length(coalesce(s, 'ab')) <= 2\"}\n",
                        "s.yml")
    (result,) = run_suite(spark, suite, record=False).constraints
    assert result.status is ConstraintStatus.PASSED


def test_dataset_where_must_be_row_level(spark, table, tmp_path, capsys):
    suite, code = _run_cli(tmp_path, table, ["row_count: {must_be: 3}"], dataset_extra=", where: 'max(i) > 1'")
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"{suite}:2:") and len(err.splitlines()) == 1
    assert err.endswith(": dataset.where uses an aggregate function (max); only row-level expressions are allowed")


def test_missing_column_differing_in_case_or_by_a_typo_says_did_you_mean(spark, table, tmp_path, capsys):
    suite, code = _run_cli(tmp_path, table, ["is_complete: temperature", "mean: {column: Temprature, must_be: 1}",
                                             "is_complete: nothing_like_it"])
    err = capsys.readouterr().err.splitlines()
    columns = "i, d, s, b, ts, dt, dec, arr, Temperature"
    assert code == 2
    assert err == [
        f"{suite}:6:9: is_complete: column 'temperature' not found in {table} version 0; did you mean "
        f"'Temperature'? columns: {columns}",
        f"{suite}:7:9: mean: column 'Temprature' not found in {table} version 0; did you mean "
        f"'Temperature'? columns: {columns}",
        f"{suite}:8:9: is_complete: column 'nothing_like_it' not found in {table} version 0; columns: {columns}",
    ]


def test_version_flag_beyond_latest_is_a_plain_message_not_a_suite_line(spark, table, tmp_path, capsys):
    _, code = _run_cli(tmp_path, table, ["row_count: {must_be: 3}"], "--version", "7")
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"dqengine: --version 7 of {table} does not exist; the latest version is 0\n"
    assert not (tmp_path / "m").exists()


def test_java_named_back_reference_runs_on_data(spark, table, tmp_path):
    suite = parse_suite(f"suite: t\ndataset: {{path: '{table}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - pattern: {column: s, regex: '^(?<a>x)\\k<a>$'}\n"
                        "      - pattern: {column: s, regex: '^(?<a>x)\\k<a>$', min_fraction: 0.6}\n", "s.yml")
    strict, relaxed = run_suite(spark, suite, record=False).constraints
    assert strict.status is ConstraintStatus.FAILED and strict.metric_value == pytest.approx(2 / 3)  # xy fails
    assert relaxed.status is ConstraintStatus.PASSED


def test_unicode_suite_and_check_names_are_recorded_and_certified(spark, table, tmp_path, write_suite):
    path = write_suite(f"""
        suite: qualité_température
        dataset: {{path: '{table}'}}
        checks:
          - name: kontroll_över_temperaturen
            constraints: [row_count: {{must_be: 3}}]
          - name: 品質チェック
            severity: warning
            constraints: [is_complete: i]
    """)
    suite = load_suite(path)
    metrics = str(tmp_path / "metrics")
    run = run_suite(spark, suite, metrics=metrics)
    assert run.status is RunStatus.PASSED and run.suite == "qualité_température"
    assert [r.check for r in run.constraints] == ["kontroll_över_temperaturen", "品質チェック"]
    assert certified_version(spark, suite, metrics=metrics) == 0
    assert Path(metrics).exists()
