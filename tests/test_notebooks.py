"""Every notebook in notebooks/ runs: its Python cells, in order, locally against a demo metrics
location, with stand-ins for Databricks' dbutils and display. A new notebook is picked up by the
glob and fails here until this file says what it must do (EXPECTED)."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from dqengine.checks import load_suite
from dqengine.spark.runner import run_suite

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.py"))
HEADER = "# Databricks notebook source\n"


def cells(path: Path) -> list[str]:
    """The Python cells of a Databricks source-format notebook (markdown/magic cells left out)."""
    source = path.read_text(encoding="utf-8")
    assert source.startswith(HEADER), f"{path.name} is not a Databricks notebook: it must start with {HEADER!r}"
    parts = source[len(HEADER):].split("\n# COMMAND ----------\n")
    return [p for p in parts if p.strip() and not all(line.startswith("# MAGIC") or not line.strip()
                                                       for line in p.strip().splitlines())]


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    """A dataset with a failed version 0 and a passing version 1, both checked, at a path location."""
    base = tmp_path_factory.mktemp("notebooks")
    data = str(base / "readings")
    schema = "id BIGINT, temperature DOUBLE"
    spark.createDataFrame([(1, 1500.0), (1, 1500.0), (2, None)], schema).write.format("delta").save(data)
    suite_file = base / "suite.yml"
    suite_file.write_text(f"suite: notebook_demo\ndataset: {{path: '{data}'}}\nchecks:\n  - name: c\n"
                          "    constraints:\n      - is_unique: id\n"
                          "      - completeness: {column: temperature, must_be_at_least: 0.5}\n"
                          "      - max: {column: temperature, must_be_at_most: 1505}\n", encoding="utf-8")
    metrics = str(base / "metrics")
    suite = load_suite(suite_file)
    first = run_suite(spark, suite, metrics=metrics, run_id="nb-v0")
    spark.createDataFrame([(1, 1500.0), (2, 1490.0), (3, None)], schema).write.format("delta") \
        .mode("overwrite").save(data)
    second = run_suite(spark, suite, metrics=metrics, run_id="nb-v1")
    assert (first.status.value, second.status.value) == ("FAILED", "PASSED")
    return {"suite": str(suite_file), "metrics": metrics, "data": data}


def _run(path: Path, spark, widgets: dict[str, str]) -> dict:
    task_values: dict = {}
    shown: list = []

    def display(thing) -> None:  # Databricks' display: a DataFrame's rows really computed, or a figure
        shown.append(thing.collect() if hasattr(thing, "collect") else thing)

    dbutils = SimpleNamespace(
        widgets=SimpleNamespace(text=lambda name, default, label=None: widgets.setdefault(name, default),
                                get=lambda name: widgets[name]),
        jobs=SimpleNamespace(taskValues=SimpleNamespace(set=lambda key, value: task_values.update({key: value}))))
    namespace = {"spark": spark, "dbutils": dbutils, "display": display, "__name__": "__notebook__"}
    for i, cell in enumerate(cells(path)):
        exec(compile(cell, f"{path.name}[cell {i}]", "exec"), namespace)
    return {"ns": namespace, "shown": shown, "task_values": task_values}


def _run_suite(out, demo, spark):
    # the notebook's own run (a third one, of version 1) passed and handed the version on
    assert out["task_values"] == {"certified_version": 1}
    assert out["ns"]["run"].status.value == "PASSED" and out["ns"]["decision"].version == 1


def _explore(out, demo, spark):
    latest, figure, failed = out["shown"]
    assert [(r.suite, r.dataset_version, r.status) for r in latest] == [("notebook_demo", 1, "PASSED")]
    chosen, trend = out["ns"]["chosen"], out["ns"]["trend"]
    assert [r.dataset_version for r in trend] == [0, 1]
    assert chosen.label == "is_unique(id)" and [r.value for r in trend] == [pytest.approx(1 / 3), 1.0]
    assert hasattr(figure, "savefig") and figure.axes[0].lines[0].get_ydata().tolist() == [pytest.approx(1 / 3), 1.0]
    assert failed == []  # the latest run passed everything


def _explore_failed_run(out, demo, spark):
    *_, failed = out["shown"]
    assert out["ns"]["run"].run_id == "nb-v0"
    assert sorted(r.label for r in failed) == ["is_unique(id)"]


def _train(out, demo, spark):
    ns = out["ns"]
    assert ns["certified"] == 1 and out["task_values"] == {"trained_version": 1}
    assert ns["model"]["rows"] == 3 and ns["model"]["mean_temperature"] == pytest.approx(1495.0)
    expected = spark.read.format("delta").option("versionAsOf", 1).load(demo["data"]).count()
    assert ns["training_df"].count() == expected


#: notebook -> [(widgets over the defaults, what must hold afterwards)]
EXPECTED = {
    "run_suite.py": [({"version": ""}, _run_suite)],
    "explore_metrics.py": [({"metric": "", "run_id": ""}, _explore),
                           ({"metric": "", "run_id": "nb-v0"}, _explore_failed_run)],
    "train_with_gate.py": [({"version": ""}, _train)],
}


def test_every_notebook_is_covered_and_is_a_databricks_notebook():
    assert {p.name for p in NOTEBOOKS} == set(EXPECTED), "a notebook without expectations here is untested"
    for path in NOTEBOOKS:
        assert cells(path)


@pytest.mark.parametrize("name,case", [(n, i) for n, cases in EXPECTED.items() for i in range(len(cases))])
def test_notebook_runs_against_a_demo_metrics_location(spark, demo, name, case):
    widgets, check = EXPECTED[name][case]
    out = _run(REPO / "notebooks" / name, spark, {"suite": demo["suite"], "metrics": demo["metrics"], **widgets})
    check(out, demo, spark)


def test_the_training_notebook_refuses_a_version_the_gate_blocks(spark, demo):
    from dqengine.errors import GateBlocked

    with pytest.raises(GateBlocked, match="version 0"):
        _run(REPO / "notebooks" / "train_with_gate.py", spark,
             {"suite": demo["suite"], "metrics": demo["metrics"], "version": "0"})
