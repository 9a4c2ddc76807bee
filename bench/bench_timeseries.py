"""Benchmark: what the time-series constraints of one key cost, and the plan of their windowed pass.

    .venv/bin/python bench/bench_timeseries.py --data bench_data/sensor_readings-20000000 [--runs 3]

On a table written by ``bench/generate.py`` (issue #11 asks for 20M rows):

1. the physical plan of the windowed pass that computes suite T's six time-series constraints on
   (``sensor_id``, ``ts``): its shuffles (``Exchange``) and sorts are counted, and the pass must
   have at most one of each (the constraints of one key share one window);
2. medians of timed runs (after a warm-up), each a dqengine run without recording
   (``record=False``): suite T whole, and T without its time-series check (the three scan
   checks); their difference is what the six time-series constraints cost. The floor (one
   aggregation reading the columns T needs) is timed beside them.

Writes ``bench/results/timeseries-<UTC time>.json``. Not a test: numbers depend on the machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from generate import bench_session  # noqa: E402

SUITE_T = REPO / "bench" / "suites" / "T.yml"


def _suites(path: str):
    from dqengine.checks import parse_suite

    document = yaml.safe_load(SUITE_T.read_text(encoding="utf-8"))
    document["dataset"]["path"] = path
    whole = parse_suite(yaml.safe_dump(document, sort_keys=False), str(SUITE_T))
    document["checks"] = [c for c in document["checks"] if c["name"] != "series"]
    scan_only = parse_suite(yaml.safe_dump(document, sort_keys=False), str(SUITE_T))
    return whole, scan_only


def windowed_plan(spark, suite, path: str, version: int) -> dict:
    from dqengine.planner import WINDOWED, plan_suite
    from dqengine.spark.providers import windowed_frame

    df = spark.read.format("delta").option("versionAsOf", version).load(path)
    plan = plan_suite(suite, schema=dict(df.dtypes))
    windowed = [p for p in plan.passes if p.provider == WINDOWED]
    physical = [windowed_frame(df, p)._jdf.queryExecution().executedPlan().toString() for p in windowed]
    return {"passes": [p.provider for p in plan.passes], "windowed_passes": len(windowed),
            "exchanges": [text.count("Exchange") for text in physical],
            "sorts": [text.count("Sort [") for text in physical], "physical": physical}


def _timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a table written by bench/generate.py")
    parser.add_argument("--version", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    path = str(Path(args.data).resolve())
    load_before = os.getloadavg()
    spark = bench_session("dqengine-bench-timeseries")
    from pyspark.sql import functions as F

    from dqengine.spark.runner import run_suite

    whole, scan_only = _suites(path)
    plan = windowed_plan(spark, whole, path, args.version)
    print(f"windowed passes: {plan['windowed_passes']}, exchanges {plan['exchanges']}, sorts {plan['sorts']}")
    rows = spark.read.format("delta").option("versionAsOf", args.version).load(path).count()

    def engine(suite):
        def run():
            result = run_suite(spark, suite, version=args.version, metrics=str(REPO / "bench_data" / "unused"),
                               record=False)
            failed = [r.label for r in result.constraints if r.status.value != "PASSED"]
            assert not failed, f"suite T must pass on the generated table: {failed}"
        return run

    columns = ["sensor_id", "ts", "temperature", "flow", "seq_no"]

    def floor():
        df = spark.read.format("delta").option("versionAsOf", args.version).load(path)
        df.agg(*[F.count(c) for c in columns], F.max("ts"), F.max("flow"), F.max("temperature"),
               F.max("seq_no")).collect()

    contenders = {"suite T": engine(whole), "T without its time-series check": engine(scan_only), "floor": floor}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for name, action in contenders.items():  # warm-up
        print(f"  warm-up {name}: {_timed(action):.2f} s", flush=True)
    for r in range(args.runs):
        for name, action in contenders.items():
            times[name].append(_timed(action))
        print(f"  round {r + 1}/{args.runs}: " + ", ".join(f"{n} {t[-1]:.2f}" for n, t in times.items()), flush=True)
    medians = {name: statistics.median(t) for name, t in times.items()}
    cost = medians["suite T"] - medians["T without its time-series check"]
    print(f"rows {rows:,}: " + ", ".join(f"{n} {m:.2f} s" for n, m in medians.items())
          + f"; the six time-series constraints cost {cost:.2f} s ({cost / medians['floor']:.2f}x the floor)")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"timeseries-{stamp}.json"
    target.write_text(json.dumps({
        "benchmark": "timeseries", "at": stamp, "label": args.label, "rows": rows, "version": args.version,
        "runs": args.runs, "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                       "load_average_before": load_before, "load_average_after": os.getloadavg()},
        "spark": spark.version, "plan": plan, "times": times, "medians": medians,
        "time_series_cost_s": cost}, indent=2), encoding="utf-8")
    print(f"written: {target}")
    return 0 if all(e <= 1 for e in plan["exchanges"]) and all(s <= 1 for s in plan["sorts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
