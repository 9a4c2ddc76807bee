"""Random documents fed to the suite loader: a Suite or a ConfigError, never anything else.

Three sources of input: random nested data dumped as YAML (any shape), random suites built from
the real keys and constraint names (so validation goes deep), and random text edits of the
shipped suite (broken YAML of every kind). Every issue must point into the file (line and column
from 1) and be one line. No Spark.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dqengine import ConfigError, Suite, default_registry, parse_suite
from dqengine.config.yaml_source import parse_yaml

SUITE = (Path(__file__).resolve().parent.parent / "conf" / "sensor_readings.yml").read_text(encoding="utf-8")
FILE = "fuzz.yml"

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = default_registry().names()
KEYS = [
    "suite", "description", "dataset", "checks", "table", "path", "version", "where", "name", "severity",
    "constraints", "column", "columns", "must_be", "must_be_at_least", "must_be_at_most",
    "must_be_greater_than", "must_be_less_than", "must_be_between", "min_fraction", "min", "max",
    "values", "regex", "type", "expression", "label", "quantile", "relative_error", *NAMES,
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["0.9", "1e3", "error", "warning", "^S-\\d{3}$", "[a-", "a b", "`x`", "~", "yes", ""]),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers(-5, 5), st.booleans())
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(keys, children, max_size=6),
    ),
    max_leaves=40,
)

# Suites from the real vocabulary: mostly the right shape, with wrong values here and there.
params = st.dictionaries(st.sampled_from(KEYS[11:30]), scalars | st.lists(scalars, max_size=3), max_size=4)
constraint = st.one_of(
    st.builds(lambda n, p: {n: p}, st.sampled_from(NAMES), params | scalars | st.lists(st.text(max_size=5), max_size=3)),
    documents,
)
check = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(["keys", "physics", "keys"]), scalars)},
    optional={"severity": st.sampled_from(["error", "warning", "fatal"]) | scalars,
              "constraints": st.lists(constraint, max_size=4),
              "description": scalars},
)
suites = st.fixed_dictionaries(
    {},
    optional={
        "suite": st.sampled_from(["sensors", "1bad", "a b"]) | scalars,
        "dataset": st.fixed_dictionaries({}, optional={"path": scalars, "table": scalars, "version": scalars,
                                                       "where": scalars}) | documents,
        "checks": st.lists(check, max_size=3) | documents,
        "description": scalars,
    },
)


@st.composite
def mutated_suite(draw) -> str:
    """The shipped suite with a few random edits: characters deleted, inserted or replaced, lines
    dropped, duplicated or re-indented."""
    text = SUITE
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        kind = draw(st.sampled_from(["delete", "insert", "replace", "drop-line", "dup-line", "indent", "dedent"]))
        if kind in ("delete", "insert", "replace") and text:
            i = draw(st.integers(0, len(text) - 1))
            char = draw(st.sampled_from(list(":-[]{}'\"#&*!|>%@`\t\n ,?") + ["\x00", "\ufeff", "é"])
                        | st.characters())
            text = {"delete": text[:i] + text[i + 1:],
                    "insert": text[:i] + char + text[i:],
                    "replace": text[:i] + char + text[i + 1:]}[kind]
        elif len(lines) > 1:
            j = draw(st.integers(0, len(lines) - 1))
            if kind == "drop-line":
                del lines[j]
            elif kind == "dup-line":
                lines.insert(j, lines[j])
            elif kind == "indent":
                lines[j] = draw(st.sampled_from([" ", "  ", "\t"])) + lines[j]
            else:
                lines[j] = lines[j][draw(st.integers(1, 3)):]
            text = "\n".join(lines)
    return text


def _check(text: str) -> None:
    try:
        suite = parse_suite(text, FILE)
    except ConfigError as exc:
        assert exc.issues, "a ConfigError without issues"
        last_line = len(text.splitlines()) + 1
        for issue in exc.issues:
            assert issue.file == FILE
            assert 1 <= issue.line <= last_line and issue.col >= 1, issue
            assert issue.message.strip() and len(str(issue).splitlines()) == 1, issue
        return
    assert isinstance(suite, Suite) and suite.constraints


def _dump(data) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=None)


@FUZZ
@given(documents)
def test_random_documents(data):
    _check(_dump(data))


@FUZZ
@given(suites)
def test_random_suites_from_the_real_vocabulary(data):
    _check(_dump(data))


@FUZZ
@given(mutated_suite())
def test_random_edits_of_the_shipped_suite(text):
    _check(text)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}'\"#\n\t!&*,|>?%0.9")), max_size=80))
def test_random_yaml_punctuation(text):
    _check(text)


@FUZZ
@given(documents.filter(lambda d: d == d))  # NaN is never equal to itself
def test_values_are_exactly_what_safe_load_gives(data):
    """The loader builds values node by node (to report every problem with its place); for plain
    YAML it must give exactly what yaml.safe_load gives."""
    text = _dump(data)
    values, _, issues = parse_yaml(text, FILE)
    assert issues == []
    assert values == yaml.safe_load(text)


def test_the_shipped_suite_loads():
    assert parse_suite(SUITE, FILE).name == "sensor_readings"


def test_an_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    try:
        parse_suite("\n".join(lines) + "\n", FILE)
    except ConfigError as exc:
        assert [str(i) for i in exc.issues] == [
            f"{FILE}:1:1: the document expands to more than 100000 values (anchors and aliases included); "
            "a suite needs far fewer: write it out plainly"]
    else:
        raise AssertionError("an alias bomb was accepted")


def test_a_self_referencing_alias_is_refused():
    try:
        parse_suite("suite: &s [*s]\n", FILE)
    except ConfigError as exc:
        assert [str(i) for i in exc.issues] == [
            f"{FILE}:1:1: the document nests too deeply to be a suite; flatten it"]
    else:
        raise AssertionError("a recursive document was accepted")
