"""A run is (run_id, suite, dataset): a Databricks job runs several suites under one {{job.run_id}}."""
from __future__ import annotations

from helpers import read_view

from dqengine.checks import parse_suite
from dqengine.spark.gate import decide
from dqengine.spark.runner import run_suite


def _suite(name: str, path: str, constraint: str):
    return parse_suite(f"""
suite: {name}
dataset: {{path: '{path}'}}
checks:
  - name: c
    constraints:
      - {constraint}
""", f"{name}.yml")


def test_suites_sharing_a_job_run_id_keep_each_others_rows(spark, delta_table, tmp_path):
    readings = delta_table([(1, 1.0), (2, 2.0)], "id BIGINT, `Solar.R` DOUBLE", name="readings")
    heats = delta_table([(7,)], "heat_id BIGINT", name="heats")
    metrics = str(tmp_path / "m")
    job_run = "job-run-4242"
    first = _suite("readings_keys", readings, "is_unique: id")
    second = _suite("readings_physics", readings, "completeness: {column: Solar.R, must_be_at_least: 1}")
    third = _suite("heats_keys", heats, "is_unique: heat_id")
    for suite in (first, second, third):
        run_suite(spark, suite, metrics=metrics, run_id=job_run)
    run_suite(spark, first, metrics=metrics, run_id=job_run)  # a retry of one task replaces only its own rows

    runs = read_view(spark, metrics, "dq_runs").where(f"run_id = '{job_run}'")
    assert sorted((r.suite, r.status) for r in runs.collect()) == [
        ("heats_keys", "PASSED"), ("readings_keys", "PASSED"), ("readings_physics", "PASSED")]
    checks = read_view(spark, metrics, "dq_check_results").where(f"run_id = '{job_run}'")
    assert checks.count() == 3
    for suite in (first, second, third):
        decision = decide(spark, suite, metrics=metrics)
        assert decision.certified, decision.reason


def test_column_names_are_recorded_plainly(spark, delta_table, tmp_path):
    data = delta_table([(1.0, 2.0), (None, 3.0)], "`Solar.R` DOUBLE, `vent_temp.°C` DOUBLE", name="odd")
    suite = _suite("odd", data, "completeness: {column: Solar.R, must_be_at_least: 0.5}")
    suite2 = _suite("odd2", data, "uniqueness: {columns: [Solar.R, vent_temp.°C], must_be: 1}")
    metrics = str(tmp_path / "m")
    run_suite(spark, suite, metrics=metrics)
    run_suite(spark, suite2, metrics=metrics)
    instances = {(r.name, r.instance) for r in read_view(spark, metrics, "dq_metrics").collect()}
    assert ("Completeness", "Solar.R") in instances
    assert ("Uniqueness", "Solar.R,vent_temp.°C") in instances
    assert not [i for _, i in instances if "`" in i]


def test_a_where_that_matches_nothing_says_so_in_the_headline(spark, delta_table, tmp_path):
    from dqengine.report import format_run

    data = delta_table([(1, "P1"), (2, "P1"), (3, "P2")], "id BIGINT, plant STRING", name="plants")
    suite = parse_suite(f"""
suite: p9
dataset: {{path: '{data}', where: "plant = 'P9'"}}
checks:
  - name: c
    constraints:
      - row_count: {{must_be_greater_than: 0}}
""", "p9.yml")
    run = run_suite(spark, suite, record=False)
    headline = format_run(run).splitlines()[0]
    assert headline.endswith("; where matched 0 of 3 rows"), headline
    matching = parse_suite(f"""
suite: p1
dataset: {{path: '{data}', where: "plant = 'P1'"}}
checks:
  - name: c
    constraints:
      - row_count: {{must_be_greater_than: 0}}
""", "p1.yml")
    assert "where matched" not in format_run(run_suite(spark, matching, record=False)).splitlines()[0]


def _last_write(spark, metrics: str) -> dict:
    row = spark.sql(f"DESCRIBE HISTORY delta.`{metrics}/dq_records` LIMIT 1").head()
    return {"operation": row["operation"], **dict(row["operationParameters"])}


def test_a_run_id_made_for_the_run_appends_and_a_given_one_replaces(spark, delta_table, tmp_path):
    readings = delta_table([(1, 1.0), (2, 2.0)], "id BIGINT, x DOUBLE", name="readings")
    metrics = str(tmp_path / "m")
    suite = _suite("keys", readings, "is_unique: id")
    fresh = run_suite(spark, suite, metrics=metrics)  # a uuid4 no row can hold yet: appended
    assert _last_write(spark, metrics)["mode"] == "Append"
    run_suite(spark, suite, metrics=metrics, run_id="job-7")
    run_suite(spark, suite, metrics=metrics, run_id="job-7")  # a scheduler's retry: replaced
    last = _last_write(spark, metrics)
    assert last["mode"] == "Overwrite" and "job-7" in last["predicate"]
    runs = read_view(spark, metrics, "dq_runs")
    assert sorted(r.run_id for r in runs.collect()) == sorted([fresh.run_id, "job-7"])
    assert read_view(spark, metrics, "dq_check_results").count() == 2


class _FirstInsertConflicts:
    """The session, except that the first INSERT fails as a concurrent commit would (after it landed)."""

    def __init__(self, spark):
        self._spark, self.statements = spark, []

    def __getattr__(self, name):
        return getattr(self._spark, name)

    def sql(self, statement, *args, **kwargs):
        if statement.startswith("INSERT"):
            self.statements.append(statement)
            if len(self.statements) == 1:
                self._spark.sql(statement)  # it landed, but the writer was told otherwise
                raise RuntimeError("ConcurrentAppendException: the commit may have landed")
        return self._spark.sql(statement, *args, **kwargs)


def test_a_fresh_run_written_again_after_a_failed_attempt_replaces_not_duplicates(spark, delta_table, tmp_path):
    from dqengine.spark.store import MetricsStore, resolve_location

    readings = delta_table([(1, 1.0)], "id BIGINT, x DOUBLE", name="readings")
    metrics = str(tmp_path / "m")
    run = run_suite(spark, _suite("keys", readings, "is_unique: id"), record=False)
    flaky = _FirstInsertConflicts(spark)
    store = MetricsStore(spark, resolve_location(metrics))
    store.ensure_tables()
    store.spark = flaky
    store.write(run, fresh=True)
    first, second = flaky.statements  # an append, then (told it failed) a replace
    assert "REPLACE WHERE" not in first and "REPLACE WHERE" in second
    assert read_view(spark, metrics, "dq_runs").count() == 1  # once, not twice
    assert read_view(spark, metrics, "dq_check_results").count() == 1
