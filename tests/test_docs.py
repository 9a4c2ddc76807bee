"""docs/constraints.md against the registry: one section per constraint type, each showing the
type's own example, every example a valid suite, and no section for a name that does not exist.
Pure Python: no Spark."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dqengine import default_registry, parse_suite
from dqengine.config.models import THRESHOLD_KEYS

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "constraints.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
REGISTRY = default_registry()
NAMES = REGISTRY.names()


def _sections(text: str) -> dict[str, str]:
    """``### name`` -> the text up to the next heading of level 1-3."""
    sections: dict[str, str] = {}
    matches = list(re.finditer(r"^### (.+?)\s*$", text, re.M))
    for match in matches:
        end = re.compile(r"^#{1,3} ", re.M).search(text, match.end())
        name = match.group(1).strip().strip("`")
        assert name not in sections, f"two sections for {name}"
        sections[name] = text[match.end():end.start() if end else len(text)]
    return sections


SECTIONS = _sections(DOC)


def _suite(example: str) -> str:
    return ("suite: x\ndataset: {path: /tmp/x}\nchecks:\n  - name: c\n    constraints:\n"
            f"      - {example}\n")


def test_there_is_one_section_per_registered_name_and_no_other():
    assert sorted(SECTIONS) == NAMES
    assert len(NAMES) == 37


@pytest.mark.parametrize("name", NAMES)
def test_section_shows_the_registered_example_verbatim(name):
    example = REGISTRY.get(name).example
    assert "\n" not in example
    assert example in SECTIONS[name], f"### {name} does not contain {example!r}"


@pytest.mark.parametrize("name", NAMES)
def test_section_states_summary_dimension_and_parameters(name):
    definition = REGISTRY.get(name)
    section = " ".join(SECTIONS[name].split())  # wrapped lines compare as one
    assert " ".join(definition.summary.split()) in section
    assert f"Dimension: {definition.dimension}." in section
    for field in definition.params_model.model_fields:
        if field not in THRESHOLD_KEYS:
            assert f"`{field}`" in section, f"### {name} does not document its parameter {field!r}"
    if any(k in definition.params_model.model_fields for k in THRESHOLD_KEYS):
        assert "threshold key" in section
    if definition.shorthand is not None:
        assert "Shorthand" in section and f"`{definition.shorthand}`" in section


@pytest.mark.parametrize("name", NAMES)
def test_example_is_a_valid_suite(name):
    definition = REGISTRY.get(name)
    suite = parse_suite(_suite(definition.example), "example.yml")
    (constraint,) = suite.constraints
    assert constraint.name == name
    assert isinstance(constraint.params, definition.params_model)


@pytest.mark.parametrize("name", NAMES)
def test_yaml_blocks_in_the_section_are_valid_constraints(name):
    blocks = re.findall(r"```yaml\n(.*?)```", SECTIONS[name], re.S)
    assert blocks, f"### {name} has no YAML example"
    for block in blocks:
        for line in block.strip().splitlines():
            assert line.startswith(f"- {name}: ")
            parse_suite(_suite(line[2:]), "doc.yml")


def test_intro_yaml_block_is_a_valid_check():
    intro = DOC.split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", intro, re.S)
    suite = parse_suite("suite: x\ndataset: {path: /tmp/x}\n" + block, "intro.yml")
    assert [c.name for c in suite.constraints] == ["is_primary_key", "completeness"]


def test_statuses_and_threshold_keys_are_all_explained():
    from dqengine.results import ConstraintStatus

    for status in ConstraintStatus:
        assert f"| `{status.value}` |" in DOC
    for key in THRESHOLD_KEYS:
        assert f"`{key}" in DOC
    assert "min_fraction" in DOC
