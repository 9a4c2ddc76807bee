"""A corpus of broken suites and the exact lines `dqengine validate` prints for each.

Every case is a whole suite file written inline, next to the `line:col: message` lines it must
produce (the file path is prepended by the test): exit code 2, nothing on stdout, one issue per
line on stderr, and every problem in the file, not only the first. No Spark.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dqengine import default_registry
from dqengine.cli import main

REPO = Path(__file__).resolve().parent.parent
NAMES = ", ".join(default_registry().names())
THRESHOLDS = "must_be, must_be_at_least, must_be_at_most, must_be_greater_than, must_be_less_than, must_be_between"
CHECK_KEYS = "name, severity, dimension, description, constraints"
TOP_KEYS = "suite, description, dataset, min_score, nan_is_missing, checks, quarantine, clean"
DATASET_KEYS = "table, path, version, where"
MISSING_SUITE = "missing required key 'suite' at the top level; add 'suite: <name>'"
MISSING_DATASET = ("missing required key 'dataset' at the top level; add 'dataset:' with "
                   "'path: <Delta location>' or 'table: <catalog.schema.table>'")
MISSING_CHECKS = ("missing required key 'checks' at the top level; add 'checks:' with at least one "
                  "'- name: ...' item and its constraints")

VALID = """
    suite: sensors
    dataset: {path: /data/readings}
    checks:
      - name: keys
        constraints:
          - is_complete: sensor_id
          - completeness: {column: temperature, must_be_at_least: 0.9}
