"""The README's promises: its SQL queries run on real metrics tables, its commands exist."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from dqengine import metrics_schema as ms
from dqengine.checks import load_suite
from dqengine.platforms import PLATFORMS
from dqengine.spark.runner import run_suite
from dqengine.spark.store import register_views

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _sql_blocks() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README, re.S)


def test_quick_start_is_exactly_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.S).group(1)
    assert [line.split("#")[0].strip() for line in block.strip().splitlines()] == ["make demo", "make test"]


def test_readme_sql_queries_run_on_real_metrics(spark, tmp_path, delta_table, write_suite):
    path = delta_table([(1, 1.0), (2, None)], "id BIGINT, temperature DOUBLE", name="readings")
    suite = load_suite(write_suite(f"""
        suite: readme
        dataset: {{path: '{path}'}}
        checks:
          - name: keys
            constraints:
              - is_unique: id
              - completeness: {{column: temperature, must_be_at_least: 0.9}}
    """))
    metrics = str(tmp_path / "m")
    run = run_suite(spark, suite, metrics=metrics, run_id="readme-run")
    blocks = _sql_blocks()
    assert len(blocks) == 4
    results = []
    assert register_views(spark, metrics) == {table: table for table in ms.TABLES}
    try:
        for sql in blocks:
            sql = sql.replace("/data/delta/readings", path).replace("RUN_ID", run.run_id)
            results.append(spark.sql(sql).collect())
    finally:
        for table in ms.TABLES:
            spark.catalog.dropTempView(table)
    latest, history, failed, scores = results
    assert [(r.dataset, r.status) for r in latest] == [(path, "FAILED")]
    assert [r.value for r in history] == [0.5]
    assert [(r["check"], r.label, r.status) for r in failed] == [("keys", "completeness(temperature)", "FAILED")]
    # completeness: its row fraction 1/2; uniqueness: is_unique passed, 1; overall: their mean
    assert [(r.dimension, r.score, r.constraints, r.left_out) for r in scores] == [
        ("completeness", 0.5, 1, 0), ("overall", 0.75, 2, 0), ("uniqueness", 1.0, 1, 0)]


def test_readme_spark_submit_line_matches_the_platform_table():
    primary = PLATFORMS["3.5"]
    assert f"--packages {','.join(primary.packages)}" in README
    assert f"--exclude-packages {','.join(primary.excludes)}" in README
    for platform in PLATFORMS.values():
        assert platform.deequ_package in README and platform.delta_package in README


@pytest.mark.parametrize("table", list(ms.TABLES))
def test_every_metrics_column_is_documented_with_its_table(table):
    """Each table's README bullet lists exactly its columns, in schema order."""
    bullet = re.search(rf"^\* `{table}` — (.*?)(?=^\* |^\n)", README, re.S | re.M)
    assert bullet, f"no README bullet for {table}"
    listed = re.search(r"`([^`]*)`", bullet.group(1).split(":", 1)[1]).group(1)
    names = [part.strip().split(" ")[0] for part in listed.split(",")]
    assert names == ms.column_names(table)
