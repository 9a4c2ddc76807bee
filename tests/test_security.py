"""User text reaches Spark only through its parser or as quoted identifiers; nothing is evaluated."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dqengine.cli import main
from helpers import run_constraints

PACKAGE = Path(__file__).resolve().parent.parent / "dqengine"


@pytest.mark.parametrize(
    "expression, message",
    [
        ("1=1; DROP TABLE x", "satisfies.expression is not a valid Spark SQL expression"),
        ("v > (SELECT max(v) FROM other_table)", "satisfies.expression contains a subquery"),
        ("EXISTS (SELECT 1 FROM other_table)", "satisfies.expression contains a subquery"),
        ("no_such_column > 0", "satisfies.expression does not resolve against the dataset"),
        ("v + 1", "satisfies.expression must be a boolean expression, but it is double"),
    ],
    ids=["statement", "scalar-subquery", "exists-subquery", "unknown-column", "not-boolean"],
)
def test_satisfies_refuses_what_is_not_a_row_expression(spark, delta_table, write_suite, tmp_path, capsys,
                                                         expression, message):
    path = delta_table([(1, 1.0)], "id BIGINT, v DOUBLE", name="sec")
    suite = write_suite(f"suite: sec\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        f"      - satisfies: {{expression: \"{expression}\"}}\n")
    assert main(["run", str(suite), "--metrics", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{suite}:6:9: {message}"), err
    assert not (tmp_path / "m").exists()


def test_identifiers_are_quoted_not_spliced(spark, delta_table, tmp_path):
    path = delta_table([(1, "OK", 5.0), (2, None, -1.0)], "id BIGINT, `odd-name` STRING, `a.b` DOUBLE",
                       name="quoted")
    results = run_constraints(spark, path, """
        - is_complete: odd-name
        - allowed_values: {column: odd-name, values: ["OK", "x') OR TRUE OR ('"]}
        - non_negative: a.b
        - between: {column: a.b, min: 0, max: 10, min_fraction: 0.5}
    """, tmp_path)
    assert [(r.constraint, r.status.value, r.metric_value) for r in results] == [
        ("is_complete", "FAILED", 0.5),
        ("allowed_values", "PASSED", 1.0),  # the null row never violates; the quote stays a literal
        ("non_negative", "FAILED", 0.5),
        ("between", "PASSED", 0.5),
    ]


def test_backticks_in_a_column_name_are_refused_before_spark(write_suite, capsys):
    suite = write_suite("suite: inj\ndataset: {path: /x}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - is_complete: \"id` IS NOT NULL OR TRUE OR `id\"\n")
    assert main(["validate", str(suite)]) == 2
    assert capsys.readouterr().err.strip() == (
        f"{suite}:6:22: checks[0].constraints[0].is_complete.column: column name 'id` IS NOT NULL OR TRUE OR `id' "
        "contains a backtick, which Deequ cannot address; rename the column (or select it under another "
        "name in a view)")


def test_the_package_never_evaluates_or_loads_yaml_unsafely():
    forbidden = re.compile(r"\b(eval|exec)\(|yaml\.(load|unsafe_load|full_load)\(|getattr\(\s*(builtin|check|constraint)")
    offenders = [f"{p.relative_to(PACKAGE)}:{i}" for p in PACKAGE.rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if forbidden.search(line)]
    assert offenders == []


@pytest.mark.parametrize("escaped", ["false", "true"])
def test_literals_mean_the_same_whatever_the_parser_escape_setting(spark, delta_table, tmp_path, escaped):
    """Quotes and backslashes in allowed_values and pattern reach Spark as the user wrote them,
    with spark.sql.parser.escapedStringLiterals either way."""
    rows = [("O'Brien", "S-001"), ("a\\b", "S-002"), ("x", "S-9")]
    path = delta_table(rows, "name STRING, sensor STRING", name="literals")
    previous = spark.conf.get("spark.sql.parser.escapedStringLiterals")
    spark.conf.set("spark.sql.parser.escapedStringLiterals", escaped)
    try:
        results = run_constraints(spark, path, """
            - allowed_values: {column: name, values: ["O'Brien", 'a\\b', "'; DROP TABLE t; --"]}
            - pattern: {column: sensor, regex: '^S-\\d{3}$'}
            - pattern: {column: name, regex: '\\\\'}
        """, tmp_path)
    finally:
        spark.conf.set("spark.sql.parser.escapedStringLiterals", previous)
    assert [(r.constraint, r.metric_value) for r in results] == [
        ("allowed_values", pytest.approx(2 / 3)),  # O'Brien and a\b, not x
        ("pattern", pytest.approx(2 / 3)),  # S-001, S-002 match ^S-\d{3}$, S-9 does not
        ("pattern", pytest.approx(1 / 3)),  # only a\b holds a backslash
    ]
