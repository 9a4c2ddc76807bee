"""databricks.yml, checked offline: entry points, parameters, coordinates and task order."""
from __future__ import annotations

import importlib.util
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml

from dqengine.cli import build_parser
from dqengine.errors import ConfigError
from dqengine.platforms import PLATFORMS

REPO = Path(__file__).resolve().parent.parent
BUNDLE = yaml.safe_load((REPO / "databricks.yml").read_text(encoding="utf-8"))
JOB = BUNDLE["resources"]["jobs"]["quality_gated_training"]
TASKS = {t["task_key"]: t for t in JOB["tasks"]}
DEFAULTS = {name: str(v.get("default", "")) for name, v in BUNDLE["variables"].items()}


def _substitute(params: list[str]) -> list[str]:
    out = []
    for p in params:
        p = re.sub(r"\$\{var\.(\w+)\}", lambda m: DEFAULTS[m.group(1)], p)
        p = re.sub(r"\$\{workspace\.\w+\}", "/Workspace/bundle", p)
        out.append(re.sub(r"\{\{[^}]+\}\}", "12345", p))
    return out


def test_tasks_chain_quality_gate_train():
    assert list(TASKS) == ["quality", "gate", "train"]
    assert "depends_on" not in TASKS["quality"]
    assert TASKS["gate"]["depends_on"] == [{"task_key": "quality"}]
    assert TASKS["train"]["depends_on"] == [{"task_key": "gate"}]


@pytest.mark.parametrize("task", ["quality", "gate"])
def test_wheel_tasks_name_an_existing_entry_point_with_valid_parameters(task):
    wheel = TASKS[task]["python_wheel_task"]
    assert wheel["package_name"] == "dqengine"
    (ep,) = entry_points(group="console_scripts", name=wheel["entry_point"])
    assert ep.value == "dqengine.cli:main"
    args = build_parser().parse_args(_substitute(wheel["parameters"]))
    assert args.command == {"quality": "run", "gate": "gate"}[task]


def test_wheel_parameters_are_really_checked():
    with pytest.raises(ConfigError):
        build_parser().parse_args(["run", "suite.yml", "--no-such-flag"])


