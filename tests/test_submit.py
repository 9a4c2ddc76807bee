"""The jobs under a real spark-submit, with jars given by --jars as on an air-gapped site.

No Maven resolution happens here: the driver gets exactly the jar files, as a site without
internet would pass them. The exit codes must come through spark-submit unchanged, so a
scheduler can chain run -> gate -> train.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dqengine.spark.jars import resolved_jars

pytestmark = pytest.mark.multiprocess  # starts more JVMs: `make test-quick` leaves it out

REPO = Path(__file__).resolve().parent.parent


def _spark_submit() -> str:
    import pyspark

    return str(Path(pyspark.__file__).parent / "bin" / "spark-submit")


@pytest.fixture(scope="module")
def jars():
    found = resolved_jars(os.environ["DQENGINE_IVY_DIR"])
    names = " ".join(Path(j).name for j in found)
    assert "deequ" in names and "delta-spark" in names, f"jars not resolved: {found}"
    return ",".join(found)


def _submit(jars: str, job: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_", "SPARK_"))}
    env["DQENGINE_IVY_DIR"] = "/nonexistent/no-resolution-here"
    env["PYSPARK_PYTHON"] = sys.executable
    env["PYSPARK_DRIVER_PYTHON"] = sys.executable
    command = [
        _spark_submit(), "--master", "local[1]", "--jars", jars,
        "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=1",
        str(REPO / "jobs" / job), *args,
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_run_and_gate_jobs_with_jars_chain_like_a_scheduler(spark, delta_table, write_suite, tmp_path, jars):
    bad = delta_table([(1, "OK"), (1, "OK")], "id BIGINT, status STRING", name="t")  # version 0: dup
    suite = write_suite(f"""
        suite: submit
        dataset: {{path: '{bad}'}}
        checks:
          - name: keys
            constraints:
              - is_unique: id
    """)
    metrics = str(tmp_path / "metrics")

    failed = _submit(jars, "run_suite.py", str(suite), "--metrics", metrics)
    assert failed.returncode == 1, failed.stderr[-2000:]
    assert "FAILED" in failed.stdout
    gate = _submit(jars, "gate.py", str(suite), "--metrics", metrics)
    # spark-submit merges the Python job's stderr into its stdout
    assert gate.returncode == 1 and "gate: BLOCKED" in gate.stdout and "failed: run" in gate.stdout

    delta_table([(1, "OK"), (2, "OK")], "id BIGINT, status STRING", name="t")  # version 1: clean
    passed = _submit(jars, "run_suite.py", str(suite), "--metrics", metrics)
    assert passed.returncode == 0, passed.stderr[-2000:]
    gate = _submit(jars, "gate.py", str(suite), "--metrics", metrics)
    assert gate.returncode == 0 and gate.stdout.strip().splitlines()[-1] == "1"
