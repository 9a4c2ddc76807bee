"""Faults: a run killed mid-write, concurrent writers, data changing under a run."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from helpers import read_view

from dqengine import metrics_schema as ms
from dqengine.checks import load_suite, parse_suite
from dqengine.results import RunStatus
from dqengine.spark import runner as runner_module
from dqengine.spark.gate import decide
from dqengine.spark.runner import run_suite

pytestmark = pytest.mark.multiprocess  # starts more JVMs: `make test-quick` leaves it out

SCHEMA = "id BIGINT, v DOUBLE"
ROWS = [(1, 1.0), (2, 2.0), (3, 3.0)]

# A child process that runs the suite and SIGKILLs its whole process group (Python driver, JVM,
# Python workers: a node dying) at a chosen point. The kill is injected from outside, by wrapping
# pyspark and MetricsStore methods, so the engine has no test hooks.
KILLER = textwrap.dedent("""
    import os, signal, sys, threading, time
    from pathlib import Path
    from pyspark.sql import DataFrame, SparkSession
    from dqengine import metrics_schema as ms
    from dqengine.checks import load_suite
    from dqengine.spark import store
    from dqengine.spark.runner import run_suite
    from dqengine.spark.session import get_spark

    suite_path, metrics, point = sys.argv[1:4]

    def die():
        os.killpg(0, signal.SIGKILL)

    if point == "before-write":
        store.MetricsStore.write = lambda self, run, **options: die()
    elif point == "after-commit":
        original = SparkSession.sql
        def sql(self, text, *a, **k):
            result = original(self, text, *a, **k)
            if text.startswith("INSERT INTO"):
                die()
            return result
        SparkSession.sql = sql
    else:  # "mid-write": the run's data files are on disk, the Delta commit has not happened
        records = Path(metrics) / ms.RECORDS
        before = set(records.rglob("*.parquet"))
        original = SparkSession.createDataFrame
        def create(self, data, schema=None, *a, **k):
            if schema != ms.stored_schema_string():
                return original(self, data, schema, *a, **k)
            rows = list(data)
            # task 0 writes the rows; task 1 never ends, so the write job never reaches its commit
            rdd = self.sparkContext.parallelize([0, 1], 2).flatMap(
                lambda i: rows if i == 0 else (time.sleep(3600) or []))
            df = original(self, rdd, schema)
            df.coalesce = lambda n: df  # keep the two tasks apart
            def watch():
                while not set(records.rglob("*.parquet")) - before:
                    time.sleep(0.01)
                time.sleep(0.5)  # let task 0 finish its files
                die()
            threading.Thread(target=watch, daemon=True).start()
            return df
        SparkSession.createDataFrame = create
    spark = get_spark("killer", extra_conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "1"})
    run_suite(spark, load_suite(suite_path), metrics=metrics, run_id="killed")
    print("not killed")
