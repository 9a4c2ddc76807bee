"""bench/generate.py: the same seed gives the same rows however they are split, each defect is in
exactly the intended number of rows, and version 2 deletes with deletion vectors. Small (20K rows);
the benchmark itself runs the generator at 100K to 100M."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import generate  # noqa: E402


def test_defect_counts_scale_from_the_10m_reference():
    assert generate.defect_counts(10_000_000) == generate.DEFECTS
    assert generate.defect_counts(1_000_000) == {"temperature_null": 10_000, "temperature_1600": 11,
                                                 "pressure_null": 5_000, "status_bad": 94, "batch_code_bad": 1_010}
    assert generate.defect_counts(100_000) == {"temperature_null": 1_000, "temperature_1600": 1,
                                               "pressure_null": 500, "status_bad": 9, "batch_code_bad": 101}
    assert generate.defect_counts(100)["temperature_1600"] == 1  # never 0: the failing rules fail at any size


def test_cli_refuses_sizes_outside_the_range(capsys):
    with pytest.raises(SystemExit):
        generate.main(["--rows", "1000"])
    assert "--rows must be from 100,000 to 100,000,000" in capsys.readouterr().err


def test_generated_table_is_seeded_exact_and_has_deletion_vectors(spark, tmp_path):
    rows = 20_000
    out = tmp_path / "readings"
    meta = generate.generate(spark, out, rows, seed=7)
    v0 = meta["versions"]["0"]["actual"]
    assert {k: v0[k] for k in generate.DEFECTS} == generate.defect_counts(rows)
    assert json.loads((tmp_path / "readings.json").read_text()) == meta
    assert generate.existing(out, rows, 7) == meta and generate.existing(out, rows, 8) is None

    # the same seed, split differently and never written: the same rows
    assert generate.summary(generate.block(spark, 0, rows, 7, partitions=7)) == v0
    assert generate.summary(generate.block(spark, 0, rows, 8))["checksum"] != v0["checksum"]

    df = spark.read.format("delta").option("versionAsOf", 0).load(str(out))
    assert len(df.columns) == 22 and df.select("reading_id").distinct().count() == rows
    assert df.select("sensor_id").distinct().count() == generate.SENSORS
    v1 = spark.read.format("delta").option("versionAsOf", 1).load(str(out)).count()
    v2 = spark.read.format("delta").option("versionAsOf", 2).load(str(out))
    assert v1 == rows + rows // 100
    assert v2.count() == v1 - meta["versions"]["2"]["deleted_rows"] > 0
    assert v2.where(f"sensor_id = '{generate.DELETED_SENSOR}'").count() == 0
    assert meta["versions"]["2"]["deletion_vectors_added"] > 0
