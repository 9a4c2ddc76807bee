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
    assert args.version is None and args.out == "/tmp/model.txt"


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
