"""GX lean: suite P's 12 rules as Great Expectations 1.24 expectations, timed in its own process.

    .venv-gx/bin/python bench/gx/gx_lean.py --data bench_data/sensor_readings-1000000 --runs 5 --json out.json

Runs in ``.venv-gx`` (bench/gx/setup_gx.sh), never in the project's venv. "Lean" is GX at its
cheapest: an ephemeral context, a Spark data source with ``persist=False`` (GX would otherwise
cache the DataFrame, a cost no other contender pays), one whole-DataFrame batch and
``result_format`` ``BOOLEAN_ONLY``. The session is local[2] with the Delta jars dqengine resolved
(``.ivy2/dqengine-jars-spark-3.5.txt``), UI off, the same shuffle partitions as the other
contenders. One warm-up, then ``--runs`` timed validations (reading the Delta version included,
Spark start-up excluded); writes the verdicts, in P.yml's order, and the times as JSON, for
bench/bench_suites.py to hold against dqengine's verdicts.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def expectations(gx) -> list:
    """P.yml's 12 rules, in its order (bench_suites.py checks the verdicts against dqengine's)."""
    E = gx.expectations
    return [
        E.ExpectTableRowCountToBeBetween(min_value=1),                                   # row_count > 0
        E.ExpectColumnValuesToNotBeNull(column="reading_id"),                            # is_complete
        E.ExpectColumnValuesToBeUnique(column="reading_id"),                             # is_unique
        E.ExpectColumnValuesToNotBeNull(column="sensor_id"),                             # is_complete
        E.ExpectColumnValuesToNotBeNull(column="temperature", mostly=0.98),              # completeness
        E.ExpectColumnValuesToNotBeNull(column="pressure", mostly=0.99),                 # completeness
        E.ExpectColumnValuesToBeBetween(column="temperature", min_value=-50, max_value=1500),
        E.ExpectColumnValuesToBeBetween(column="pressure", min_value=0),                 # non_negative
        E.ExpectColumnValuesToBeInSet(column="status", value_set=["OK", "WARN", "FAIL"]),
        E.ExpectColumnValuesToMatchRegex(column="batch_code", regex=r"^[A-Z]{2}-\d{6}$"),
        E.ExpectColumnMeanToBeBetween(column="temperature", min_value=0, max_value=1000),
        # GX has no approximate distinct count: the exact one is its nearest expectation
        E.ExpectColumnUniqueValueCountToBeBetween(column="sensor_id", min_value=1000, max_value=3000),
    ]


def session(shuffle_partitions: int, driver_memory: str):
    from pyspark.sql import SparkSession

    manifest = REPO / ".ivy2" / "dqengine-jars-spark-3.5.txt"
    jars = [line.strip() for line in manifest.read_text().splitlines() if line.strip()]
    spark = (SparkSession.builder.appName("dqengine-bench-gx").master("local[2]")
             .config("spark.jars", ",".join(jars))
             .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
             .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.memory", driver_memory)
             .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--version", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()

    import great_expectations as gx

    spark = session(args.shuffle_partitions, args.driver_memory)
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_spark(name="bench", persist=False)
    batch_definition = source.add_dataframe_asset(name="readings").add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name="bench_p", expectations=expectations(gx)))

    def validate() -> list[bool]:
        df = spark.read.format("delta").option("versionAsOf", args.version).load(str(Path(args.data).resolve()))
        batch = batch_definition.get_batch(batch_parameters={"dataframe": df})
        result = batch.validate(suite, result_format="BOOLEAN_ONLY")
        by_id = {r.expectation_config.id: r.success for r in result.results}
        return [bool(by_id[e.id]) for e in suite.expectations]

    verdicts = validate()  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        again = validate()
        times.append(time.perf_counter() - start)
        if again != verdicts:
            raise SystemExit(f"GX gave different verdicts in a timed run: {again} != {verdicts}")
    args.json.write_text(json.dumps({"contender": "GX lean", "verdicts": verdicts,
                                     "runs_s": [round(t, 3) for t in times],
                                     "median_s": round(statistics.median(times), 3),
                                     "great_expectations": gx.__version__, "pyspark": spark.version}, indent=2))
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
