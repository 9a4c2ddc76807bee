"""End to end on real Spark + Delta + Deequ: run, record, gate, and the CLI's exit codes."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers import read_view

from dqengine import metrics_schema as ms
from dqengine.checks import load_suite
from dqengine.cli import main
from dqengine.results import RunStatus
from dqengine.spark.gate import certified_version, decide, read_certified
from dqengine.errors import MetricsStoreError
from dqengine.spark.runner import run_suite
from dqengine.spark.store import register_views

SCHEMA = "reading_id BIGINT, plant STRING, sensor_id STRING, temperature DOUBLE, status STRING"
GOOD = [
    (1, "P1", "S-001", 1500.0, "OK"),
    (2, "P1", "S-001", 1510.0, "OK"),
    (3, "P1", "S-002", 1490.0, "WARN"),
    (4, "P2", "S-003", 9999.0, "BAD"),  # filtered out by the suite's where
]
BAD = GOOD + [(1, "P1", "S-002", 1505.0, "OK")]  # a re-ingested reading id

SUITE = """
suite: readings
dataset:
  path: '{path}'
  where: "plant = 'P1'"
checks:
  - name: keys
    severity: error
    constraints:
      - is_primary_key: [reading_id]
      - row_count: {{must_be_greater_than: 0}}
  - name: physics
    severity: warning
    constraints:
      - between: {{column: temperature, min: 1495, max: 1600}}
      - allowed_values: {{column: status, values: [OK, WARN, FAIL]}}