"""


def _validate(tmp_path, capsys, *texts: str | bytes) -> tuple[int, list[str], str, str]:
    """Write each text to its own file, run `dqengine validate` on all; (code, paths, stdout, stderr)."""
    paths = []
    for i, text in enumerate(texts):
        path = tmp_path / (f"suite{i}.yml" if len(texts) > 1 else "suite.yml")
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        paths.append(str(path))
    code = main(["validate", *paths])
    out, err = capsys.readouterr()
    return code, paths, out, err


# (id, suite text, expected "line:col: message" lines in output order)
CASES = [
    # --- YAML syntax --------------------------------------------------------------------------
    ("yaml-dedented-key", """
        suite: s
        dataset:
          path: /x
         version: 1
        checks: []
    """, ["4:2: YAML syntax error: this does not fit the structure above it: indent the line like the "
          "keys it belongs with, or put a value that contains quotes or brackets in quotes"]),
    ("yaml-indented-key", """
        suite: s
          dataset: {path: /x}
    """, ["2:10: YAML syntax error: unexpected ':' here; check the indentation of this line, or put a "
          "value that contains ': ' in quotes"]),
    ("yaml-unclosed-single-quote", """
        suite: 'sensors
        dataset: {path: /x}
    """, ["1:8: YAML syntax error: this quoted string is never closed; add the closing quote"]),
    ("yaml-unclosed-double-quote", """
        suite: s
        dataset:
          where: "plant = 'P1'
    """, ["3:10: YAML syntax error: this quoted string is never closed; add the closing quote"]),
    ("yaml-unclosed-bracket", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: keys
            constraints:
              - is_primary_key: [reading_id, ts
    """, ["6:25: YAML syntax error: this '[' is never closed; add the matching ']'"]),
    ("yaml-unclosed-brace", """
        suite: s
        dataset: {path: /x
        checks: []
    """, ["2:10: YAML syntax error: this '{' is not closed: a ',' or '}' was expected at line 3, column 7; "
          "add the matching '}' (or the missing comma)"]),
    ("yaml-tab-indentation", "suite: s\ndataset:\n\tpath: /x\n",
     ["3:1: YAML syntax error: a tab character; YAML indents with spaces only: replace the tab with spaces"]),
    ("yaml-missing-colon", """
        suite: s
        dataset
        checks: []
    """, ["2:1: YAML syntax error: expected 'key: value' on this line; add the ':' or fix the indentation"]),
    ("yaml-value-starts-with-backtick", """
        suite: s
        dataset: {table: `plant`.readings}
    """, ["2:18: YAML syntax error: a plain value cannot start with '`'; put the value in quotes"]),
    ("yaml-two-documents", """
        suite: a
        ---
        suite: b
    """, ["2:1: YAML syntax error: a suite file holds one YAML document; remove this '---' and what "
          "follows, or split the file"]),
    ("yaml-control-character", "suite: s\x07\n",
     ["1:9: character U+0007 is not allowed in a YAML file; remove it (write control characters as "
      "escapes in double quotes)"]),
    ("yaml-undefined-alias", """
        suite: s
        dataset: *base
    """, ["2:10: YAML syntax error: undefined alias 'base'; define the anchor (&name) before using *name"]),

    # --- the document as a whole ----------------------------------------------------------------
    ("empty-file", "",
     ["1:1: the suite is empty (no keys, only comments or nothing); write the keys suite, dataset and checks"]),
    ("only-comments", """
        # a suite, some day
    """, ["1:1: the suite is empty (no keys, only comments or nothing); write the keys suite, dataset and checks"]),
    ("top-level-list", """
        - suite: s
        - dataset: {path: /x}
    """, ["1:1: the file holds a list, but a suite is a mapping: write the keys suite, dataset and checks at "
          "the top level, each at the start of a line"]),
    ("top-level-scalar", """
        # comment first
        sensors
    """, ["2:1: the file holds a single value, but a suite is a mapping: write the keys suite, dataset and "
          "checks at the top level, each at the start of a line"]),

    # --- unknown keys, at every level -------------------------------------------------------------
    ("unknown-top-level-key", """
        suite: s
        owner: plant-team
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"2:1: unknown key 'owner' at the top level; valid keys: {TOP_KEYS}"]),
    ("misspelt-top-level-key", """
        suite: s
        dataset: {path: /x}
        chekcs:
          - name: c
            constraints: [is_complete: a]
    """, [f"1:1: {MISSING_CHECKS}",
          f"3:1: unknown key 'chekcs' at the top level; did you mean 'checks'? valid keys: {TOP_KEYS}"]),
    ("unknown-dataset-key", """
        suite: s
        dataset:
          path: /x
          format: delta
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"4:3: unknown key 'format' in dataset; valid keys: {DATASET_KEYS}"]),
    ("unknown-check-key", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            severty: warning
            constraints: [is_complete: a]
    """, [f"5:5: unknown key 'severty' in checks[0]; did you mean 'severity'? valid keys: {CHECK_KEYS}"]),
    ("unknown-constraint-param", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: 0.9, colour: red}
    """, ["6:58: unknown key 'colour' in checks[0].constraints[0].completeness; did you mean 'column'? "
          f"valid keys: {THRESHOLDS}, column"]),
    ("threshold-on-fixed-constraint", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_complete: {column: a, must_be: 1}
    """, ["6:34: unknown key 'must_be' in checks[0].constraints[0].is_complete; valid keys: column"]),

    # --- missing required keys ----------------------------------------------------------------------
    ("missing-suite", """
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"1:1: {MISSING_SUITE}"]),
    ("missing-dataset", """
        suite: s
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"1:1: {MISSING_DATASET}"]),
    ("missing-checks", """
        suite: s
        dataset: {path: /x}
    """, [f"1:1: {MISSING_CHECKS}"]),
    ("missing-everything", """
        description: nothing else
    """, [f"1:1: {MISSING_CHECKS}", f"1:1: {MISSING_DATASET}", f"1:1: {MISSING_SUITE}"]),
    ("missing-check-name", """
        suite: s
        dataset: {path: /x}
        checks:
          - severity: warning
            constraints: [is_complete: a]
    """, ["4:5: missing required key 'name' in checks[0]; add 'name: <check name>'"]),
    ("missing-check-constraints", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
    """, ["4:5: missing required key 'constraints' in checks[0]; add 'constraints:' with at least one item "
          "such as '- is_complete: sensor_id'"]),
    ("missing-constraint-column", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {must_be_at_least: 0.9}
    """, ["6:23: missing required key 'column' in checks[0].constraints[0].completeness; "
          "add 'column: <column name>'"]),

    # --- wrong types ----------------------------------------------------------------------------------
    ("string-for-number", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: high}
    """, ["6:53: checks[0].constraints[0].completeness.must_be_at_least: expected a number (got 'high')"]),
    ("quoted-number-is-not-a-number", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: "0.9"}
    """, ["6:53: checks[0].constraints[0].completeness.must_be_at_least: expected a number, got the quoted "
          "text '0.9'; remove the quotes"]),
    ("quoted-whole-number-version", """
        suite: s
        dataset: {path: /x, version: '3'}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:30: dataset.version: expected a whole number, got the quoted text '3'; remove the quotes"]),
    ("exponent-without-dot-is-text", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - row_count: {must_be_at_most: 1e6}
    """, ["6:38: checks[0].constraints[0].row_count.must_be_at_most: expected a number, but YAML reads 1e6 as "
          "text (a number with an exponent needs a dot and a signed exponent); write 1000000"]),
    ("bool-for-number", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: yes}
    """, ["6:53: checks[0].constraints[0].completeness.must_be_at_least: expected a number (got true)"]),
    ("number-for-string", """
        suite: 2024
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["1:8: suite: expected a string (got 2024); put it in quotes if it is text"]),
    ("number-for-column-name", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_complete: 42
    """, ["6:22: checks[0].constraints[0].is_complete.column: expected a string (got 42); put it in quotes "
          "if it is text"]),
    ("empty-value-for-column", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_complete:
    """, ["6:21: checks[0].constraints[0].is_complete.column: expected a string, got an empty value; write one"]),
    ("list-where-mapping-expected", """
        suite: s
        dataset: [/x]
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"2:10: dataset: expected a mapping with keys {DATASET_KEYS} (got [/x])"]),
    ("empty-dataset", """
        suite: s
        dataset:
        checks:
          - name: c
            constraints: [is_complete: a]
    """, [f"2:9: dataset: expected a mapping with keys {DATASET_KEYS}, got an empty value; fill it in"]),
    ("mapping-where-list-expected", """
        suite: s
        dataset: {path: /x}
        checks:
          name: c
          constraints: [is_complete: a]
    """, ["4:3: checks: expected a list (got a mapping {name: c, constraints: [{is_complete: a}]}); "
          "start each item with '- '"]),
    ("check-is-a-string", """
        suite: s
        dataset: {path: /x}
        checks:
          - keys
    """, [f"4:5: checks[0]: expected a mapping with keys {CHECK_KEYS} (got 'keys')"]),
    ("constraint-params-are-a-list", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: [a]
    """, ["6:23: checks[0].constraints[0].completeness: expected a mapping as in 'completeness: "
          "{column: temperature, must_be_at_least: 0.98}' (got [a])"]),
    ("float-version", """
        suite: s
        dataset: {path: /x, version: 1.5}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:30: dataset.version: expected a whole number (got 1.5); drop the fraction"]),
    ("infinite-threshold", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - mean: {column: a, must_be_less_than: .inf}
    """, ["6:46: checks[0].constraints[0].mean.must_be_less_than: expected a finite number (got .inf); "
          ".inf and .nan cannot be compared"]),
    ("allowed-values-item-is-a-list", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - allowed_values: {column: status, values: [OK, [1], {a: 2}, ~]}
    """, ["6:55: checks[0].constraints[0].allowed_values.values[1]: expected a string, number or boolean "
          "(got [1])",
          "6:60: checks[0].constraints[0].allowed_values.values[2]: expected a string, number or boolean "
          "(got {a: 2})",
          "6:68: checks[0].constraints[0].allowed_values.values[3]: expected a string, number or boolean "
          "(got an empty value)"]),
    ("allowed-values-not-a-list", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - allowed_values: {column: status, values: OK}
    """, ["6:50: checks[0].constraints[0].allowed_values.values: expected a list (got 'OK'); write it in "
          "brackets: [OK]"]),

    # --- thresholds and ranges --------------------------------------------------------------------------
    ("two-thresholds", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be: 1, must_be_at_least: 0.9}
    """, [f"6:23: checks[0].constraints[0].completeness: give exactly one threshold of {THRESHOLDS} "
          "(got must_be, must_be_at_least)"]),
    ("no-threshold", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a}
    """, [f"6:23: checks[0].constraints[0].completeness: give exactly one threshold of {THRESHOLDS} (got none)"]),
    ("two-thresholds-and-no-column", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {must_be: 1, must_be_at_least: 0.9}
    """, [f"6:23: checks[0].constraints[0].completeness: give exactly one threshold of {THRESHOLDS} "
          "(got must_be, must_be_at_least)",
          "6:23: missing required key 'column' in checks[0].constraints[0].completeness; "
          "add 'column: <column name>'"]),
    ("between-bounds-reversed", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - mean: {column: a, must_be_between: [5, 1]}
    """, ["6:15: checks[0].constraints[0].mean: must_be_between [5, 1] can never hold: the lower bound is above "
          "the upper; write [1, 5]"]),
    ("between-three-items", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - mean: {column: a, must_be_between: [1, 2, 3]}
    """, ["6:44: checks[0].constraints[0].mean.must_be_between: must_be_between takes exactly two numbers, "
          "[low, high] (got [1, 2, 3])"]),
    ("between-one-number", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - mean: {column: a, must_be_between: 5}
    """, ["6:44: checks[0].constraints[0].mean.must_be_between: must_be_between takes exactly two numbers, "
          "[low, high] (got 5)"]),
    ("min-fraction-zero", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - non_negative: {column: a, min_fraction: 0}
    """, ["6:49: checks[0].constraints[0].non_negative.min_fraction: min_fraction is the fraction of rows "
          "that must hold: a number above 0 and at most 1, e.g. 0.99 (got 0)"]),
    ("min-fraction-above-one", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - non_negative: {column: a, min_fraction: 1.5}
    """, ["6:49: checks[0].constraints[0].non_negative.min_fraction: min_fraction is the fraction of rows "
          "that must hold: a number above 0 and at most 1, e.g. 0.99 (got 1.5)"]),
    ("between-min-above-max", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - between: {column: a, min: 5, max: 1}
    """, ["6:18: checks[0].constraints[0].between: min 5 is above max 1: no value can be between them"]),
    ("between-without-bounds", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - between: {column: a}
    """, ["6:18: checks[0].constraints[0].between: give 'min', 'max' or both"]),
    ("quantile-above-one", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - quantile: {column: a, quantile: 50, must_be: 1}
    """, ["6:41: checks[0].constraints[0].quantile.quantile: quantile is a number from 0 to 1, e.g. 0.5 "
          "for the median (got 50)"]),
    # a threshold no value of the metric can meet: completeness is a fraction, a count a whole number >= 0
    ("completeness-threshold-above-one", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: 1.5}
              - uniqueness: {column: a, must_be_greater_than: 1}
              - distinctness: {column: a, must_be_between: [-1, -0.5]}
    """, ["6:53: checks[0].constraints[0].completeness.must_be_at_least: 1.5 can never hold: completeness is a "
          "fraction from 0 to 1; use a bound of at most 1",
          "7:55: checks[0].constraints[1].uniqueness.must_be_greater_than: 1 can never hold: uniqueness is a "
          "fraction from 0 to 1; use a bound below 1",
          "8:52: checks[0].constraints[2].distinctness.must_be_between: [-1, -0.5] can never hold: distinctness "
          "is a fraction from 0 to 1; use a range that includes values from 0 to 1"]),
    ("count-threshold-below-zero", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - row_count: {must_be_less_than: 0}
              - column_count: {must_be: -3}
              - distinct_count: {column: a, must_be_at_most: -1}
              - approx_distinct_count: {column: a, must_be: 2.5}
              - row_count: {must_be_between: [2.2, 2.8]}
    """, ["6:40: checks[0].constraints[0].row_count.must_be_less_than: 0 can never hold: row_count is a count, a "
          "whole number 0 or more; use a bound above 0",
          "7:33: checks[0].constraints[1].column_count.must_be: -3 can never hold: column_count is a count, a whole "
          "number 0 or more; use a value of 0 or more",
          "8:54: checks[0].constraints[2].distinct_count.must_be_at_most: -1 can never hold: distinct_count is a "
          "count, a whole number 0 or more; use a bound of at least 0",
          "9:53: checks[0].constraints[3].approx_distinct_count.must_be: 2.5 can never hold: approx_distinct_count "
          "is a count, a whole number 0 or more; use a whole number",
          "10:38: checks[0].constraints[4].row_count.must_be_between: [2.2, 2.8] can never hold: row_count is a "
          "count, a whole number 0 or more; the range holds no whole number; widen it"]),
    ("length-correlation-stddev-thresholds", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - min_length: {column: a, must_be_less_than: 0}
              - max_length: {column: a, must_be_between: [-5, -1]}
              - correlation: {columns: [a, b], must_be_greater_than: 1}
              - stddev: {column: a, must_be_at_most: -0.1}
              - entropy: {column: a, must_be_less_than: 0}
    """, ["6:52: checks[0].constraints[0].min_length.must_be_less_than: 0 can never hold: min_length is a length "
          "in characters, a whole number 0 or more; use a bound above 0",
          "7:50: checks[0].constraints[1].max_length.must_be_between: [-5, -1] can never hold: max_length is a "
          "length in characters, a whole number 0 or more; use a range that includes values of 0 or more",
          "8:62: checks[0].constraints[2].correlation.must_be_greater_than: 1 can never hold: correlation is a "
          "number from -1 to 1; use a bound below 1",
          "9:46: checks[0].constraints[3].stddev.must_be_at_most: -0.1 can never hold: stddev is never negative; "
          "use a bound of at least 0",
          "10:49: checks[0].constraints[4].entropy.must_be_less_than: 0 can never hold: entropy is never negative; "
          "use a bound above 0"]),
    ("bad-regex", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - pattern: {column: a, regex: '^S-(\\d{3}$'}
    """, ["6:37: checks[0].constraints[0].pattern.regex: invalid regular expression '^S-(\\\\d{3}$': "
          "missing ) at position 10"]),
    ("bad-data-type", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - data_type: {column: a, type: integer}
    """, ["6:38: checks[0].constraints[0].data_type.type: expected 'integral', 'fractional', 'numeric', "
          "'boolean' or 'string' (got 'integer'); did you mean 'integral'?"]),

    # --- lists and constraint items --------------------------------------------------------------------
    ("empty-constraints", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints: []
    """, ["5:18: checks[0].constraints: the list is empty; give at least one constraint such as "
          "'- is_complete: sensor_id'"]),
    ("empty-checks", """
        suite: s
        dataset: {path: /x}
        checks: []
    """, ["3:9: checks: the list is empty; give at least one check: '- name: ...' with its constraints"]),
    ("constraint-is-a-bare-name", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_complete
    """, ["6:9: checks[0].constraints[0]: 'is_complete' needs its parameters after a colon, as in "
          "'- is_complete: sensor_id'"]),
    ("constraint-is-a-bare-string", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - temperature is never null
    """, ["6:9: checks[0].constraints[0]: each constraint is a one-key mapping such as '- is_complete: "
          "sensor_id' (got 'temperature is never null')"]),
    ("constraint-with-two-keys", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_complete: a
                is_unique: a
    """, ["6:9: checks[0].constraints[0]: each constraint is a one-key mapping such as '- is_complete: "
          "sensor_id' (got keys is_complete, is_unique; put each constraint on its own '- ' line)"]),
    ("unknown-constraint-close-match", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_completee: a
    """, [f"6:9: unknown constraint 'is_completee'; did you mean 'is_complete'? valid names: {NAMES}"]),
    ("unknown-constraint-no-match", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - seasonality: {column: ts, period: 1d}
    """, [f"6:9: unknown constraint 'seasonality'; valid names: {NAMES}"]),
    ("duplicate-check-names", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: keys
            constraints: [is_complete: a]
          - name: keys
            constraints: [is_unique: a]
    """, ["6:11: duplicate check name 'keys' (first at line 4, column 11); names must be unique"]),
    ("duplicate-yaml-key", """
        suite: s
        dataset:
          path: /x
          path: /y
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["4:3: duplicate key 'path' (first at line 3, column 3); remove one of them"]),

    # --- plain YAML only -------------------------------------------------------------------------------
    ("python-tag", """
        suite: s
        dataset: !!python/object/apply:os.system ["echo pwned"]
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:10: tag '!!python/object/apply:os.system' is not allowed: only plain YAML is accepted (no tags); "
          "remove the tag and write the list itself"]),
    ("custom-tag", """
        suite: !env SUITE_NAME
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["1:8: tag '!env' is not allowed: only plain YAML is accepted (no tags); remove the tag and write "
          "the value itself"]),
    ("set-tag", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - is_primary_key: !!set {a, b}
    """, ["6:25: tag '!!set' is not allowed: only plain YAML is accepted (no tags); remove the tag and write "
          "the mapping itself"]),
    ("impossible-date", """
        suite: s
        dataset: {path: /x, version: 2024-13-01}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:30: '2024-13-01' cannot be read as a date (month must be in 1..12); fix the value, or put it in "
          "quotes if it is text"]),

    # --- dataset, severity, names ---------------------------------------------------------------------
    ("table-and-path", """
        suite: s
        dataset: {table: plant.readings, path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:10: dataset: give exactly one of 'table' (a metastore name) or 'path' (a Delta location) (got both)"]),
    ("neither-table-nor-path", """
        suite: s
        dataset: {where: "plant = 'P1'"}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:10: dataset: give exactly one of 'table' (a metastore name) or 'path' (a Delta location) "
          "(got neither)"]),
    ("negative-version", """
        suite: s
        dataset: {path: /x, version: -1}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:30: dataset.version: a Delta version is a whole number, 0 or more (got -1)"]),
    ("bad-table-name", """
        suite: s
        dataset: {table: plant readings}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:18: dataset.table: 'plant readings' is not a table name: use letters, digits, '_', '.', '-' "
          "(catalog.schema.table), with backticks around odd parts"]),
    ("empty-where", """
        suite: s
        dataset: {path: /x, where: ''}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["2:28: dataset.where: must not be empty; write a value"]),
    ("bad-severity", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            severity: warn
            constraints: [is_complete: a]
    """, ["5:15: checks[0].severity: expected 'error' or 'warning' (got 'warn'); did you mean 'warning'?"]),
    ("bad-suite-name", """
        suite: sensor readings
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["1:8: suite: 'sensor readings' must start with a letter or '_' and use only letters, digits, "
          "'_', '.', '-'"]),
    ("bad-check-name", """
        suite: s
        dataset: {path: /x}
        checks:
          - name: 1st
            constraints: [is_complete: a]
    """, ["4:11: checks[0].name: '1st' must start with a letter or '_' and use only letters, digits, "
          "'_', '.', '-'"]),
    ("empty-suite-name", """
        suite: ''
        dataset: {path: /x}
        checks:
          - name: c
            constraints: [is_complete: a]
    """, ["1:8: suite: must not be empty; write a value"]),

    # --- every problem, not only the first ----------------------------------------------------------
    ("every-problem-reported", """
        suite: my suite
        dataset: {path: /x, table: t, version: -2}
        owner: me
        checks:
          - name: keys
            severity: fatal
            constraints:
              - is_complete: sensor_id
              - completeness: {column: a, must_be_at_least: '0.9'}
              - is_uniqe: id
              - between: {column: t, min: 10, max: 0}
          - name: keys
            constraints: []
          - name: more
            constraints:
              - mean: {column: a}
              - pattern: {column: a, regex: '[a-'}
    """, ["1:8: suite: 'my suite' must start with a letter or '_' and use only letters, digits, '_', '.', '-'",
          "2:10: dataset: give exactly one of 'table' (a metastore name) or 'path' (a Delta location) (got both)",
          "2:40: dataset.version: a Delta version is a whole number, 0 or more (got -2)",
          f"3:1: unknown key 'owner' at the top level; valid keys: {TOP_KEYS}",
          "6:15: checks[0].severity: expected 'error' or 'warning' (got 'fatal')",
          "9:53: checks[0].constraints[1].completeness.must_be_at_least: expected a number, got the quoted "
          "text '0.9'; remove the quotes",
          f"10:9: unknown constraint 'is_uniqe'; did you mean 'is_unique'? valid names: {NAMES}",
          "11:18: checks[0].constraints[3].between: min 10 is above max 0: no value can be between them",
          "12:11: duplicate check name 'keys' (first at line 5, column 11); names must be unique",
          "13:18: checks[1].constraints: the list is empty; give at least one constraint such as "
          "'- is_complete: sensor_id'",
          f"16:15: checks[2].constraints[0].mean: give exactly one threshold of {THRESHOLDS} (got none)",
          "17:37: checks[2].constraints[1].pattern.regex: invalid regular expression '[a-': unterminated "
          "character set at position 3"]),
    ("every-problem-with-a-tag-and-duplicates", """
        suite: s
        suite: t
        dataset: !!python/name:os.getcwd ''
        checks:
          - name: c
            constraints:
              - is_complete: a
              - is_complete: {colum: a}
    """, ["2:1: duplicate key 'suite' (first at line 1, column 1); remove one of them",
          "3:10: tag '!!python/name:os.getcwd' is not allowed: only plain YAML is accepted (no tags); remove "
          "the tag and write the value itself",
          "8:22: missing required key 'column' in checks[0].constraints[1].is_complete; add 'column: <column name>'",
          "8:23: unknown key 'colum' in checks[0].constraints[1].is_complete; did you mean 'column'? "
          "valid keys: column"]),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_suite_reports_exact_lines(tmp_path, capsys, text, expected):
    code, (path,), out, err = _validate(tmp_path, capsys, text)
    assert err.splitlines() == [f"{path}:{line}" for line in expected]
    assert code == 2
    assert out == ""


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 45


def test_thresholds_that_always_hold_are_allowed(tmp_path, capsys):
    code, _, out, err = _validate(tmp_path, capsys, """
        suite: s
        dataset: {path: /x}
        checks:
          - name: c
            constraints:
              - completeness: {column: a, must_be_at_least: 0}
              - completeness: {column: a, must_be_at_most: 1}
              - row_count: {must_be_at_least: 0}
              - row_count: {must_be_between: [-5, 0]}
              - distinct_count: {column: a, must_be_greater_than: 2.5}
              - correlation: {columns: [a, b], must_be_between: [-1, 1]}
              - mean: {column: a, must_be_less_than: -1000}
    """)
    assert (code, err) == (0, "") and "valid (7 constraints" in out


def test_valid_suite_exits_0_and_says_valid(tmp_path, capsys):
    code, (path,), out, err = _validate(tmp_path, capsys, VALID)
    assert (code, err) == (0, "")
    assert out.startswith(f"{path}: valid (2 constraints, fingerprint ") and out.endswith(")\n")


def test_the_shipped_suite_is_valid(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    assert main(["validate", "conf/sensor_readings.yml"]) == 0
    assert capsys.readouterr().out.startswith("conf/sensor_readings.yml: valid (14 constraints")


# --- files that cannot be read ------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda d: d / "nope.yml",
         "1:1: suite file not found; check the path (relative paths start from the current directory)"),
        (lambda d: d,
         "1:1: is a directory, not a suite file; give the path of a .yml file in it"),
        (lambda d: _write_bytes(d / "latin1.yml", "suite: s\ndataset: {path: /daten/m\xe4rz}\n".encode("latin-1")),
         "2:25: not UTF-8 text (byte 0xe4 at offset 33); save the suite as UTF-8"),
        (lambda d: _write_bytes(d / "utf16.yml", "suite: s\n".encode("utf-16")),
         "1:1: not UTF-8 text (byte 0xff at offset 0); save the suite as UTF-8"),
    ],
    ids=["missing-path", "directory", "latin-1-bytes", "utf-16"],
)
def test_unreadable_file(tmp_path, capsys, make, expected):
    path = make(tmp_path)
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"{path}:{expected}\n")


