"""dqengine.suggest: Deequ's suggestion and profile JSON -> our YAML, on hand-made documents."""
from __future__ import annotations

import json

import yaml

from dqengine.checks import parse_suite
from dqengine.suggest import RULES, suggestions_from_deequ, suite_name_for, suite_yaml

SCHEMA = {"id": "bigint", "status": "string", "temp": "double", "level": "int", "code": "string",
          'odd "col": #1 é': "string", "flag": "boolean", "day": "date"}


def _s(rule: str, column: str, current: str, code: str, description: str = "d") -> dict:
    return {"suggesting_rule": f"{rule}(...)" if rule != "CompleteIfCompleteRule" else "CompleteIfCompleteRule()",
            "column_name": column, "current_value": current, "code_for_constraint": code, "description": description}


SUGGESTIONS = {"constraint_suggestions": [
    _s("CompleteIfCompleteRule", "id", "Completeness: 1.0", '.isComplete("id")'),
    _s("RetainCompletenessRule", "temp", "Completeness: 0.9583333333", '.hasCompleteness("temp", _ >= 0.94, Some("It should be above 0.94!"))'),
    _s("NonNegativeNumbersRule", "temp", "Minimum: 0.5", '.isNonNegative("temp")'),
    _s("CategoricalRangeRule", "status", "Compliance: 1", '.isContainedIn("status", Array("WARN", "OK", "FAIL"))'),
    _s("FractionalCategoricalRangeRule", "status", "Compliance: 0.95", '.isContainedIn("status", Array("OK"), _ >= 0.9, Some("x"))'),
    _s("FractionalCategoricalRangeRule", "code", "Compliance: 0.93", '.isContainedIn("code", Array("A", "B"), _ >= 0.9, Some("x"))'),
    _s("CategoricalRangeRule", "level", "Compliance: 1", '.isContainedIn("level", Array("3", "1", "2"))'),
    _s("CategoricalRangeRule", 'odd "col": #1 é', "Compliance: 1", '.isContainedIn("odd \\"col\\": #1 é", Array("a: b", "it\'s # \\"q\\""))'),
    _s("CategoricalRangeRule", "flag", "Compliance: 1", '.isContainedIn("flag", Array("true", "false"))'),
    _s("CategoricalRangeRule", "day", "Compliance: 1", '.isContainedIn("day", Array("2026-01-01"))'),
    _s("RetainTypeRule", "code", "DataType: Integral", '.hasDataType("code", ConstrainableDataTypes.Integral)'),
    _s("UniqueIfApproximatelyUniqueRule", "id", "ApproxDistinctness: 0.98", '.isUnique("id")'),
    _s("SomeFutureRule", "id", "X: 1", '.something("id")', "a rule we do not know"),
]}
PROFILES = {"columns": [
    {"column": "id", "dataType": "Integral", "completeness": 1.0, "minimum": 1.0, "maximum": 500.0, "mean": 250.5},
    {"column": "temp", "dataType": "Fractional", "completeness": 0.958, "minimum": 0.5, "maximum": 1510.25, "mean": 800.0},
    {"column": "status", "dataType": "String", "completeness": 1.0,
     "histogram": [{"value": "OK", "count": 3}, {"value": "WARN", "count": 1}, {"value": "FAIL", "count": 1}]},
    {"column": "code", "dataType": "Integral", "isDataTypeInferred": "true", "completeness": 1.0},
    {"column": "level", "dataType": "Integral", "completeness": 1.0, "minimum": 1.0, "maximum": 3.0},
]}


def _written(tmp_path, **kw):
    items, left = suggestions_from_deequ(PROFILES, SUGGESTIONS, SCHEMA, 500)
    text = suite_yaml(name="readings", dataset={"path": "/data/it's: #here", "version": 3}, described="/data v3",
                      rows=500, generated_at="2026-01-01T00:00:00Z", suggestions=items, left_out=left)
    return text, items, left


def test_every_deequ_default_rule_has_a_mapping():
    assert set(RULES) == {"CategoricalRangeRule", "CompleteIfCompleteRule", "FractionalCategoricalRangeRule",
                          "NonNegativeNumbersRule", "RetainCompletenessRule", "RetainTypeRule",
                          "UniqueIfApproximatelyUniqueRule"}


def test_the_starter_suite_loads_and_says_what_was_observed(tmp_path):
    text, items, left = _written(tmp_path)
    suite = parse_suite(text, str(tmp_path / "s.yml"))
    assert suite.name == "readings" and suite.dataset.path == "/data/it's: #here" and suite.dataset.version == 3
    lines = [line for line in text.splitlines() if line.startswith("      - ")]
    assert lines and all("  # observed: " in line for line in lines)
    by_line = {line.split("# observed:")[0].strip(): line.split("# observed:")[1].strip() for line in lines}
    assert by_line['- completeness: {column: "temp", must_be_at_least: 0.94}'] == \
        "completeness 0.958333 over 500 rows; Deequ's lower bound 0.94"
    assert by_line['- between: {column: "temp", min: 0.5, max: 1510.25}'] == "min 0.5, max 1510.25, mean 800"
    assert by_line['- between: {column: "id", min: 1, max: 500}'] == "min 1, max 500, mean 250.5"  # integral stays whole
    assert by_line['- is_unique: "id"'].startswith("approximate distinctness 0.98 (a HyperLogLog estimate")
    assert by_line['- row_count: {must_be_greater_than: 0}'] == "500 rows"


