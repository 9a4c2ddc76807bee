"""Seeded generator of the industrial sensor table the benchmark suites run on, written as Delta.

    .venv/bin/python bench/generate.py --rows 1000000 [--out bench_data/sensor_readings-1000000] [--seed 7]

Three versions, so the suites can be timed on a plain table, after an append and after deletes:

* version 0: ``--rows`` readings (100K to 100M);
* version 1: an append of 1% more readings (the same shape, the same defect rates);
* version 2: ``DELETE`` of every reading of sensor ``S-0042`` (about 0.05% of the rows, spread over
  every data file) with deletion vectors on (``delta.enableDeletionVectors``, set when the table is
  created), so each file gets a deletion vector instead of being rewritten.

Shape (one row per sample of one of 2,000 sensors of the vacuum-pumping stage of electroslag
remelting; every sensor samples every 10 s, all at the same instants): 22 columns, see ``COLUMNS``.
Nothing is random in Spark's sense: every value is a function of ``reading_id`` and the seed (via
``xxhash64``), so the same seed and size give the same rows whatever the partitioning, machine or
Spark version with the same hash. ``generate.py`` prints an order-independent checksum of version 0
and writes it with the counts below to ``OUT.json`` beside the table; the benchmark records it.

Defects, each in an exact number of rows of a block of ``M`` rows (version 0: ``M = rows``; the
append: ``M = rows // 100``), scaled from the counts of the 10-million-row reference table::

    count(M) = max(1, floor(c10M * M / 10_000_000 + 1/2))   # never 0, so the failing rules fail at any size

    temperature NULL          c10M = 100,000  (1%)
    temperature = 1600.0      c10M =     114  (a furnace reading above the [-50, 1500] range)
    pressure NULL             c10M =  50,000  (0.5%)
    status not OK/WARN/FAIL   c10M =     939
    batch_code malformed      c10M =  10,103  (not ^[A-Z]{2}-\\d{6}$)

At 10M rows the counts are exactly those; at 1M: 10,000 / 11 / 5,000 / 94 / 1,010; at 100K:
1,000 / 1 / 500 / 9 / 101. The rows carrying each defect are chosen by a permutation of the
block, ``(a * i + b) mod M`` with a prime ``a > M``, so they are spread evenly and the two
temperature defects never share a row.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # this checkout's dqengine, not whichever one the venv points at

#: Bump when the rows a seed produces change: a table written by another version is regenerated.
GENERATOR_VERSION = 1
REFERENCE_ROWS = 10_000_000
SENSORS = 2_000
START_EPOCH = 1_767_225_600  # 2026-01-01T00:00:00Z
SAMPLE_SECONDS = 10
ROUNDS_PER_HEAT = 360  # a heat (one remelting event) lasts an hour of 10-second rounds
DELETED_SENSOR = "S-0042"
MIN_ROWS, MAX_ROWS = 100_000, 100_000_000

#: defect -> (count in the 10M-row reference table, prime multiplier of its permutation)
DEFECTS = {
    "temperature_null": 100_000,
    "temperature_1600": 114,
    "pressure_null": 50_000,
    "status_bad": 939,
    "batch_code_bad": 10_103,
}
_PERMUTATION = {"temperature": (1_000_000_007, 12_345), "pressure": (998_244_353, 777),
                "status": (1_000_000_009, 4_242), "batch_code": (999_999_937, 31_337)}

COLUMNS = """\
reading_id   BIGINT     unique, 0 .. rows-1 (the append continues the numbering)
plant        STRING     P1 (sensors 0-999), P2 (1000-1599), P3 (1600-1999)
line         STRING     L1..L4
sensor_id    STRING     S-0000 .. S-1999 (2,000 values)
sensor_kind  STRING     thermocouple, pyrometer, pirani, capacitance, flowmeter
heat_id      BIGINT     the remelting event: one per hour per line group (12 groups)
ts           TIMESTAMP  sample time: 2026-01-01 + 10 s per round; (sensor_id, ts) is unique
ingest_ts    TIMESTAMP  when the historian stored it: ts + 5..65 s
seq_no       BIGINT     the sensor's own sample counter (the round); (sensor_id, seq_no) is unique
temperature  DOUBLE     deg C, 2 decimals, -5..1449 by sensor; 1% NULL, some 1600.0 (see defects)
pressure     DOUBLE     mbar absolute, 3 decimals, pumping down from ~1000 to ~0.1 in each heat; 0.5% NULL
flow         DOUBLE     cooling water m3/h, 40..50, full precision
voltage      DOUBLE     electrode V, 30..60, full precision
current      DOUBLE     electrode kA, 5..15, full precision
setpoint     DOUBLE     target temperature of the heat, 1400..1600 in steps of 10
unit         STRING     mbar
status       STRING     OK (97%), WARN (2.5%), FAIL (0.5%); bad rows: UNKNOWN
quality      INT        OPC quality code: 192 good (99%), 64 uncertain, 0 bad
batch_code   STRING     two letters, '-', six digits of the heat (KA-010042); bad rows: no dash
steel_grade  STRING     one of 8 grades, by heat
operator_id  STRING     OP-000 .. OP-029, by 8-hour shift and line group
firmware     STRING     fw-2.<minor>.<patch>, by sensor"""


def scaled(c10m: int, block: int) -> int:
    """Rows of a ``block``-row block carrying a defect that ``c10m`` rows of 10M carry (>= 1)."""
    return max(1, (c10m * block + REFERENCE_ROWS // 2) // REFERENCE_ROWS)


def defect_counts(block: int) -> dict[str, int]:
    return {name: scaled(c, block) for name, c in DEFECTS.items()}


def block(spark, start: int, count: int, seed: int, partitions: int | None = None):
    """``count`` readings with ids ``start ..``, defects scaled to ``count``: a DataFrame.

    ``partitions`` changes only how the rows are split (default: about 1M rows per data file).
    """
    from pyspark.sql import functions as F

    counts = defect_counts(count)
    partitions = partitions or max(2, -(-count // 1_000_000))
    df = spark.range(start, start + count, numPartitions=partitions)
    i = F.col("id") - F.lit(start)  # position in the block

    def u(salt: int):
        """Uniform [0, 1) from the seed, the salt and the id: the same on every machine."""
        return (F.xxhash64(F.lit(seed), F.lit(salt), F.col("id")).bitwiseAND(F.lit((1 << 53) - 1))
                / F.lit(float(1 << 53)))

    def perm(name: str):
        a, b = _PERMUTATION[name]
        return (F.lit(a) * i + F.lit(b + seed)) % F.lit(count)

    s = F.col("id") % SENSORS
    r = F.floor(F.col("id") / SENSORS)
    group = F.floor(s / 167)  # 12 line groups of ~167 sensors
    heat = F.floor(r / ROUNDS_PER_HEAT) * 12 + group
    k = r % ROUNDS_PER_HEAT  # 10-second rounds since the heat started
    t_perm, p_perm, st_perm, b_perm = perm("temperature"), perm("pressure"), perm("status"), perm("batch_code")
    t_null, t_hot = counts["temperature_null"], counts["temperature_1600"]
    temperature = F.round(F.lit(20.0) + (s % 40) * 36.0 + (u(1) - 0.5) * 50.0, 2)
    pressure = F.round(F.lit(1000.0) * F.exp(-k / 60.0) + 0.1 + u(2) * 0.5, 3)
    status_u = u(5)
    quality_u = u(6)
    alphabet = F.array(*[F.lit(chr(c)) for c in range(ord("A"), ord("Z") + 1)])
    letters = F.concat(F.element_at(alphabet, (heat % 26 + 1).cast("int")),
                       F.element_at(alphabet, (F.floor(heat / 26) % 26 + 1).cast("int")))
    digits = F.format_string("%06d", (heat % 1_000_000).cast("long"))
    grades = F.array(*[F.lit(g) for g in ("316L", "H13", "718", "M2", "4340", "D2", "625", "17-4PH")])
    kinds = F.array(*[F.lit(g) for g in ("thermocouple", "pyrometer", "pirani", "capacitance", "flowmeter")])
    ts = F.timestamp_seconds(F.lit(START_EPOCH) + r * SAMPLE_SECONDS)
    return df.select(
        F.col("id").alias("reading_id"),
        F.when(s < 1000, "P1").when(s < 1600, "P2").otherwise("P3").alias("plant"),
        F.concat(F.lit("L"), (F.floor(s / 50) % 4 + 1).cast("string")).alias("line"),
        F.format_string("S-%04d", s.cast("int")).alias("sensor_id"),
        F.element_at(kinds, (s % 5 + 1).cast("int")).alias("sensor_kind"),
        (F.lit(10_000) + heat).cast("long").alias("heat_id"),
        ts.alias("ts"),
        F.timestamp_seconds(F.lit(START_EPOCH) + r * SAMPLE_SECONDS + 5 + F.floor(u(3) * 61)).alias("ingest_ts"),
        r.cast("long").alias("seq_no"),
        F.when(t_perm < t_null, F.lit(None).cast("double"))
         .when(t_perm < t_null + t_hot, F.lit(1600.0))
         .otherwise(temperature).alias("temperature"),
        F.when(p_perm < counts["pressure_null"], F.lit(None).cast("double")).otherwise(pressure).alias("pressure"),
        (F.lit(40.0) + u(7) * 10.0).alias("flow"),
        (F.lit(30.0) + u(8) * 30.0).alias("voltage"),
        (F.lit(5.0) + u(9) * 10.0).alias("current"),
        (F.lit(1400.0) + (heat % 21) * 10.0).alias("setpoint"),
        F.lit("mbar").alias("unit"),
        F.when(st_perm < counts["status_bad"], "UNKNOWN")
         .when(status_u < 0.97, "OK").when(status_u < 0.995, "WARN").otherwise("FAIL").alias("status"),
        F.when(quality_u < 0.99, 192).when(quality_u < 0.995, 64).otherwise(0).cast("int").alias("quality"),
        F.when(b_perm < counts["batch_code_bad"], F.concat(letters, digits))
         .otherwise(F.concat(letters, F.lit("-"), digits)).alias("batch_code"),
        F.element_at(grades, (heat % 8 + 1).cast("int")).alias("steel_grade"),
        F.format_string("OP-%03d", ((F.floor(r / 2880) * 12 + group) % 30).cast("int")).alias("operator_id"),
        F.format_string("fw-2.%d.%d", (s % 3).cast("int"), (s % 7).cast("int")).alias("firmware"),
    )


def summary(df) -> dict[str, int | str]:
    """One aggregation: rows, defect counts and an order-independent checksum of every value."""
    from pyspark.sql import functions as F

    row_hash = F.xxhash64(*[F.col(c) for c in df.columns]).cast("decimal(38,0)")
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("temperature").isNull().cast("long")).alias("temperature_null"),
        F.sum((F.col("temperature") == 1600.0).cast("long")).alias("temperature_1600"),
        F.sum(F.col("pressure").isNull().cast("long")).alias("pressure_null"),
        F.sum((~F.col("status").isin("OK", "WARN", "FAIL")).cast("long")).alias("status_bad"),
        F.sum((~F.col("batch_code").rlike(r"^[A-Z]{2}-\d{6}$")).cast("long")).alias("batch_code_bad"),
        F.sum(row_hash).alias("checksum"),
    ).first()
    out = {k: int(v or 0) for k, v in row.asDict().items() if k != "checksum"}
    out["checksum"] = format(int(row["checksum"]) % (1 << 64), "016x")
    return out


def _meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".json")


def existing(out: Path, rows: int, seed: int) -> dict | None:
    """The metadata of a table this generator already wrote with these settings, else None."""
    try:
        meta = json.loads(_meta_path(out).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (meta.get("rows"), meta.get("seed"), meta.get("generator_version")) == (rows, seed, GENERATOR_VERSION)
    return meta if same and (out / "_delta_log").is_dir() else None


def generate(spark, out: Path, rows: int, seed: int) -> dict:
    """Write versions 0, 1 and 2 at ``out``; returns the metadata also written to ``OUT.json``."""
    from delta.tables import DeltaTable

    if out.exists():
        shutil.rmtree(out)
    _meta_path(out).unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    key = "spark.databricks.delta.properties.defaults.enableDeletionVectors"
    before = spark.conf.get(key, None)
    spark.conf.set(key, "true")  # the table is created with delta.enableDeletionVectors = true
    try:
        block(spark, 0, rows, seed).write.format("delta").save(str(out))
    finally:
        spark.conf.unset(key) if before is None else spark.conf.set(key, before)
    appended = rows // 100
    block(spark, rows, appended, seed).write.format("delta").mode("append").save(str(out))
    table = DeltaTable.forPath(spark, str(out))
    table.delete(f"sensor_id = '{DELETED_SENSOR}'")
    history = {int(h["version"]): h for h in table.history().collect()}
    deleted = history[2]["operationMetrics"] or {}
    properties = spark.sql(f"SHOW TBLPROPERTIES delta.`{out}`").collect()
    dv = {p["key"]: p["value"] for p in properties}.get("delta.enableDeletionVectors")
    if dv != "true" or int(deleted.get("numDeletionVectorsAdded", "0")) == 0:
        raise SystemExit(f"version 2 has no deletion vectors (delta.enableDeletionVectors={dv}, "
                         f"metrics {deleted}): the benchmark of deletes would measure rewritten files")
    reader = spark.read.format("delta")
    meta = {
        "generator_version": GENERATOR_VERSION, "rows": rows, "seed": seed, "path": str(out),
        "formula": "count(M) = max(1, floor(c10M * M / 10_000_000 + 1/2))",
        "reference_counts_10M": DEFECTS,
        "versions": {
            "0": {"operation": "WRITE", "block_rows": rows, "expected": defect_counts(rows),
                  "actual": summary(reader.option("versionAsOf", 0).load(str(out)))},
            "1": {"operation": "WRITE (append)", "block_rows": appended, "expected_in_append": defect_counts(appended)},
            "2": {"operation": f"DELETE WHERE sensor_id = '{DELETED_SENSOR}'",
                  "deleted_rows": int(deleted.get("numDeletedRows", "0")),
                  "deletion_vectors_added": int(deleted.get("numDeletionVectorsAdded", "0"))},
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    actual, expected = meta["versions"]["0"]["actual"], meta["versions"]["0"]["expected"]
    wrong = {k: (actual[k], v) for k, v in expected.items() if actual[k] != v}
    if wrong or actual["rows"] != rows:
        raise SystemExit(f"generated table does not have the intended defects (actual, intended): {wrong}")
    _meta_path(out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def bench_session(app: str = "dqengine-bench", driver_memory: str = "4g", shuffle_partitions: int = 4):
    """The benchmark's local session: dqengine's (Delta + Deequ jars), local[2], UI off."""
    os.environ.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))
    from dqengine.spark.session import get_spark

    spark = get_spark(app, master=os.environ.get("DQENGINE_MASTER", "local[2]"), extra_conf={
        "spark.ui.enabled": "false",
        "spark.driver.memory": driver_memory,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
    })
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help=f"{MIN_ROWS:,} to {MAX_ROWS:,}")
    parser.add_argument("--out", type=Path, help="table directory (default bench_data/sensor_readings-ROWS)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--force", action="store_true", help="regenerate even if OUT was written with these settings")
    args = parser.parse_args(argv)
    if not MIN_ROWS <= args.rows <= MAX_ROWS:
        parser.error(f"--rows must be from {MIN_ROWS:,} to {MAX_ROWS:,}")
    out = (args.out or REPO / "bench_data" / f"sensor_readings-{args.rows}").resolve()
    if not args.force and (meta := existing(out, args.rows, args.seed)) is not None:
        print(f"{out}: already generated ({args.rows:,} rows, seed {args.seed}, checksum "
              f"{meta['versions']['0']['actual']['checksum']}); --force to regenerate")
        return 0
    spark = bench_session("dqengine-bench-generate")
    meta = generate(spark, out, args.rows, args.seed)
    v0 = meta["versions"]["0"]["actual"]
    print(f"{out}: {args.rows:,} rows (seed {args.seed}) in {meta['seconds']} s; checksum {v0['checksum']}")
    print("  version 0 defects: " + ", ".join(f"{k} {v0[k]:,}" for k in DEFECTS))
    print(f"  version 1 appends {meta['versions']['1']['block_rows']:,} rows; version 2 deletes "
          f"{meta['versions']['2']['deleted_rows']:,} rows of {DELETED_SENSOR} with "
          f"{meta['versions']['2']['deletion_vectors_added']} deletion vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