def _write_bytes(path, data: bytes):
    path.write_bytes(data)
    return path


# --- several suites at once ---------------------------------------------------------------------


def test_several_suites_one_invalid(tmp_path, capsys):
    code, (good, bad), out, err = _validate(tmp_path, capsys, VALID, """
        suite: s
        dataset: {path: /x}
        checks: []
    """)
    assert code == 2
    assert out.startswith(f"{good}: valid (2 constraints, fingerprint ") and out.count("\n") == 1
    assert err == f"{bad}:3:9: checks: the list is empty; give at least one check: '- name: ...' with its constraints\n"


def test_several_suites_every_invalid_one_is_reported(tmp_path, capsys):
    code, (first, second, third), out, err = _validate(tmp_path, capsys, "suite: [\n", VALID.replace(
        "sensors", "'sensors"), "")
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"{first}:1:8: YAML syntax error: this '[' is never closed; add the matching ']'",
        f"{second}:1:8: YAML syntax error: this quoted string is never closed; add the closing quote",
        f"{third}:1:1: the suite is empty (no keys, only comments or nothing); write the keys suite, dataset "
        "and checks",
    ]


def test_every_issue_is_one_line_with_a_position(tmp_path, capsys):
    """Whatever the problem, stderr is `file:line:col: message` lines, nothing else."""
    texts = [c[1] for c in CASES]
    code, paths, out, err = _validate(tmp_path, capsys, *texts)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == sum(len(c[2]) for c in CASES)
    for line in lines:
        path, line_no, col, message = line.split(":", 3)
        assert path in paths and int(line_no) >= 1 and int(col) >= 1 and message.startswith(" ") and message.strip()
