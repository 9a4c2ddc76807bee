"""referential_integrity on real Spark + Delta: orphans, NULL keys, composite keys, the pinned
reference version and the config errors for a reference that is not there. Small tables; a few
runs, each of several constraints."""
from __future__ import annotations

import pytest

from dqengine import metrics_schema as ms
from dqengine.checks import parse_suite
from dqengine.errors import DatasetError
from dqengine.results import ConstraintStatus
from dqengine.spark.runner import run_suite
from helpers import read_view

READINGS = "reading_id BIGINT, plant STRING, heat_id BIGINT, tag STRING"
#: heat 99 is an orphan; heat NULL is not looked up; (P2, 2) is an orphan pair, heat 2 exists in P1
READING_ROWS = [(1, "P1", 1, "a"), (2, "P1", 1, "a"), (3, "P1", 2, "b"), (4, "P1", 3, "c"),
                (5, "P1", None, "d"), (6, "P2", 2, "e"), (7, "P1", 99, "f"), (8, None, 3, "g")]
HEATS = "heat_id BIGINT, plant STRING, grade STRING"
#: heat 3 twice: a duplicate key in the reference multiplies nothing; a NULL key matches nothing
HEAT_ROWS = [(1, "P1", "A"), (2, "P1", "B"), (3, "P1", "C"), (3, "P1", "C2"), (None, "P2", "X")]


def _suite(tmp_path, data: str, constraints: str, name: str = "suite.yml"):
    text = (f"suite: ri\ndataset:\n  path: '{data}'\nchecks:\n  - name: refs\n    constraints:\n"
            + "".join(f"      - {c}\n" for c in constraints.strip().splitlines()))
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return parse_suite(text, str(path))


@pytest.fixture
def tables(delta_table):
    return delta_table(READING_ROWS, READINGS, "readings"), delta_table(HEAT_ROWS, HEATS, "heats")


def test_orphans_nulls_and_composite_keys(spark, tables, tmp_path):
    readings, heats = tables
    suite = _suite(tmp_path, readings, f"""
referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: heat_id}}}}
referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: heat_id}}, min_fraction: 0.857}}
referential_integrity: {{columns: [plant, heat_id], reference: {{path: '{heats}', columns: [plant, heat_id]}}}}
referential_integrity: {{column: reading_id, reference: {{path: '{readings}', column: reading_id}}}}
""")
    run = run_suite(spark, suite, metrics=str(tmp_path / "metrics"))
    single, relaxed, composite, itself = run.constraints
    # 7 rows have a heat id; 99 is not a heat: 6/7 (NULL heat not looked up, duplicate heat 3 counts once)
    assert single.status is ConstraintStatus.FAILED and single.metric_value == pytest.approx(6 / 7)
    assert "expected >= 1" in single.message
    assert relaxed.status is ConstraintStatus.PASSED
    # rows with both plant and heat: 1,2,3,4,6,7 (5 has no heat, 8 no plant); found (P1,1)x2,(P1,2),(P1,3)
    assert composite.status is ConstraintStatus.FAILED and composite.metric_value == pytest.approx(4 / 6)
    assert itself.status is ConstraintStatus.PASSED and itself.metric_value == 1.0

    metrics = read_view(spark, str(tmp_path / "metrics"), ms.METRICS).collect()
    versions = [m for m in metrics if m["name"] == "ReferenceVersion"]
    assert sorted((m["instance"], m["value"], m["provider"]) for m in versions) == \
        sorted([(heats, 0.0, "reference"), (readings, 0.0, "reference")])
    compliance = {m["instance"]: m for m in metrics if m["name"] == "Compliance"}
    assert {m["provider"] for m in compliance.values()} == {"reference"}
    # one metric per (key, reference): its key is the verdict's, and differs between references
    keys = {r.metric_key for r in run.constraints}
    assert len(keys) == 3 and single.metric_key == relaxed.metric_key
    assert {m["metric_key"] for m in compliance.values()} == keys


def test_the_reference_version_is_pinned_and_its_key_is_stable(spark, delta_table, tables, tmp_path):
    readings, heats = tables
    delta_table([(99, "P1", "Z")], HEATS, "heats", mode="append")  # version 1 adds the orphan's heat
    constraint = f"referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: heat_id{{v}}}}}}"
    latest = run_suite(spark, _suite(tmp_path, readings, constraint.replace("{v}", ""), "a.yml"),
                       metrics=str(tmp_path / "m"))
    pinned = run_suite(spark, _suite(tmp_path, readings, constraint.replace("{v}", ", version: 0"), "b.yml"),
                       metrics=str(tmp_path / "m"))
    assert latest.constraints[0].status is ConstraintStatus.PASSED
    assert pinned.constraints[0].status is ConstraintStatus.FAILED
    assert pinned.constraints[0].metric_value == pytest.approx(6 / 7)
    assert latest.constraints[0].metric_key == pinned.constraints[0].metric_key  # the version is not the metric
    recorded = {r.name: r.value for r in pinned.metrics if r.instance == heats}
    assert recorded["ReferenceVersion"] == 0.0
    assert {r.name: r.value for r in latest.metrics if r.instance == heats}["ReferenceVersion"] == 1.0


def test_a_missing_reference_or_column_is_a_config_error_at_the_constraint(spark, tables, tmp_path):
    readings, heats = tables
    suite = _suite(tmp_path, readings, f"""
is_complete: reading_id
referential_integrity: {{column: heat_id, reference: {{path: '{tmp_path / "nope"}', column: heat_id}}}}
referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: Heat_id}}}}
referential_integrity: {{column: tag, reference: {{path: '{heats}', column: heat_id}}}}
referential_integrity: {{column: heat_id, reference: {{table: plant.no_heats, column: heat_id}}}}
referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: heat_id, version: 7}}}}
referential_integrity: {{column: no_such_col, reference: {{path: '{heats}', column: heat_id}}}}
""")
    with pytest.raises(DatasetError) as caught:
        run_suite(spark, suite, metrics=str(tmp_path / "metrics"))
    lines = str(caught.value).splitlines()
    at = {c.index: f"{c.where}: " for c in suite.constraints}
    assert any(line.startswith(at[1]) and "is not a Delta table" in line for line in lines), lines
    assert any(line.startswith(at[2]) and "reference column 'Heat_id' not found" in line
               and "did you mean 'heat_id'" in line for line in lines), lines
    assert any(line.startswith(at[3]) and "column 'tag' is string but reference column 'heat_id'" in line
               for line in lines), lines
    assert any(line.startswith(at[4]) and "'plant.no_heats' not found in the metastore" in line
               for line in lines), lines
    # two versions of one reference in a suite: refused where the second one is written
    assert any(line.startswith(at[5]) and "a suite reads one version of a reference" in line
               for line in lines), lines
    assert any(line.startswith(at[6]) and "column 'no_such_col' not found" in line for line in lines), lines
    assert not (tmp_path / "metrics" / ms.RECORDS).exists() or \
        spark.read.format("delta").load(str(tmp_path / "metrics" / ms.RECORDS)).count() == 0


def test_a_reference_version_that_does_not_exist(spark, tables, tmp_path):
    readings, heats = tables
    suite = _suite(tmp_path, readings,
                   f"referential_integrity: {{column: heat_id, reference: {{path: '{heats}', column: heat_id, version: 5}}}}")
    with pytest.raises(DatasetError, match=r"suite.yml:\d+:\d+: referential_integrity: reference.version 5 of .* "
                                           r"does not exist; the latest version is 0"):
        run_suite(spark, suite, record=False)