def test_train_task_script_accepts_its_parameters():
    task = TASKS["train"]["spark_python_task"]
    path = REPO / task["python_file"]
    spec = importlib.util.spec_from_file_location("train_example", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = module.build_parser().parse_args(_substitute(task["parameters"]))
    assert args.version == 12345 and args.out == "/tmp/model.txt"


@pytest.mark.parametrize("task", ["gate", "train"])
def test_gate_and_train_use_the_version_the_quality_task_verified(task):
    body = TASKS[task].get("python_wheel_task") or TASKS[task]["spark_python_task"]
    params = body["parameters"]
    assert params[params.index("--version") + 1] == "{{tasks.quality.values.dataset_version}}"


def test_run_publishes_the_verified_version_as_a_task_value(monkeypatch):
    """On a Databricks job task, `run` sets the task values the bundle's later tasks read."""
    import sys
    import types

    from dqengine.databricks import TASK_VALUE_KEYS, publish_task_values
    from dqengine.results import RunResult, RunStatus

    published = {}
    task_values = types.SimpleNamespace(set=lambda key, value: published.__setitem__(key, value))
    runtime = types.ModuleType("databricks.sdk.runtime")
    runtime.dbutils = types.SimpleNamespace(jobs=types.SimpleNamespace(taskValues=task_values))
    for name in ("databricks", "databricks.sdk"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, "databricks.sdk.runtime", runtime)
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    run = RunResult("r-1", "s", "f", "/d", 7, now, now, RunStatus.PASSED, 3, "0", "3.5", "2.1")
    monkeypatch.delenv("DATABRICKS_RUNTIME_VERSION", raising=False)
    assert publish_task_values(None, run) is False and published == {}  # not on Databricks
    monkeypatch.setenv("DATABRICKS_RUNTIME_VERSION", "15.4")
    assert publish_task_values(None, run) is True
    assert published == {"dataset_version": 7, "run_id": "r-1"} and set(published) == set(TASK_VALUE_KEYS)
    # the key the bundle's tasks read is the one published
    assert "{{tasks.quality.values.dataset_version}}" in (REPO / "databricks.yml").read_text()


def test_cluster_runs_the_engines_platform():
    platform = PLATFORMS["3.5"]
    cluster = JOB["job_clusters"][0]["new_cluster"]
    assert cluster["data_security_mode"] == "SINGLE_USER"
    assert cluster["spark_env_vars"]["SPARK_VERSION"] == platform.spark
    assert re.match(r"^1[56]\.4\.x-scala2\.12$", DEFAULTS["spark_version"])  # LTS runtimes on Spark 3.5
    for key in ("quality", "gate"):
        (maven,) = [lib["maven"] for lib in TASKS[key]["libraries"] if "maven" in lib]
        assert maven["coordinates"] == platform.deequ_package
        assert maven["exclusions"] == list(platform.excludes)
        assert all(t["job_cluster_key"] == "quality" for t in TASKS.values())


def test_targets():
    assert set(BUNDLE["targets"]) == {"dev", "prod"}
    assert BUNDLE["targets"]["dev"].get("default") is True


@pytest.mark.parametrize("metrics_kind", ["path", "schema"])
def test_notebook_runs_with_fake_widgets(spark, tmp_path, delta_table, write_suite, metrics_kind):
    """The notebook's Python cells, run locally with stand-ins for dbutils and display."""
    from types import SimpleNamespace

    from dqengine import metrics_schema as ms

    data = delta_table([(1, 1500.0), (2, 1510.0)], "id BIGINT, temperature DOUBLE", name="nb")
    suite = write_suite(f"""
        suite: notebook
        dataset: {{path: '{data}'}}
        checks:
          - name: c
            constraints:
              - is_unique: id
              - max: {{column: temperature, must_be_at_most: 1505}}
              - row_count: {{must_be: 2}}
    """)
    if metrics_kind == "schema":
        spark.sql("CREATE SCHEMA IF NOT EXISTS notebook_quality")
        metrics = "notebook_quality"
    else:
        metrics = str(tmp_path / "metrics")
    widgets = {"suite": str(suite), "metrics": metrics, "version": ""}
    task_values: dict = {}
    shown: list = []
    dbutils = SimpleNamespace(
        widgets=SimpleNamespace(text=lambda *a: None, get=widgets.__getitem__),
        jobs=SimpleNamespace(taskValues=SimpleNamespace(set=lambda key, value: task_values.update({key: value}))))
    source = (REPO / "notebooks" / "run_suite.py").read_text(encoding="utf-8")
    cells = source.split("# COMMAND ----------")
    code = [c for c in cells if not c.strip().startswith(("# MAGIC", "# Databricks notebook source\n# MAGIC"))]
    namespace = {"spark": spark, "dbutils": dbutils, "display": lambda df: shown.append(df.collect())}
    try:
        with pytest.raises(Exception, match="dqengine gate blocked .* version 0: failed"):
            for cell in code:
                exec(compile(cell, "notebooks/run_suite.py", "exec"), namespace)
        delta_table([(1, 1500.0), (2, 1490.0)], "id BIGINT, temperature DOUBLE", name="nb")  # repaired
        shown.clear()
        for cell in code:
            exec(compile(cell, "notebooks/run_suite.py", "exec"), namespace)
    finally:
        for table in ms.TABLES:
            spark.catalog.dropTempView(table)
    assert task_values == {"certified_version": 1}
    (failed,) = shown  # the last cell: what did not pass, newest first
    assert [(r["check"], r.label, r.status) for r in failed] == [("c", "max(temperature)", "FAILED")]
