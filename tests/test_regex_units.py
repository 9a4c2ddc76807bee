"""The regex pre-check accepts what Java accepts (Spark runs RLIKE on java.util.regex). No Spark."""
from __future__ import annotations

import pytest

from dqengine import ConfigError, parse_suite


def _suite(regex: str) -> str:
    return ("suite: s\ndataset: {path: /x}\nchecks:\n  - name: c\n    constraints:\n"
            f"      - pattern: {{column: c, regex: '{regex}'}}\n")


@pytest.mark.parametrize("regex", [r"^(?<a>x)\k<a>$", r"(?<year>\d{4})-\k<year>", r"^(?<a1>.)(?<b>.)\k<b>\k<a1>$"])
def test_java_named_groups_and_back_references_pass_the_pre_check(regex):
    (constraint,) = parse_suite(_suite(regex), "s.yml").constraints
    assert constraint.params.regex == regex  # kept as written: Java compiles it


def test_an_escaped_backslash_before_k_is_not_a_back_reference():
    parse_suite(_suite(r"^\\k<a>$"), "s.yml")  # a literal backslash, then k<a>: valid everywhere


def test_a_back_reference_to_no_group_is_still_refused():
    with pytest.raises(ConfigError, match="invalid regular expression"):
        parse_suite(_suite(r"^(?<a>x)\k<b>$"), "s.yml")