"""


@pytest.fixture
def setup(spark, tmp_path, write_suite, delta_table):
    """A readings table at version 0 (clean), a suite on it, and a metrics location."""
    path = delta_table(GOOD, SCHEMA, name="readings")
    suite_path = write_suite(SUITE.format(path=path))
    metrics = str(tmp_path / "metrics")
    return path, suite_path, metrics


def test_run_records_every_table_with_the_schema_module_columns(spark, setup):
    path, suite_path, metrics = setup
    run = run_suite(spark, load_suite(suite_path), metrics=metrics, run_id="r1")

    # physics is warning-severity: the 1490 reading fails `between`, which only warns
    assert run.status is RunStatus.WARNING
    assert run.row_count == 3 and run.dataset_version == 0
    assert spark.read.format("delta").load(f"{metrics}/{ms.RECORDS}").columns == [c.name for c in ms.STORED]
    runs = read_view(spark, metrics, ms.RUNS).collect()
    assert [(r.run_id, r.status, r.row_count, r.dataset_version, r.constraints_total, r.constraints_failed)
            for r in runs] == [("r1", "WARNING", 3, 0, 4, 1)]
    assert runs[0].dataset == path and runs[0].dataset_filter == "plant = 'P1'"
    results = {r.constraint: r for r in read_view(spark, metrics, ms.CHECK_RESULTS).collect()}
    assert results["between"].status == "FAILED"
    assert results["between"].metric_value == pytest.approx(2 / 3)
    assert results["between"].column == "temperature" and results["between"].severity == "warning"
    assert results["is_primary_key"].status == "PASSED" and results["is_primary_key"].threshold == "== 1"
    metrics_rows = {(r.name, r.instance): r.value for r in read_view(spark, metrics, ms.METRICS).collect()}
    assert metrics_rows[("Size", "*")] == 3.0
    assert metrics_rows[("Uniqueness", "reading_id")] == 1.0


def test_same_run_id_twice_leaves_one_copy(spark, setup):
    _, suite_path, metrics = setup
    suite = load_suite(suite_path)
    run_suite(spark, suite, metrics=metrics, run_id="again")
    run_suite(spark, suite, metrics=metrics, run_id="again")
    run_suite(spark, suite, metrics=metrics, run_id="other")
    for name, per_run in ((ms.RUNS, 1), (ms.CHECK_RESULTS, 4)):
        counts = {r.run_id: r["count"] for r in read_view(spark, metrics, name).groupBy("run_id").count().collect()}
        assert counts == {"again": per_run, "other": per_run}, name
    metric_counts = {r.run_id: r["count"] for r in
                     read_view(spark, metrics, ms.METRICS).groupBy("run_id").count().collect()}
    assert metric_counts["again"] == metric_counts["other"]


def test_run_pins_the_requested_version(spark, setup, delta_table):
    path, suite_path, metrics = setup
    delta_table(BAD, SCHEMA, name="readings")  # version 1: duplicate key
    suite = load_suite(suite_path)
    assert run_suite(spark, suite, metrics=metrics).dataset_version == 1
    old = run_suite(spark, suite, metrics=metrics, version=0)
    assert old.dataset_version == 0 and old.status is RunStatus.WARNING


def test_cli_exit_codes_pass_fail_and_summary(spark, setup, delta_table, capsys):
    path, suite_path, metrics = setup
    assert main(["run", str(suite_path), "--metrics", metrics]) == 0
    out = capsys.readouterr().out
    assert "suite readings on" in out and "WARNING" in out and "recorded in" in out
    assert "keys   " in out or "keys" in out.splitlines()[3]
    delta_table(BAD, SCHEMA, name="readings")
    assert main(["run", str(suite_path), "--metrics", metrics]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "is_primary_key(reading_id)" in out


def test_metrics_location_from_environment(spark, setup, monkeypatch, tmp_path):
    _, suite_path, _ = setup
    target = tmp_path / "from_env"
    monkeypatch.setenv("DQENGINE_METRICS", str(target))
    assert main(["run", str(suite_path)]) == 0
    assert (target / ms.RECORDS / "_delta_log").is_dir()


def test_missing_column_is_a_config_error_and_nothing_is_recorded(spark, setup, write_suite, capsys):
    path, _, metrics = setup
    suite_path = write_suite(f"""
        suite: readings
        dataset: {{path: '{path}'}}
        checks:
          - name: c
            constraints:
              - is_complete: temprature
              - min: {{column: pressure, must_be: 0}}
    """, name="typo.yml")
    assert main(["run", str(suite_path), "--metrics", metrics]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    cols = "reading_id, plant, sensor_id, temperature, status"
    assert err == [
        f"{suite_path}:6:9: is_complete: column 'temprature' not found in {path} version 0; did you mean "
        f"'temperature'? columns: {cols}",
        f"{suite_path}:7:9: min: column 'pressure' not found in {path} version 0; columns: {cols}",
    ]
    assert not Path(metrics).exists()


@pytest.mark.parametrize(
    "dataset, message",
    [
        ("{path: '/nonexistent/table'}", "path '/nonexistent/table' is not a Delta table"),
        ("{table: no_such_schema.readings}", "table 'no_such_schema.readings' not found in the metastore"),
        ("{path: '%s', version: 7}", "dataset.version 7 of %s does not exist; the latest version is 0"),
        ("{path: '%s', where: 'nope > 1'}", "dataset.where does not resolve against the dataset"),
        ("{path: '%s', where: 'temperature + 1'}", "dataset.where must be a boolean expression, but it is double"),
        ("{path: '%s', where: \"1=1; DROP TABLE x\"}", "dataset.where is not a valid Spark SQL expression"),
        ("{path: '%s', where: 'reading_id IN (SELECT id FROM secrets)'}", "dataset.where contains a subquery"),
    ],
    ids=["no-delta-table", "no-metastore-table", "version-beyond-latest", "where-unknown-column",
         "where-not-boolean", "where-statement", "where-subquery"],
)
def test_bad_dataset_exits_2_naming_the_place(spark, setup, write_suite, capsys, dataset, message):
    path, _, metrics = setup
    dataset = dataset.replace("%s", path)
    suite_path = write_suite(f"suite: s\ndataset: {dataset}\nchecks:\n  - name: c\n    constraints:\n"
                             "      - row_count: {must_be_greater_than: 0}\n", name="ds.yml")
    assert main(["run", str(suite_path), "--metrics", metrics]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{suite_path}:2:"), err
    assert message.replace("%s", path) in err
    assert len(err.splitlines()) == 1
    assert not Path(metrics).exists()


def test_version_flag_beyond_latest_and_bad_usage(spark, setup, capsys):
    _, suite_path, metrics = setup
    assert main(["run", str(suite_path), "--version", "5", "--metrics", metrics]) == 2
    assert "--version 5 of" in capsys.readouterr().err
    assert main(["run", str(suite_path), "--version", "-1"]) == 2
    assert "is not a Delta version" in capsys.readouterr().err
    assert main(["run", str(suite_path), "--run-id", "a b"]) == 2
    assert "--run-id 'a b'" in capsys.readouterr().err
    assert main(["frobnicate"]) == 2
    assert not Path(metrics).exists()


def test_unwritable_metrics_location_is_a_runtime_failure(spark, setup, tmp_path, capsys):
    _, suite_path, _ = setup
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    assert main(["run", str(suite_path), "--metrics", str(blocker)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("dqengine: cannot create metrics table") and len(err.strip().splitlines()) == 1


def test_failure_while_computing_is_recorded_as_error(spark, setup):
    """A derived column that Spark rejects at compute time: the run is ERROR, every constraint too."""
    from dqengine.checks import ConstraintRegistry, default_registry, parse_suite
    from dqengine.checks.builtin import ColumnThreshold, MetricConstraint

    class Broken(MetricConstraint):
        name = "broken"
        params_model = ColumnThreshold
        dimension = "validity"
        summary = example = "test only"
        analyzer = "Maximum"

        def derived_columns(self, params):
            return {"_dq_broken": "no_such_function(1)"}

    registry = ConstraintRegistry([*default_registry(), Broken()])
    path, _, metrics = setup
    suite = parse_suite(f"suite: s\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - broken: {column: temperature, must_be: 1}\n      - row_count: {must_be: 4}\n", "s.yml", registry)
    run = run_suite(spark, suite, metrics=metrics, run_id="boom")
    assert run.status is RunStatus.ERROR
    assert "no_such_function" in run.message
    rows = read_view(spark, metrics, ms.CHECK_RESULTS).collect()
    assert sorted(r.status for r in rows) == ["ERROR", "ERROR"]
    assert read_view(spark, metrics, ms.RUNS).collect()[0].status == "ERROR"


def test_derived_columns_reach_deequ(spark, setup):
    from dqengine.checks import ConstraintRegistry, default_registry, parse_suite
    from dqengine.checks.builtin import ColumnThreshold, MetricConstraint

    class Doubled(MetricConstraint):
        name = "max_doubled"
        params_model = ColumnThreshold
        dimension = "validity"
        summary = example = "test only"
        analyzer = "Maximum"

        def columns(self, params):
            return ("_dq_doubled",)

        def checked_columns(self, params):
            return (params.column,)

        def derived_columns(self, params):
            return {"_dq_doubled": f"`{params.column}` * 2"}

    registry = ConstraintRegistry([*default_registry(), Doubled()])
    path, _, metrics = setup
    suite = parse_suite(f"suite: s\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n"
                        "      - max_doubled: {column: temperature, must_be: 19998}\n", "s.yml", registry)
    (result,) = run_suite(spark, suite, record=False).constraints
    assert result.status.value == "PASSED" and result.metric_value == 19998.0


# --- the gate ---------------------------------------------------------------------------------


def _gate(suite_path, metrics, capsys, *extra):
    code = main(["gate", str(suite_path), "--metrics", metrics, *extra])
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_gate_reasons_in_order_of_a_tables_life(spark, setup, delta_table, write_suite, capsys):
    path, suite_path, metrics = setup

    code, out, err = _gate(suite_path, metrics, capsys)
    assert (code, out) == (1, "") and "never checked: no run of suite 'readings'" in err

    assert main(["run", str(suite_path), "--metrics", metrics]) == 0
    capsys.readouterr()
    code, out, err = _gate(suite_path, metrics, capsys)
    assert (code, out) == (0, "0")  # stdout is exactly the version, for `$(dqengine gate ...)`

    delta_table(BAD, SCHEMA, name="readings")  # version 1 lands, unchecked
    code, out, err = _gate(suite_path, metrics, capsys)
    assert code == 1 and "newer data not yet checked: " in err and "is at version 1" in err
    code, out, _ = _gate(suite_path, metrics, capsys, "--version", "0")
    assert (code, out) == (0, "0")  # the training job may still pin the older certified version

    assert main(["run", str(suite_path), "--metrics", metrics]) == 1
    capsys.readouterr()
    code, out, err = _gate(suite_path, metrics, capsys)
    assert code == 1 and "failed: run" in err and "is FAILED" in err and "is_primary_key(reading_id)" in err

    changed = write_suite(SUITE.format(path=path).replace("must_be_greater_than: 0", "must_be_greater_than: 1"),
                          name="changed.yml")
    code, out, err = _gate(changed, metrics, capsys, "--version", "0")
    assert code == 1 and "suite changed since version 0 was checked" in err

    same_meaning = write_suite("# reformatted, same meaning\n" + SUITE.format(path=path), name="same.yml")
    assert _gate(same_meaning, metrics, capsys, "--version", "0")[:2] == (0, "0")


def _forge(spark, metrics: str, table: str, rows: list[tuple]) -> None:
    """Append hand-made rows of one of the three tables, as someone with write access could
    (values of the view's first columns, in its order; the rest NULL)."""
    named = [dict(zip(ms.column_names(table), row)) for row in rows]
    spark.createDataFrame(ms.stored_rows(table, named), ms.stored_schema_string()) \
        .write.format("delta").mode("append").save(f"{metrics}/{ms.RECORDS}")


def test_gate_ignores_a_hand_inserted_pass(spark, setup):
    """A forged PASSED dq_runs row without its constraint rows certifies nothing."""
    path, suite_path, metrics = setup
    suite = load_suite(suite_path)
    run_suite(spark, suite, metrics=metrics)  # creates the tables
    now = datetime.now(timezone.utc)
    forged = [("forged", suite.name, suite.fingerprint, path, 0, "", now, now, "PASSED", 3, 4, 0,
               "0", "3.5", "x", "")]
    # make the genuine run look older, the forged one newest
    _forge(spark, metrics, ms.RUNS, forged)
    decision = decide(spark, suite, metrics=metrics)
    assert not decision.certified and "run forged is inconsistent" in decision.reason


@pytest.mark.parametrize("forged_suite, forged_version, forged_fingerprint",
                         [("readings", 0, None), ("other_suite", 1, None), ("readings", 1, "0" * 64)],
                         ids=["other-version", "other-suite", "other-fingerprint"])
def test_gate_is_not_fooled_by_a_pass_recorded_for_something_else(spark, setup, delta_table,
                                                                     forged_suite, forged_version,
                                                                     forged_fingerprint):
    """A genuine FAILED run on the latest version, and a PASSED row for another version, suite or
    fingerprint (with its constraint rows): the latest version must stay uncertified."""
    path, suite_path, metrics = setup
    delta_table(BAD, SCHEMA, name="readings")  # version 1 fails is_primary_key
    suite = load_suite(suite_path)
    genuine = run_suite(spark, suite, metrics=metrics, version=1)
    assert genuine.status is RunStatus.FAILED
    now = datetime.now(timezone.utc)
    fingerprint = forged_fingerprint or suite.fingerprint
    _forge(spark, metrics, ms.RUNS, [("forged", forged_suite, fingerprint, path, forged_version, "", now, now,
                                      "PASSED", 3, 4, 0, "0", "3.5", "x", "")])
    rows = [("forged", forged_suite, path, forged_version, r.check, r.constraint_index, r.constraint, r.label,
             ",".join(r.columns), r.severity.value, r.dimension.value, "PASSED", r.metric_name, 1.0, r.threshold, "", now)
            for r in genuine.constraints]
    _forge(spark, metrics, ms.CHECK_RESULTS, rows)
    decision = decide(spark, suite, metrics=metrics, version=1)
    assert not decision.certified and decision.run_id == genuine.run_id


def test_python_api_reads_exactly_the_certified_version(spark, setup, delta_table):
    path, suite_path, metrics = setup
    suite = load_suite(suite_path)
    run_suite(spark, suite, metrics=metrics)
    delta_table(GOOD + [(9, "P1", "S-009", 1500.0, "OK")], SCHEMA, name="readings")  # version 1
    assert certified_version(spark, suite, metrics=metrics, version=0) == 0
    df = read_certified(spark, suite, metrics=metrics, version=0)
    assert sorted(r.reading_id for r in df.collect()) == [1, 2, 3]  # version 0, filter applied


def test_metastore_dataset_and_metrics_schema(spark, tmp_path, write_suite, capsys):
    spark.sql("CREATE SCHEMA IF NOT EXISTS plant")
    spark.sql("CREATE SCHEMA IF NOT EXISTS quality")
    spark.sql("DROP TABLE IF EXISTS plant.readings")
    spark.sql(f"CREATE TABLE plant.readings ({SCHEMA}) USING delta")
    spark.createDataFrame(GOOD, SCHEMA).write.insertInto("plant.readings")
    suite_path = write_suite("""
        suite: readings_ms
        dataset: {table: plant.readings}
        checks:
          - name: keys
            constraints:
              - is_unique: reading_id
    """)
    assert main(["run", str(suite_path), "--metrics", "quality"]) == 0
    capsys.readouterr()
    # the three tables are views over quality.dq_records, with the schema module's columns
    for table in ms.TABLES:
        assert spark.catalog.getTable(f"quality.{table}").tableType == "VIEW"
        assert spark.table(f"quality.{table}").columns == ms.column_names(table)
    rows = spark.sql("SELECT dataset, status FROM quality.dq_runs").collect()
    assert [(r.dataset, r.status) for r in rows] == [("plant.readings", "PASSED")]
    assert spark.sql("SELECT count(*) FROM quality.dq_check_results").head()[0] == 1
    assert _gate(suite_path, "quality", capsys)[:2] == (0, "1")  # CREATE TABLE is version 0
    assert register_views(spark, "quality") == {t: f"quality.{t}" for t in ms.TABLES}

    # a view dropped by someone is put back by the next run
    spark.sql("DROP VIEW quality.dq_metrics")
    assert main(["run", str(suite_path), "--metrics", "quality"]) == 0
    assert spark.table("quality.dq_metrics").count() == 2 * spark.table("quality.dq_runs").count()

    # a view redefined to show every run as PASSED fools people, not the gate (it reads dq_records)
    spark.createDataFrame([GOOD[0]], SCHEMA).write.insertInto("plant.readings")  # version 2: duplicate
    assert main(["run", str(suite_path), "--metrics", "quality"]) == 1
    capsys.readouterr()
    columns = ", ".join("'PASSED' AS status" if c == "status" else f"`{c}`" for c in ms.column_names(ms.RUNS))
    spark.sql(f"CREATE OR REPLACE VIEW quality.dq_runs AS SELECT {columns} FROM quality.dq_records "
              "WHERE record = 'run'")
    assert {r.status for r in spark.table("quality.dq_runs").collect()} == {"PASSED"}
    code, out, err = _gate(suite_path, "quality", capsys)
    assert code == 1 and "failed: run" in err and "is FAILED" in err


def test_a_run_is_one_commit(spark, setup):
    _, suite_path, metrics = setup
    suite = load_suite(suite_path)
    run_suite(spark, suite, metrics=metrics)
    history = spark.sql(f"DESCRIBE HISTORY delta.`{metrics}/{ms.RECORDS}`")
    before = history.count()
    run_suite(spark, suite, metrics=metrics)
    run_suite(spark, suite, metrics=metrics, run_id="same")
    run_suite(spark, suite, metrics=metrics, run_id="same")  # a re-run replaces in the same one commit
    assert spark.sql(f"DESCRIBE HISTORY delta.`{metrics}/{ms.RECORDS}`").count() == before + 3


def test_path_location_views_for_sql(spark, setup):
    _, suite_path, metrics = setup
    with pytest.raises(MetricsStoreError, match="no metrics recorded in .* yet"):
        register_views(spark, metrics)
    run = run_suite(spark, load_suite(suite_path), metrics=metrics)
    assert register_views(spark, metrics) == {t: t for t in ms.TABLES}
    try:
        assert [r.run_id for r in spark.sql("SELECT run_id FROM dq_runs").collect()] == [run.run_id]
        assert spark.sql("SELECT count(*) FROM dq_check_results").head()[0] == 4
        assert spark.table("dq_metrics").columns == ms.column_names(ms.METRICS)
    finally:
        for table in ms.TABLES:
            spark.catalog.dropTempView(table)


@pytest.mark.parametrize("kind", ["path", "schema"])
def test_metrics_of_the_old_three_table_layout_are_refused(spark, setup, capsys, kind):
    """dqengine 0.1 wrote three separate tables; reading only half of that history would be wrong."""
    _, suite_path, metrics = setup
    if kind == "path":
        spark.createDataFrame([("old",)], "run_id STRING").write.format("delta").save(f"{metrics}/dq_runs")
        where = metrics
    else:
        spark.sql("CREATE SCHEMA IF NOT EXISTS legacy_quality")
        spark.sql("CREATE TABLE IF NOT EXISTS legacy_quality.dq_runs (run_id STRING) USING delta")
        where = "legacy_quality"
    for command in (["run", str(suite_path)], ["gate", str(suite_path)]):
        assert main([*command, "--metrics", where]) == 3
        err = capsys.readouterr().err
        assert "in the layout of dqengine 0.1" in err and "give --metrics a new location" in err
    assert not (Path(metrics) / ms.RECORDS).exists()


def test_a_foreign_dq_records_table_is_refused(spark, setup, capsys):
    _, suite_path, metrics = setup
    spark.createDataFrame([(1,)], "x INT").write.format("delta").save(f"{metrics}/{ms.RECORDS}")
    assert main(["run", str(suite_path), "--metrics", metrics]) == 3
    assert "is not a dqengine metrics table (columns x)" in capsys.readouterr().err
    assert spark.read.format("delta").load(f"{metrics}/{ms.RECORDS}").count() == 1


def test_spark_connect_is_refused(monkeypatch, write_suite, capsys):
    from dqengine.errors import UnsupportedPlatformError
    from dqengine.spark.session import ensure_classic_session

    fake = type("SparkSession", (), {"__module__": "pyspark.sql.connect.session"})()
    with pytest.raises(UnsupportedPlatformError, match="Spark Connect session"):
        ensure_classic_session(fake)
    monkeypatch.setenv("SPARK_REMOTE", "sc://localhost:15002")
    suite_path = write_suite("suite: s\ndataset: {path: /x}\nchecks:\n  - name: c\n    constraints:\n"
                             "      - row_count: {must_be: 1}\n")
    assert main(["run", str(suite_path)]) == 3
    err = capsys.readouterr().err
    assert "Spark Connect session" in err and "single-user (dedicated) cluster" in err


def test_platform_table():
    from dqengine.errors import UnsupportedPlatformError
    from dqengine.platforms import platform_for

    assert platform_for("3.5.7").deequ_package == "com.amazon.deequ:deequ:2.1.0-spark-3.5"
    assert platform_for("3.5.0").delta_package == "io.delta:delta-spark_2.12:3.3.2"
    assert not platform_for("4.1.1").verified
    with pytest.raises(UnsupportedPlatformError, match="Spark 3.4.1 is not supported"):
        platform_for("3.4.1")
