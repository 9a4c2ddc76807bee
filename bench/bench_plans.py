"""Benchmark: the planning choices of ``dqengine.planner``, each against its alternatives.

    .venv/bin/python bench/bench_plans.py --rows 2000000 --repeats 5

On a generated sensor table (``reading_id`` a unique long, ``sensor_id`` ~2000 values,
``temperature`` 1% null, ``pressure`` 0.5% null, ``status``, ``batch_code``, ``ts``), times the
contenders of each case interleaved in one Spark session (one round runs every contender once, in
a rotated order; one warm-up round is not counted) and reports the median of the rounds and its
ratio to the case's first contender, with the Spark jobs each started. Only the metrics are
computed: nothing is recorded. Results go to ``bench/results/plans-<time>.json``.

Cases:

* ``rules12`` — the 12-rule suite of issue #10: the floor (one aggregation reading the six
  columns), Deequ's analysis of everything at once (what the engine did before passes, and what
  plain pydeequ does), the engine's passes, and two plain-Spark peers written by hand (one
  aggregation, then uniqueness by a groupBy or by a window count).
* ``no_grouping`` — the same without ``is_unique``: the floor, Deequ at once, the passes.
* ``unique_key`` — exact uniqueness of ``reading_id`` (one row per value): Deequ's runner (a count,
  then a groupBy), the groupBy with the row count known, a window count, and Spark's bitmaps per
  bucket of values (``bitmap_counts``: the key is a dense long).
* ``low_card`` — uniqueness and distinct count of ``sensor_id`` (~2000 values), the same three.
* ``grouping_sets`` — three grouping sets: Deequ's runner with all of them in one run, one run
  per set, the engine's grouping passes (row counts from the scan pass, included in its time).
* ``many_sets`` — counts of five column sets: a groupBy per set (the row counts known), or one
  aggregation over Spark's GROUPING SETS (``grouping_set_counts``).
* ``sketch_hll`` / ``sketch_quantile`` — the scan with HyperLogLog (or a quantile) in it, against
  the scan without it plus a pass of its own; ``sketch_hll_wide`` the same with the ~45 analyzers
  of mixed60's scan.
* ``mixed60`` (on ``--small-rows``) — 60 mixed constraints: Deequ at once, the engine's passes,
  and naive (one Deequ analysis, so at least one Spark action, per constraint).

Not a test: timings depend on the machine and its load; compare ratios within one run.
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
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RULES12 = r"""
suite: rules12
dataset: {path: PATH}
checks:
  - name: c
    constraints:
      - row_count: {must_be_greater_than: 0}
      - is_complete: reading_id
      - is_unique: reading_id
      - is_complete: sensor_id
      - completeness: {column: temperature, must_be_at_least: 0.98}
      - completeness: {column: pressure, must_be_at_least: 0.99}
      - between: {column: temperature, min: -50, max: 1500}
      - non_negative: pressure
      - allowed_values: {column: status, values: [OK, WARN, FAIL]}
      - pattern: {column: batch_code, regex: '^[A-Z]{2}-\d{6}$'}
      - mean: {column: temperature, must_be_between: [0, 1000]}
      - approx_distinct_count: {column: sensor_id, must_be_between: [1000, 3000]}
