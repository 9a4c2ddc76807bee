"""Generates tests/data/layout2/: a metrics location written by dqengine's layout-2 code.

Run once, with the code of commit 8b6278e (the last commit whose code writes layout 2): from a copy
of that commit (``git archive 8b6278e | tar -x -C /tmp/layout2-src``), run
``.venv/bin/python /tmp/layout2-src/tests/data/make_layout2.py <repository>/tests/data/layout2``
with this file copied there. Kept for the record of how the fixture was made; after the layout
changed it no longer produces layout 2.

What it writes (copied to a temporary directory by the tests, which relocate the dataset path):

* ``dataset/`` — a tiny Delta table: version 0 has a negative pressure, version 1 does not;
* ``suite.yml`` — the suite, with ``dataset.path: dataset`` (relative to this directory);
* ``metrics/dq_records`` — two runs of the suite as layout 2 stored them (with metric keys,
  constraint ids, states): ``v0-failed`` on version 0 (FAILED) and ``v1-passed`` on version 1;
* ``layout2.json`` — the dataset path and suite fingerprint the runs recorded.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

SUITE = """\
suite: layout2
dataset:
  path: dataset
checks:
  - name: keys
    constraints:
      - is_primary_key: [id]
      - row_count: {must_be_greater_than: 0}
  - name: physics
    constraints:
      - completeness: {column: temperature, must_be_at_least: 0.5}
      - non_negative: pressure
"""


def main(out: Path) -> None:
    from dqengine import metrics_schema as ms
    from dqengine.checks import load_suite
    from dqengine.spark.runner import run_suite
    from dqengine.spark.session import get_spark

    assert ms.LAYOUT == ("dqengine.layout", "2"), "run this with code that writes layout 2"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    os.chdir(out)
    spark = get_spark("make-layout2", master="local[1]",
                      extra_conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "1",
                                  "spark.sql.session.timeZone": "UTC"})
    schema = "id INT, temperature DOUBLE, pressure DOUBLE"
    rows = [(1, 1500.0, 1.0), (2, 1510.0, -2.0), (3, None, 3.0)]
    spark.createDataFrame(rows, schema).coalesce(1).write.format("delta").save("dataset")
    fixed = [(i, t, abs(p)) for i, t, p in rows]
    spark.createDataFrame(fixed, schema).coalesce(1).write.format("delta").mode("overwrite").save("dataset")
    Path("suite.yml").write_text(SUITE, encoding="utf-8")
    suite = load_suite("suite.yml")
    first = run_suite(spark, suite, version=0, metrics="metrics", run_id="v0-failed")
    second = run_suite(spark, suite, version=1, metrics="metrics", run_id="v1-passed")
    assert (first.status.value, second.status.value) == ("FAILED", "PASSED"), (first, second)
    key, value = ms.LAYOUT
    Path("layout2.json").write_text(json.dumps({
        "layout": value,
        "property": key,
        "schema": ms.stored_schema_string(),
        "dataset": os.path.abspath("dataset"),
        "suite_fingerprint": suite.fingerprint,
    }, indent=2) + "\n", encoding="utf-8")
    spark.stop()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(Path(sys.argv[1]).resolve())
