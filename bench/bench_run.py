"""Benchmark: one suite run on a generated sensor table, timed by phase, with Spark job counts.

    .venv/bin/python bench/bench_run.py --rows 1000000

Prints wall-clock seconds per phase (pin + preflight, metrics, recording) and how many Spark jobs
each phase started, which shows how close a run is to one scan. Not a test: numbers depend on the
machine. Speed targets belong here, never in the timed test suite.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's dqengine, not whichever one the venv points at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--suite", default=str(REPO / "conf" / "sensor_readings.yml"))
    args = parser.parse_args()
    os.environ.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))

    from pyspark.sql import functions as F

    from dqengine.checks import load_suite
    from dqengine.planner import plan_suite
    from dqengine.spark import runner
    from dqengine.spark.session import get_spark

    spark = get_spark("dqengine-bench", extra_conf={"spark.ui.enabled": "false",
                                                    "spark.sql.shuffle.partitions": "4"})
    spark.sparkContext.setLogLevel("ERROR")
    work = Path(tempfile.mkdtemp(prefix="dqbench-"))
    data = work / "sensor_readings"
    (spark.range(args.rows)
        .select(F.col("id").alias("reading_id"), F.lit("P1").alias("plant"), F.lit("L1").alias("line"),
                F.format_string("S-%03d", F.col("id") % 20).alias("sensor_id"), (F.col("id") / 2000).cast("long").alias("heat_id"),
                F.timestamp_seconds(F.col("id") * 30).alias("ts"),
                (1480 + F.rand(1) * 40).alias("temperature"), (F.rand(2) * 50).alias("pressure"),
                F.lit("mbar").alias("unit"), F.lit("OK").alias("status"))
        .write.format("delta").save(str(data)))
    suite = load_suite(args.suite)
    suite = type(suite)(**{**suite.__dict__, "dataset": suite.dataset.model_copy(update={"path": str(data)})})

    tracker = spark.sparkContext.statusTracker()
    timings: dict[str, float] = {}
    jobs: dict[str, int] = {}
    original_compute = runner.compute_plan

    def timed_compute(df, plan, **options):
        spark.sparkContext.setJobGroup("metrics", "metrics")
        start = time.perf_counter()
        try:
            return original_compute(df, plan, **options)
        finally:
            timings["metrics"] = time.perf_counter() - start
            jobs["metrics"] = len(tracker.getJobIdsForGroup("metrics"))
            spark.sparkContext.setJobGroup("record", "record")

    runner.compute_plan = timed_compute
    original_write = runner.MetricsStore.write

    def timed_write(self, run, **options):
        start = time.perf_counter()
        try:
            return original_write(self, run, **options)
        finally:
            timings["record"] = time.perf_counter() - start

    runner.MetricsStore.write = timed_write
    spark.sparkContext.setJobGroup("pin", "pin")
    start = time.perf_counter()
    run = runner.run_suite(spark, suite, metrics=str(work / "metrics"))
    total = time.perf_counter() - start
    jobs["pin+preflight"] = len(tracker.getJobIdsForGroup("pin"))
    jobs["record"] = len(tracker.getJobIdsForGroup("record"))
    analyzers = len(plan_suite(suite).analyzers)
    print(f"rows={args.rows} constraints={len(suite.constraints)} analyzers={analyzers} status={run.status.value}")
    other = total - timings["metrics"] - timings["record"]
    print(f"total={total:.1f}s metrics={timings['metrics']:.1f}s record={timings['record']:.1f}s "
          f"pin+preflight+history={other:.1f}s")
    print("spark jobs: " + ", ".join(f"{k}={v}" for k, v in jobs.items()))


if __name__ == "__main__":
    main()