"""

MIXED60 = r"""
suite: mixed60
dataset: {path: PATH}
checks:
  - name: c
    constraints:
      - row_count: {must_be_greater_than: 0}
      - column_count: {must_be: 7}
      - columns_exist: [reading_id, sensor_id, ts]
      - is_primary_key: [reading_id]
      - is_unique: reading_id
      - uniqueness: {columns: [sensor_id, ts], must_be_at_least: 0.99}
      - distinct_count: {column: sensor_id, must_be_between: [1000, 3000]}
      - distinctness: {column: status, must_be_at_most: 0.01}
      - entropy: {column: status, must_be_greater_than: 0}
      - approx_distinct_count: {column: sensor_id, must_be_at_least: 1000}
      - approx_distinct_count: {column: batch_code, must_be_at_least: 10}
      - is_complete: sensor_id
      - is_complete: ts
      - is_complete: status
      - is_complete: batch_code
      - completeness: {column: temperature, must_be_at_least: 0.98}
      - completeness: {column: pressure, must_be_at_least: 0.99}
      - between: {column: temperature, min: -50, max: 1500}
      - between: {column: pressure, min: 0, max: 100}
      - non_negative: pressure
      - positive: {column: temperature, min_fraction: 0.9}
      - no_nan: temperature
      - no_nan: pressure
      - allowed_values: {column: status, values: [OK, WARN, FAIL]}
      - pattern: {column: batch_code, regex: '^[A-Z]{2}-\d{6}$'}
      - pattern: {column: sensor_id, regex: '^S-\d{4}$'}
      - min_length: {column: batch_code, must_be: 9}
      - max_length: {column: batch_code, must_be: 9}
      - min_length: {column: sensor_id, must_be_at_least: 6}
      - max_length: {column: sensor_id, must_be_at_most: 6}
      - min: {column: temperature, must_be_at_least: -50}
      - max: {column: temperature, must_be_at_most: 1500}
      - min: {column: pressure, must_be_at_least: 0}
      - max: {column: pressure, must_be_at_most: 100}
      - min: {column: ts, must_be_at_least: 0}
      - max: {column: ts, must_be_at_most: 4000000000}
      - mean: {column: temperature, must_be_between: [0, 1000]}
      - mean: {column: pressure, must_be_between: [0, 100]}
      - sum: {column: pressure, must_be_at_least: 0}
      - stddev: {column: temperature, must_be_greater_than: 0}
      - stddev: {column: pressure, must_be_greater_than: 0}
      - quantile: {column: temperature, quantile: 0.5, must_be_between: [0, 1000]}
      - quantile: {column: pressure, quantile: 0.99, must_be_at_most: 100}
      - correlation: {columns: [temperature, pressure], must_be_less_than: 0.95}
      - data_type: {column: batch_code, type: string}
      - satisfies: {expression: "pressure IS NULL OR temperature IS NULL OR pressure < temperature + 100", label: p_vs_t}
      - satisfies: {expression: "status <> 'FAIL' OR temperature IS NOT NULL", label: fail_has_temperature}
      - satisfies: {expression: "reading_id >= 0", label: id_positive}
      - between: {column: reading_id, min: 0, max: 1000000000000}
      - non_negative: reading_id
      - completeness: {column: reading_id, must_be: 1}
      - completeness: {column: ts, must_be: 1}
      - max: {column: reading_id, must_be_at_least: 0}
      - min: {column: reading_id, must_be_at_least: 0}
      - mean: {column: reading_id, must_be_at_least: 0}
      - sum: {column: temperature, must_be_at_least: 0}
      - allowed_values: {column: sensor_id, values: [S-0000, S-0001, S-0002], min_fraction: 0.001}
      - pattern: {column: status, regex: '^[A-Z]+$'}
      - min_length: {column: status, must_be_at_least: 2}
      - max_length: {column: status, must_be_at_most: 4}