""")


def _count(spark, metrics: str, table: str, run_id: str | None = None) -> int:
    if not (Path(metrics) / ms.RECORDS / "_delta_log").is_dir():
        return 0
    df = read_view(spark, metrics, table)
    return df.where(df.run_id == run_id).count() if run_id else df.count()


@pytest.fixture
def suite_on_table(delta_table, write_suite):
    path = delta_table(ROWS, SCHEMA, name="t")
    return write_suite(f"""
        suite: faults
        dataset: {{path: '{path}'}}
        checks:
          - name: c
            constraints:
              - is_unique: id
              - min: {{column: v, must_be: 1}}
    """)


@pytest.mark.parametrize("point", ["before-write", "mid-write", "after-commit"])
def test_sigkill_leaves_the_whole_run_or_nothing(spark, suite_on_table, tmp_path, point):
    metrics = str(tmp_path / "metrics")
    earlier = run_suite(spark, load_suite(suite_on_table), metrics=metrics, run_id="earlier")
    whole = {table: _count(spark, metrics, table, "earlier") for table in ms.TABLES}
    assert whole == {ms.RUNS: 1, ms.CHECK_RESULTS: 2, ms.METRICS: len(earlier.metrics),
                     ms.SCORES: len(list(earlier.scores))}  # each dimension present and the overall
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    files_before = set((Path(metrics) / ms.RECORDS).rglob("*.parquet"))
    child = subprocess.run([sys.executable, str(script), str(suite_on_table), metrics, point],
                           capture_output=True, text=True, timeout=300, env=dict(os.environ),
                           start_new_session=True)
    assert child.returncode == -9, child.stderr[-2000:]
    assert "not killed" not in child.stdout

    killed = {table: _count(spark, metrics, table, "killed") for table in ms.TABLES}
    if point == "after-commit":
        assert killed == whole  # the commit happened: the whole run is there
    else:
        assert killed == {table: 0 for table in ms.TABLES}  # nothing of it
    if point == "mid-write":  # the kill did land inside the write: files written, never committed
        written = set((Path(metrics) / ms.RECORDS).rglob("*.parquet")) - files_before
        committed = {Path(unquote(urlparse(f).path)) for f in
                     spark.read.format("delta").load(f"{metrics}/{ms.RECORDS}").inputFiles()}
        assert written and not written & committed
    decision = decide(spark, load_suite(suite_on_table), metrics=metrics)
    assert decision.certified and decision.run_id == ("killed" if point == "after-commit" else "earlier")

    run_suite(spark, load_suite(suite_on_table), metrics=metrics, run_id="next")  # the next run works
    assert {table: _count(spark, metrics, table, "next") for table in ms.TABLES} == whole
    assert decide(spark, load_suite(suite_on_table), metrics=metrics).run_id == "next"


def test_a_failed_write_records_nothing(spark, suite_on_table, tmp_path, monkeypatch):
    from pyspark.sql import SparkSession

    from dqengine.errors import MetricsStoreError

    metrics = str(tmp_path / "metrics")
    original = SparkSession.sql

    def failing(self, text, *a, **k):
        if text.startswith("INSERT INTO"):
            raise RuntimeError("disk full")
        return original(self, text, *a, **k)

    monkeypatch.setattr(SparkSession, "sql", failing)
    with pytest.raises(MetricsStoreError, match="cannot write .*dq_records.*disk full; run half was not recorded"):
        run_suite(spark, load_suite(suite_on_table), metrics=metrics, run_id="half")
    monkeypatch.setattr(SparkSession, "sql", original)
    for table in ms.TABLES:
        assert _count(spark, metrics, table, "half") == 0, table


def test_four_concurrent_runs_all_land(spark, delta_table, tmp_path):
    path = delta_table(ROWS, SCHEMA, name="shared")
    metrics = str(tmp_path / "metrics")
    suites = [
        parse_suite(f"suite: s{i}\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                    f"      - row_count: {{must_be: 3}}\n      - max: {{column: v, must_be_at_most: {i}}}\n",
                    f"s{i}.yml")
        for i in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda s: run_suite(spark, s, metrics=metrics, run_id=f"run-{s.name}"), suites))
    assert [r.status for r in runs] == [RunStatus.FAILED, RunStatus.FAILED, RunStatus.FAILED, RunStatus.PASSED]
    df = read_view(spark, metrics, ms.RUNS)
    assert sorted((r.run_id, r.suite, r.status) for r in df.collect()) == [
        ("run-s0", "s0", "FAILED"), ("run-s1", "s1", "FAILED"), ("run-s2", "s2", "FAILED"), ("run-s3", "s3", "PASSED")]
    results = read_view(spark, metrics, ms.CHECK_RESULTS)
    assert sorted((r.run_id, r.constraint, r.status) for r in results.collect()) == sorted(
        [(f"run-s{i}", "row_count", "PASSED") for i in range(4)]
        + [(f"run-s{i}", "max", "PASSED" if i == 3 else "FAILED") for i in range(4)])
    metrics_df = read_view(spark, metrics, ms.METRICS)
    per_run = {r.run_id: r["count"] for r in metrics_df.groupBy("run_id").count().collect()}
    assert per_run == {f"run-s{i}": 2 for i in range(4)}  # Size and Maximum


def test_a_commit_during_the_run_does_not_change_the_pinned_version(spark, delta_table, write_suite,
                                                                     tmp_path, monkeypatch):
    path = delta_table(ROWS, SCHEMA, name="moving")
    suite = load_suite(write_suite(f"""
        suite: moving
        dataset: {{path: '{path}'}}
        checks:
          - name: c
            constraints:
              - row_count: {{must_be: 3}}
    """))
    original = runner_module.compute_plan

    def commit_then_compute(df, plan, **options):
        delta_table([(9, 9.0)], SCHEMA, name="moving", mode="append")  # version 1 lands mid-run
        return original(df, plan, **options)

    monkeypatch.setattr(runner_module, "compute_plan", commit_then_compute)
    run = run_suite(spark, suite, metrics=str(tmp_path / "m"))
    assert run.dataset_version == 0 and run.row_count == 3 and run.status is RunStatus.PASSED


def test_schema_change_between_runs_errors_only_the_affected_constraints(spark, delta_table, write_suite, tmp_path):
    path = delta_table([(1, 1.0, "a"), (2, 2.0, "b")], "id BIGINT, v DOUBLE, s STRING", name="drift")
    suite = load_suite(write_suite(f"""
        suite: drift
        dataset: {{path: '{path}'}}
        checks:
          - name: c
            constraints:
              - is_unique: id
              - mean: {{column: v, must_be_at_least: 0}}
              - is_complete: s
              - satisfies: {{expression: "s <> 'x'"}}
    """))
    metrics = str(tmp_path / "m")
    assert run_suite(spark, suite, metrics=metrics).status is RunStatus.PASSED
    # version 1: `s` dropped, `v` retyped to string
    delta_table([(1, "1.0"), (2, "2.0")], "id BIGINT, v STRING", name="drift")
    run = run_suite(spark, suite, metrics=metrics)
    assert run.dataset_version == 1 and run.status is RunStatus.FAILED
    by_name = {r.constraint: r for r in run.constraints}
    assert by_name["is_unique"].status.value == "PASSED"
    assert by_name["mean"].status.value == "ERROR"  # found in preflight, not by Deequ failing the scan
    assert by_name["mean"].message.startswith("schema changed: column 'v' is string, but mean needs a numeric column")
    assert by_name["is_complete"].status.value == "ERROR"
    assert by_name["is_complete"].message.startswith("schema changed: column 's' not found in")
    assert by_name["satisfies"].status.value == "ERROR" and "schema changed" in by_name["satisfies"].message
    recorded = read_view(spark, metrics, ms.CHECK_RESULTS).where("dataset_version = 1")
    assert sorted(r.status for r in recorded.collect()) == ["ERROR", "ERROR", "ERROR", "PASSED"]
