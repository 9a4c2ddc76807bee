"""``make demo``: a sample sensor-readings Delta table, the shipped suite, and the gate at work.

1. Writes version 0 of ``demo_data/sensor_readings`` with the defects plants really produce:
   a re-ingested batch (duplicate reading ids), dropped temperature samples, a 9999 sentinel,
   negative absolute pressure, an unknown status code, a malformed sensor id, a sensor frozen for
   12 samples and a 5-minute logger outage.
2. Runs ``conf/sensor_readings.yml`` on it: the error-severity checks fail; the gate blocks.
3. Commits a repaired version 1, runs the suite again: it passes; the gate certifies version 1
   and the "training job" reads exactly that version.
"""
from __future__ import annotations

import argparse
import math
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence

__all__ = ["SCHEMA", "sample_rows", "write_sample_table", "main"]

SCHEMA = ("reading_id BIGINT, plant STRING, line STRING, sensor_id STRING, heat_id BIGINT, ts TIMESTAMP, "
          "temperature DOUBLE, pressure DOUBLE, unit STRING, status STRING")


def sample_rows(defects: bool, heats: int = 12, sensors: int = 5, samples: int = 40,
                seed: int = 7) -> list[tuple]:
    """Readings of the vacuum stage: per heat, each sensor samples every 30 s."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    rows = []
    reading_id = 0
    for heat in range(heats):
        heat_start = start + timedelta(hours=8 * heat)
        plant = "P1" if heat % 6 else "P2"  # one heat in six from the other plant (filtered out)
        for s in range(1, sensors + 1):
            for k in range(samples):
                reading_id += 1
                t = heat_start + timedelta(seconds=30 * k)
                temperature = 1480 + 40 * math.sin(k / 7) + rng.gauss(0, 4)
                pressure = max(0.2, 900 * math.exp(-k / 6) + rng.gauss(1.0, 0.2))  # pumping down, mbar
                status = rng.choices(["OK", "WARN", "FAIL"], [0.95, 0.04, 0.01])[0]
                rows.append([reading_id, plant, "L1", f"S-{s:03d}", 1000 + heat, t,
                             round(temperature, 2), round(pressure, 3), "mbar", status])
    if defects:
        p1 = [r for r in rows if r[1] == "P1"]
        for r in rng.sample(p1, k=len(p1) // 25):  # 4 % of samples lost by the logger
            r[6] = None
        p1[10][6] = 9999.0  # the historian's sentinel for "no value"
        p1[20][7] = -3.5  # absolute pressure cannot be negative
        p1[30][9] = "BAD"  # a status code the model has never seen
        p1[40][3] = "S-7"  # mistyped sensor id from a manual entry
        rows.extend([list(r) for r in p1[100:110]])  # a re-ingested batch: same reading ids
        frozen = [r for r in p1 if r[3] == "S-002" and r[4] == 1001][8:20]
        for r in frozen:  # a sensor frozen at its last value for 12 samples (6 minutes)
            r[6] = frozen[0][6] if frozen[0][6] is not None else 1500.0
        outage = {r[0] for r in [r for r in p1 if r[3] == "S-003" and r[4] == 1002][20:30]}
        rows = [r for r in rows if r[0] not in outage]  # the logger down for 5 minutes
    return [tuple(r) for r in rows]


def write_sample_table(spark, path: str, defects: bool, mode: str = "overwrite") -> int:
    """Write the sample as a Delta commit; returns the new version."""
    from delta.tables import DeltaTable

    df = spark.createDataFrame(sample_rows(defects), SCHEMA)
    df.write.format("delta").mode(mode).option("overwriteSchema", "true").save(path)
    return int(DeltaTable.forPath(spark, path).history(1).select("version").head()[0])


def _banner(text: str) -> None:
    print(f"\n=== {text} " + "=" * max(0, 70 - len(text)), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqengine.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="conf/sensor_readings.yml")
    parser.add_argument("--data", default="demo_data/sensor_readings",
                        help="where to write the sample table (must match the suite's dataset.path)")
    parser.add_argument("--metrics", default="demo_data/dq_metrics")
    args = parser.parse_args(argv)

    from dqengine.checks import load_suite
    from dqengine.errors import GateBlocked
    from dqengine.report import format_run
    from dqengine.spark.gate import certified_version, read_certified_version
    from dqengine.spark.runner import run_suite
    from dqengine.spark.session import get_spark
    from dqengine.spark.store import register_views

    suite = load_suite(args.suite)
    for stale in (args.data, args.metrics):
        shutil.rmtree(stale, ignore_errors=True)
    spark = get_spark("dqengine-demo")
    spark.sparkContext.setLogLevel("ERROR")
    Path(args.data).parent.mkdir(parents=True, exist_ok=True)

    _banner("1. the historian delivers a defective batch")
    v0 = write_sample_table(spark, args.data, defects=True)
    print(f"wrote {args.data} version {v0}")
    run0 = run_suite(spark, suite, metrics=args.metrics)
    print(format_run(run0))

    _banner("2. the training job asks the gate")
    try:
        certified_version(spark, suite, metrics=args.metrics)
        print("gate: certified?! (unexpected)")
        return 1
    except GateBlocked as exc:
        print(f"gate: BLOCKED: {exc}")

    _banner("3. the data engineers repair the table (new Delta version)")
    v1 = write_sample_table(spark, args.data, defects=False)
    print(f"wrote {args.data} version {v1}")
    run1 = run_suite(spark, suite, metrics=args.metrics)
    print(format_run(run1))

    _banner("4. the gate certifies the clean version; training reads exactly it")
    version, certified = read_certified_version(spark, suite, metrics=args.metrics)
    rows = certified.count()
    print(f"gate: certified version {version}; training reads {rows} rows with versionAsOf={version}")

    _banner("the metrics tables")
    register_views(spark, args.metrics)  # dq_runs, dq_check_results, dq_metrics as SQL views
    spark.sql("SELECT dataset_version, status, row_count, constraints_failed, message FROM dq_runs "
              "ORDER BY dataset_version").show(truncate=60)
    print(f"all of it is one Delta table, {Path(args.metrics).resolve()}/dq_records; in a session, "
          f"dqengine.spark.store.register_views(spark, '{args.metrics}') makes the three views")
    print("\nnext, no JVM needed on these local paths:\n"
          f"  .venv/bin/dqengine runs {args.suite} --metrics {args.metrics}\n"
          f"  .venv/bin/dqengine history {args.suite} --metrics {args.metrics}\n"
          f"  .venv/bin/dqengine report {args.suite} --metrics {args.metrics} --out reports")
    ok = (not run0.status.certifies) and run1.status.certifies and version == v1
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