"""


def _table(spark, path: Path, rows: int) -> None:
    from pyspark.sql import functions as F

    if (path / "_delta_log").exists():
        return
    (spark.range(rows).select(
        F.col("id").alias("reading_id"),
        F.format_string("S-%04d", F.pmod(F.hash(F.col("id")), F.lit(2000))).alias("sensor_id"),
        F.timestamp_seconds(F.lit(1_700_000_000) + F.col("id")).alias("ts"),
        F.when(F.rand(1) < 0.01, None).otherwise(20 + F.rand(2) * 800).alias("temperature"),
        F.when(F.rand(3) < 0.005, None).otherwise(F.rand(4) * 50).alias("pressure"),
        F.element_at(F.array(F.lit("OK"), F.lit("WARN"), F.lit("FAIL")),
                     (F.col("id") % 3 + 1).cast("int")).alias("status"),
        F.format_string("%s-%06d", F.element_at(F.array(F.lit("AB"), F.lit("CD")), (F.col("id") % 2 + 1).cast("int")),
                        F.col("id") % 1_000_000).alias("batch_code"),
    ).write.format("delta").save(str(path)))


class Bench:
    def __init__(self, spark, repeats: int):
        self.spark, self.repeats = spark, repeats
        self.tracker = spark.sparkContext.statusTracker()
        self.results: dict[str, dict] = {}
        self._group = 0

    def _once(self, fn: Callable[[], object]) -> tuple[float, int]:
        self._group += 1
        group = f"bench-{self._group}"
        self.spark.sparkContext.setJobGroup(group, group)
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        return elapsed, len(self.tracker.getJobIdsForGroup(group))

    def case(self, name: str, contenders: dict[str, Callable[[], object]], note: str = "") -> None:
        names = list(contenders)
        times: dict[str, list[float]] = {n: [] for n in names}
        jobs: dict[str, int] = {}
        print(f"[{name}] warm-up", flush=True)
        for n in names:
            self._once(contenders[n])
        for r in range(self.repeats):
            order = names[r % len(names):] + names[:r % len(names)]  # rotate: ABC, BCA, CAB, ...
            for n in order:
                elapsed, count = self._once(contenders[n])
                times[n].append(elapsed)
                jobs[n] = count
        base = statistics.median(times[names[0]])
        entry = {"note": note, "contenders": {}}
        for n in names:
            median = statistics.median(times[n])
            entry["contenders"][n] = {"median_s": round(median, 3), "ratio_to_first": round(median / base, 3),
                                      "spark_jobs": jobs[n], "times_s": [round(t, 3) for t in times[n]]}
            print(f"[{name}] {n:28s} median {median:7.2f} s  x{median / base:5.2f}  jobs {jobs[n]:3d}  "
                  f"{' '.join(f'{t:.2f}' for t in times[n])}", flush=True)
        self.results[name] = entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", default="rules12,no_grouping,unique_key,low_card,grouping_sets,many_sets,sketch_hll,"
                                           "sketch_hll_wide,sketch_quantile,mixed60")
    parser.add_argument("--data", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "dqbench-plans"))
    parser.add_argument("--shuffle-partitions", default="4")
    args = parser.parse_args()
    os.environ.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))
    cases = set(args.cases.split(","))

    from pyspark.sql import functions as F

    from dqengine.checks import parse_suite
    from dqengine.checks.base import AnalyzerSpec
    from dqengine.planner import FREQUENCIES, GROUPING, GROUPING_SETS, WINDOW_COUNT, Pass, plan_suite
    from dqengine.spark.deequ import compute_metrics
    from dqengine.spark.providers import GroupingProvider, bitmap_counts, compute_plan
    from dqengine.spark.session import get_spark

    spark = get_spark("dqengine-bench-plans", extra_conf={
        "spark.ui.enabled": "false", "spark.sql.shuffle.partitions": args.shuffle_partitions})
    spark.sparkContext.setLogLevel("ERROR")
    data = Path(args.data)
    big, small = data / f"sensor_{args.rows}", data / f"sensor_{args.small_rows}"
    _table(spark, big, args.rows)
    df = spark.read.format("delta").load(str(big))
    bench = Bench(spark, args.repeats)
    load_before = os.getloadavg()

    def planned(text: str, path: Path, frame):
        suite = parse_suite(text.replace("PATH", f"'{path}'"), "bench.yml")
        plan = plan_suite(suite, schema=dict(frame.dtypes))
        derived = frame
        for name, expression in plan.derived_columns:
            derived = derived.withColumn(name, F.expr(expression))
        return suite, plan, derived

    columns = ["reading_id", "sensor_id", "temperature", "pressure", "status", "batch_code"]

    def floor() -> object:
        return df.agg(*[F.count(c) for c in columns]).collect()

    def hand_fused(uniqueness: str) -> Callable[[], object]:
        """The 12 rules in plain Spark, no Deequ: one aggregation, then uniqueness apart."""
        def run() -> object:
            df.agg(F.count(F.lit(1)), *[F.count(c) for c in ("reading_id", "sensor_id", "temperature", "pressure")],
                   F.count(F.when(F.expr("temperature IS NULL OR temperature BETWEEN -50 AND 1500"), True)),
                   F.count(F.when(F.expr("pressure IS NULL OR pressure >= 0"), True)),
                   F.count(F.when(F.expr("status IS NULL OR status IN ('OK', 'WARN', 'FAIL')"), True)),
                   F.count(F.when(F.expr(r"batch_code IS NULL OR batch_code RLIKE '^[A-Z]{2}-\\d{6}$'"), True)),
                   F.avg("temperature"), F.approx_count_distinct("sensor_id")).collect()
            keys = df.select("reading_id").where("reading_id IS NOT NULL")
            if uniqueness == "groupby":
                keys.groupBy("reading_id").count().agg(F.count(F.when(F.col("count") == 1, True))).collect()
            else:
                from pyspark.sql import Window
                keys.select(F.count(F.lit(1)).over(Window.partitionBy("reading_id")).alias("n")) \
                    .agg(F.count(F.when(F.col("n") == 1, True))).collect()
        return run

    if "rules12" in cases:
        _, plan, frame = planned(RULES12, big, df)
        bench.case("rules12", {
            "floor_one_agg_6_columns": floor,
            "deequ_all_in_one": lambda: compute_metrics(frame, plan.analyzers),
            "passes": lambda: compute_plan(frame, plan),
            "hand_fused_agg_then_groupby": hand_fused("groupby"),
            "hand_fused_agg_then_window": hand_fused("window"),
        }, "12 rules of issue #10; metrics only, nothing recorded; hand_fused_* are plain Spark peers")
    if "no_grouping" in cases:
        _, plan11, frame11 = planned(RULES12.replace("      - is_unique: reading_id\n", ""), big, df)
        assert not [p for p in plan11.passes if p.provider == GROUPING]
        bench.case("no_grouping", {
            "floor_one_agg_6_columns": floor,
            "deequ_all_in_one": lambda: compute_metrics(frame11, plan11.analyzers),
            "passes": lambda: compute_plan(frame11, plan11),
        }, "the 12 rules without is_unique: no grouping, the scan and the HyperLogLog pass")

    grouping = GroupingProvider()

    def grouping_contenders(specs: tuple[AnalyzerSpec, ...], columns: tuple[str, ...], bitmaps: bool = False):
        freq = Pass(GROUPING, specs, columns, FREQUENCIES, grouping=columns)
        window = Pass(GROUPING, specs, columns, WINDOW_COUNT, grouping=columns)
        condition = " OR ".join(f"`{c}` IS NOT NULL" for c in columns)
        rows = df.where(condition).count()
        contenders = {
            "deequ_runner_count_and_groupby": lambda: compute_metrics(df, specs),
            "groupby_row_count_known": lambda: grouping._frequencies(df, freq, rows),
            "window_count": lambda: grouping._window_count(df, window),
        }
        if bitmaps:  # a dense integral key: its bounds come from the scan pass, not timed here
            contenders["bitmap_buckets"] = lambda: bitmap_counts(df, window)
        return contenders

    if "unique_key" in cases:
        specs = (AnalyzerSpec("Uniqueness", ("reading_id",)),)
        bench.case("unique_key", grouping_contenders(specs, ("reading_id",), bitmaps=True),
                   "exact Uniqueness of reading_id, one row per value")
        specs = (AnalyzerSpec("Uniqueness", ("reading_id",)), AnalyzerSpec("Distinctness", ("reading_id",)))
        bench.case("unique_key_with_distinctness", grouping_contenders(specs, ("reading_id",), bitmaps=True),
                   "Uniqueness and Distinctness of reading_id: the window also numbers the rows")
    if "low_card" in cases:
        specs = (AnalyzerSpec("Uniqueness", ("sensor_id",)), AnalyzerSpec("CountDistinct", ("sensor_id",)))
        bench.case("low_card", grouping_contenders(specs, ("sensor_id",)),
                   "Uniqueness and CountDistinct of sensor_id, ~2000 values")
    if "grouping_sets" in cases:
        sets = [AnalyzerSpec("CountDistinct", ("sensor_id",)), AnalyzerSpec("Entropy", ("status",)),
                AnalyzerSpec("Uniqueness", ("sensor_id", "status"))]
        text = ("suite: g\ndataset: {path: PATH}\nchecks:\n  - name: c\n    constraints:\n"
                "      - distinct_count: {column: sensor_id, must_be_at_least: 1}\n"
                "      - entropy: {column: status, must_be_at_least: 0}\n"
                "      - uniqueness: {columns: [sensor_id, status], must_be_at_most: 1}\n")
        _, gplan, _ = planned(text, big, df)
        bench.case("grouping_sets", {
            "deequ_one_run_all_sets": lambda: compute_metrics(df, [AnalyzerSpec("Size"), *sets]),
            "deequ_one_run_per_set": lambda: [compute_metrics(df, [AnalyzerSpec("Size")])]
            + [compute_metrics(df, [s]) for s in sets],
            "passes": lambda: compute_plan(df, gplan),
        }, "3 grouping sets plus the row count; passes = scan with the sets' row counts + a groupBy per set")

    if "many_sets" in cases:
        many = (("sensor_id",), ("status",), ("sensor_id", "status"), ("batch_code",), ("status", "ts"))
        many_specs = tuple(AnalyzerSpec(kind, c) for c in many for kind in ("Uniqueness", "CountDistinct"))
        set_rows = {c: df.where(" OR ".join(f"`{x}` IS NOT NULL" for x in c)).count() for c in many}
        stacked = Pass(GROUPING, many_specs, (), GROUPING_SETS, grouping_sets=many)
        bench.case("many_sets", {
            "groupby_per_set_row_count_known": lambda: [
                grouping._frequencies(df, Pass(GROUPING, tuple(s for s in many_specs if s.columns == c), c,
                                               FREQUENCIES, grouping=c), set_rows[c]) for c in many],
            "grouping_sets": lambda: grouping._grouping_sets(df, stacked),
        }, "Uniqueness and CountDistinct of 5 column sets (low and high cardinality, composite): a groupBy "
           "each, or one aggregation over GROUPING SETS")

    scan12 = None
    if cases & {"sketch_hll", "sketch_quantile"}:
        _, plan12, frame12 = planned(RULES12, big, df)
        scan12 = [s for s in plan12.analyzers if s.kind not in ("Uniqueness", "ApproxCountDistinct")]
    if "sketch_hll" in cases:
        hll = AnalyzerSpec("ApproxCountDistinct", ("sensor_id",))
        bench.case("sketch_hll", {
            "scan_with_hll": lambda: compute_metrics(frame12, [*scan12, hll]),
            "scan_then_hll_pass": lambda: (compute_metrics(frame12, scan12), compute_metrics(frame12, [hll])),
            "scan_alone": lambda: compute_metrics(frame12, scan12),
        }, "the 12-rule scan analyzers, with ApproxCountDistinct(sensor_id) in the scan or apart")
    if "sketch_hll_wide" in cases:
        _, plan60big, frame60big = planned(MIXED60, big, df)
        wide = [s for p in plan60big.passes if p.provider == "deequ_scan" and p.strategy == "fused" for s in p.specs]
        hll = AnalyzerSpec("ApproxCountDistinct", ("sensor_id",))
        bench.case("sketch_hll_wide", {
            "scan_with_hll": lambda: compute_metrics(frame60big, [*wide, hll]),
            "scan_then_hll_pass": lambda: (compute_metrics(frame60big, wide), compute_metrics(frame60big, [hll])),
        }, f"the fused scan of mixed60 ({len(wide)} analyzers) on the big table, HyperLogLog in it or apart")
    if "sketch_quantile" in cases:
        quantile = AnalyzerSpec("ApproxQuantile", ("temperature",), (("quantile", 0.5), ("relative_error", 0.01)))
        bench.case("sketch_quantile", {
            "scan_with_quantile": lambda: compute_metrics(frame12, [*scan12, quantile]),
            "scan_then_quantile_pass": lambda: (compute_metrics(frame12, scan12),
                                                compute_metrics(frame12, [quantile])),
        }, "the 12-rule scan analyzers, with ApproxQuantile(temperature) in the scan or apart")

    if "mixed60" in cases:
        _table(spark, small, args.small_rows)
        sdf = spark.read.format("delta").load(str(small))
        suite60, plan60, frame60 = planned(MIXED60, small, sdf)
        assert len(suite60.constraints) == 60, len(suite60.constraints)
        schema60 = dict(sdf.dtypes)
        per_constraint = [c.definition.analyzers_for(c.params, schema60) for c in suite60.constraints]
        bench.case("mixed60", {
            "deequ_all_in_one": lambda: compute_metrics(frame60, plan60.analyzers),
            "passes": lambda: compute_plan(frame60, plan60),
            "naive_one_analysis_per_constraint": lambda: [compute_metrics(frame60, specs)
                                                          for specs in per_constraint if specs],
        }, f"60 mixed constraints on {args.small_rows} rows")

    out = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "rows": args.rows, "small_rows": args.small_rows, "repeats": args.repeats,
        "method": "contenders interleaved in one session (rotated order per round), median of the rounds "
                  "after one warm-up round; metrics only, nothing recorded",
        "spark": spark.version, "master": spark.sparkContext.master,
        "shuffle_partitions": args.shuffle_partitions, "cpus": os.cpu_count(), "machine": platform.machine(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "cases": bench.results,
    }
    results = REPO / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    target = results / f"plans-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}.json"
    target.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
