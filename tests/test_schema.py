"""conf/suite.schema.json: generated from the models, a valid JSON Schema, and in agreement with
the engine on the suites we ship, on every constraint's documented example, and on typos that
editors must flag. No Spark."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from dqengine import ConfigError, default_registry, load_suite, parse_suite
from dqengine.schema import suite_json_schema

REPO = Path(__file__).resolve().parent.parent
SCHEMA_FILE = REPO / "conf" / "suite.schema.json"
SUITES = sorted((REPO / "conf").glob("*.yml"))


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator(schema) -> Draft202012Validator:
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, data) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(data)]


def test_schema_file_is_the_generated_schema(schema):
    generated = json.loads(json.dumps(suite_json_schema()))
    assert schema == generated, "conf/suite.schema.json is stale: run `.venv/bin/dqengine schema > conf/suite.schema.json`"


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_there_are_suites_to_check():
    assert REPO / "conf" / "sensor_readings.yml" in SUITES


@pytest.mark.parametrize("path", SUITES, ids=[p.name for p in SUITES])
def test_shipped_suites_validate_and_load(validator, path):
    assert _errors(validator, yaml.safe_load(path.read_text(encoding="utf-8"))) == []
    assert load_suite(path).constraints


DEFINITIONS = sorted(default_registry(), key=lambda d: d.name)


@pytest.mark.parametrize("definition", DEFINITIONS, ids=[d.name for d in DEFINITIONS])
def test_every_documented_example_is_accepted_by_both(validator, definition):
    text = f"suite: s\ndataset: {{path: /x}}\nchecks:\n  - name: c\n    constraints:\n      - {definition.example}\n"
    assert _errors(validator, yaml.safe_load(text)) == []
    assert [c.name for c in parse_suite(text).constraints] == [definition.name]


BASE = """
    suite: s
    dataset: {path: /x}
    checks:
      - name: c
        constraints:
          - is_complete: a
"""

REJECTED = [
    ("unknown-constraint", BASE.replace("is_complete: a", "is_completee: a"), "checks/0/constraints/0"),
    ("extra-top-level-key", BASE + "    owner: me\n", "(root)"),
    ("extra-dataset-key", BASE.replace("{path: /x}", "{path: /x, format: delta}"), "dataset"),
    ("extra-check-key", BASE.replace("- name: c", "- name: c\n        severty: warning"), "checks/0"),
    ("extra-constraint-param", BASE.replace("is_complete: a", "completeness: {column: a, must_be: 1, colour: red}"),
     "checks/0/constraints/0"),
    ("two-keys-in-one-item", BASE.replace("is_complete: a", "is_complete: a\n            is_unique: a"),
     "checks/0/constraints/0"),
    ("missing-checks", "suite: s\ndataset: {path: /x}\n", "(root)"),
    ("quoted-number", BASE.replace("is_complete: a", "completeness: {column: a, must_be: '1'}"),
     "checks/0/constraints/0"),
    ("bad-severity", BASE.replace("- name: c", "- name: c\n        severity: fatal"), "checks/0/severity"),
    ("bad-suite-name", BASE.replace("suite: s", "suite: my suite"), "suite"),
    ("empty-checks", "suite: s\ndataset: {path: /x}\nchecks: []\n", "checks"),
]


@pytest.mark.parametrize("text, where", [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_typos_fail_schema_validation_and_loading(validator, text, where):
    text = textwrap.dedent(text).lstrip("\n")
    errors = _errors(validator, yaml.safe_load(text))
    assert errors and all(e.startswith(where) for e in errors), errors
    with pytest.raises(ConfigError):
        parse_suite(text)


def test_the_base_of_the_rejected_cases_is_accepted_by_both(validator):
    text = textwrap.dedent(BASE).lstrip("\n")
    assert _errors(validator, yaml.safe_load(text)) == []
    assert parse_suite(text).name == "s"
