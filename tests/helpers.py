"""Helpers for tests that run one suite on a small table."""
from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

from dqengine import metrics_schema as ms
from dqengine.checks import parse_suite
from dqengine.results import ConstraintResult
from dqengine.spark.runner import run_suite


def suite_text(path: str, constraints: str, severity: str = "error", where: str | None = None) -> str:
    body = textwrap.indent(textwrap.dedent(constraints).strip("\n"), " " * 6)
    filt = f"\n  where: \"{where}\"" if where else ""
    return f"suite: t\ndataset:\n  path: '{path}'{filt}\nchecks:\n  - name: c\n    severity: {severity}\n    constraints:\n{body}\n"


def run_constraints(spark, path: str, constraints: str, tmp_path, **kw) -> list[ConstraintResult]:
    """Run constraints (YAML list items) on the Delta table at ``path``; return their results."""
    suite = parse_suite(suite_text(path, constraints), str(tmp_path / "suite.yml"))
    run = run_suite(spark, suite, metrics=str(tmp_path / "metrics"), record=kw.pop("record", False), **kw)
    return list(run.constraints)


def read_view(spark, metrics: str, table: str):
    """One of the three tables of a path location, read straight from dq_records (not via the engine)."""
    return spark.read.format("delta").load(f"{metrics}/{ms.RECORDS}") \
        .where(f"record = '{ms.KIND[table]}'").select(*ms.column_names(table))


def no_java_env() -> dict[str, str]:
    """The environment of a real `dqengine` process that cannot start a JVM (java off the PATH,
    JAVA_HOME nowhere): a command that would start Spark fails at once. PYTHONPATH: this
    checkout's dqengine, whichever checkout the shared .venv's editable install names."""
    java = shutil.which("java")
    hidden = {os.path.dirname(os.path.realpath(java)), os.path.dirname(java)} if java else set()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_", "SPARK_", "PYTEST_"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p not in hidden)
    env["JAVA_HOME"] = "/nonexistent"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    env.pop("DQENGINE_GATE_SPARK", None)
    return env
