"""Generates tests/data/layout1/: a metrics location written by dqengine's layout-1 code.

Run once, at commit a8e6738 (the last commit whose code writes layout 1), from the repository
root: ``.venv/bin/python tests/data/make_layout1.py``. It is kept for the record of how the
fixture was made; after the layout changed it no longer produces layout 1.

What it writes (copied to a temporary directory by the tests, which relocate the dataset path):

* ``dataset/`` — a tiny Delta table: version 0 has a negative pressure, version 1 does not;
* ``suite.yml`` — the suite, with ``dataset.path: dataset`` (relative to this directory);
* ``metrics/dq_records`` — two runs of the suite: ``v0-failed`` on version 0 (FAILED) and
  ``v1-passed`` on version 1 (PASSED), as layout 1 stored them;
* ``layout1.json`` — the layout-1 DDL as the code of that commit generated it (the table's
  column list, its table property and the three views' SQL), to build the same table in a
  metastore schema.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent / "layout1"
SUITE = """\
suite: layout1
dataset:
  path: dataset
  where: "plant = 'P1'"
checks:
  - name: keys
    constraints:
      - is_primary_key: [id]
      - row_count: {must_be_greater_than: 0}
  - name: physics
    constraints:
      - completeness: {column: temperature, must_be_at_least: 0.5}
      - non_negative: pressure
      - min: {column: day, must_be_at_least: 0}
      - satisfies: {expression: 'pressure < 100', label: low_pressure}
      - quantile: {column: temperature, quantile: 0.5, must_be_between: [0, 2000]}
      - approx_distinct_count: {column: id, must_be_at_least: 1}
"""


def main() -> None:
    from dqengine import metrics_schema as ms
    from dqengine.checks import load_suite
    from dqengine.spark.runner import run_suite
    from dqengine.spark.session import get_spark

    assert ms.LAYOUT == ("dqengine.layout", "1"), "run this at a commit whose code writes layout 1"
    if HERE.exists():
        shutil.rmtree(HERE)
    HERE.mkdir(parents=True)
    os.chdir(HERE)
    spark = get_spark("make-layout1", master="local[1]",
                      extra_conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "1",
                                  "spark.sql.session.timeZone": "UTC"})
    schema = "id INT, plant STRING, temperature DOUBLE, pressure DOUBLE, day DATE"
    rows = [(1, "P1", 1500.0, 1.0, date(2024, 1, 1)), (2, "P1", 1510.0, -2.0, date(2024, 1, 2)),
            (3, "P1", None, 3.0, date(2024, 1, 3)), (4, "P2", 1490.0, 4.0, date(2024, 1, 4))]
    spark.createDataFrame(rows, schema).coalesce(1).write.format("delta").save("dataset")
    fixed = [(i, p, t, abs(pr), d) for i, p, t, pr, d in rows]
    spark.createDataFrame(fixed, schema).coalesce(1).write.format("delta").mode("overwrite").save("dataset")
    Path("suite.yml").write_text(SUITE, encoding="utf-8")
    suite = load_suite("suite.yml")
    first = run_suite(spark, suite, version=0, metrics="metrics", run_id="v0-failed")
    second = run_suite(spark, suite, version=1, metrics="metrics", run_id="v1-passed")
    assert (first.status.value, second.status.value) == ("FAILED", "PASSED"), (first, second)
    key, value = ms.LAYOUT
    Path("layout1.json").write_text(json.dumps({
        "layout": value,
        "property": key,
        "partition": ms.RECORD,
        "columns": ms.stored_ddl(),
        "schema": ms.stored_schema_string(),
        "views": {table: ms.view_ddl(table, "{view}", "{source}") for table in ms.TABLES},
        "dataset": os.path.abspath("dataset"),
        "suite_fingerprint": suite.fingerprint,
    }, indent=2) + "\n", encoding="utf-8")
    spark.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main()