def test_values_keep_their_types_and_odd_text_round_trips(tmp_path):
    text, _, _ = _written(tmp_path)
    data = yaml.safe_load(text)
    constraints = [c for check in data["checks"] for c in check["constraints"]]
    allowed = {c["allowed_values"]["column"]: c["allowed_values"] for c in constraints if "allowed_values" in c}
    assert allowed["status"] == {"column": "status", "values": ["FAIL", "OK", "WARN"]}  # the full range wins
    assert allowed["level"]["values"] == [1, 2, 3]                                       # numbers, not strings
    assert allowed["flag"]["values"] == [False, True]
    assert allowed['odd "col": #1 é']["values"] == ["a: b", "it's # \"q\""]
    assert allowed["code"] == {"column": "code", "values": ["A", "B"], "min_fraction": 0.9}
    assert "day" not in allowed                                                          # dates: no allowed_values
    assert {"data_type": {"column": "code", "type": "integral"}} in constraints
    checks = {c["name"]: c["severity"] for c in data["checks"]}
    assert checks == {"completeness": "error", "validity": "error", "uniqueness_candidates": "warning"}


def test_suggestions_without_a_type_are_listed_not_dropped(tmp_path):
    text, _, left = _written(tmp_path)
    assert any(line.startswith("SomeFutureRule on id") for line in left)
    assert any(line.startswith("CategoricalRangeRule on day") for line in left)
    tail = text.split("# Deequ suggested these too", 1)[1]
    assert "#   SomeFutureRule on id: a rule we do not know" in tail


def test_suite_names_from_tables_and_paths():
    assert suite_name_for("plant.sensor_readings") == "sensor_readings"
    assert suite_name_for("/data/lake/sensor readings/") == "sensor_readings"
    assert suite_name_for("s3://bucket/2026") == "suite_2026"
    assert suite_name_for("`main`.`q`.`t-1`") == "t-1"


def test_numbers_with_an_exponent_stay_numbers_and_keep_every_digit(tmp_path):
    """repr(1e-05) is "1e-05", which YAML 1.1 reads as text; the suite must still load."""
    profiles = {"columns": [{"column": "p", "dataType": "Fractional", "completeness": 0.5,
                             "minimum": 1e-05, "maximum": 3.0000000000000004e+16}]}
    suggestions = {"constraint_suggestions": [
        _s("RetainCompletenessRule", "p", "Completeness: 0.5", '.hasCompleteness("p", _ >= 1e-05, Some("x"))'),
        _s("CategoricalRangeRule", "p", "Compliance: 1", '.isContainedIn("p", Array("2.5e-07", "1.0"))'),
    ]}
    items, left = suggestions_from_deequ(profiles, suggestions, {"p": "double"}, 10)
    text = suite_yaml(name="s", dataset={"path": "/d"}, described="/d", rows=10, generated_at="now",
                      suggestions=items, left_out=left)
    suite = parse_suite(text, str(tmp_path / "s.yml"))
    params = {spec.name: spec.params for spec in suite.constraints}
    assert (params["between"].min, params["between"].max) == (1e-05, 3.0000000000000004e+16)
    assert params["completeness"].must_be_at_least == 1e-05
    assert params["allowed_values"].values == [2.5e-07, 1.0]


def test_text_yaml_would_fold_or_refuse_round_trips(tmp_path):
    """NEL (U+0085) inside a double-quoted scalar is folded to a space, DEL is refused: both are
    written as YAML escapes; a line break in quoted data never ends a comment line."""
    odd = ["a\x85b", "del\x7f", "ls\u2028ps\u2029", "c1\x9f", "tab\tcr\r"]
    column = "col\x85umn"
    code = '.isContainedIn("c0", Array(' + ", ".join(json.dumps(v) for v in odd) + "))"
    suggestions = {"constraint_suggestions": [
        _s("CategoricalRangeRule", column, "Compliance: 1", code),
        _s("SomeFutureRule", column, "X: 1", "x", "line\rbreak\x85and\u2028more\nend"),
    ]}
    items, left = suggestions_from_deequ({"columns": []}, suggestions, {column: "string"}, 5)
    text = suite_yaml(name="s", dataset={"path": "/d"}, described="/d", rows=5, generated_at="now",
                      suggestions=items, left_out=left)
    suite = parse_suite(text, str(tmp_path / "s.yml"))
    allowed = next(spec.params for spec in suite.constraints if spec.name == "allowed_values")
    assert allowed.column == column and sorted(allowed.values) == sorted(odd)
    assert text.count("\n") == len(text.splitlines())  # no stray line break anywhere
    assert "#   SomeFutureRule on col\\u0085umn: line break\\u0085and\\u2028more end" in text
