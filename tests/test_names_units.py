"""Suite and check names as users write them: any Unicode letters and digits, plus '_', '.', '-'.
The model and the generated JSON Schema agree on them. No Spark."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from dqengine import ConfigError, parse_suite

SCHEMA = json.loads((Path(__file__).resolve().parent.parent / "conf" / "suite.schema.json").read_text("utf-8"))

UNICODE = """\
suite: qualité_température
dataset: {path: /x}
checks:
  - name: kontroll_över_temperaturen
    constraints: [is_complete: a]
  - name: 品質チェック.v2
    severity: warning
    constraints: [is_unique: a]
  - name: Ελληνικά-1
    constraints: [is_unique: a]
"""


def test_unicode_suite_and_check_names_load_and_validate_against_the_schema():
    suite = parse_suite(UNICODE, "u.yml")
    assert suite.name == "qualité_température"
    assert suite.checks == ("kontroll_över_temperaturen", "品質チェック.v2", "Ελληνικά-1")
    assert list(Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(UNICODE))) == []


@pytest.mark.parametrize("name", ["1st", "my suite", "-dash", "a/b", "qualité!", "名前 スペース", "tab\tname", "€uro"])
def test_names_still_refuse_what_is_not_a_letter_digit_or_separator(name):
    text = UNICODE.replace("qualité_température", json.dumps(name, ensure_ascii=False))
    with pytest.raises(ConfigError) as exc:
        parse_suite(text, "u.yml")
    assert "must start with a letter or '_' and use only letters, digits, '_', '.', '-'" in str(exc.value)
    assert list(Draft202012Validator(SCHEMA).iter_errors(yaml.safe_load(text)))
