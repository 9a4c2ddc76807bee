"""--metrics locations, checked against the session before anything is computed or written.

The branches are tested with a stand-in session (what the catalog holds, which metastore); the
Spark-backed cases (a Delta table as the location, a location that cannot be created, a recording
failure after the metrics were computed) run on the real session.
"""
from __future__ import annotations

import logging
import os
from types import SimpleNamespace

import pytest

from dqengine.cli import main
from dqengine.errors import ConfigError, MetricsStoreError
from dqengine.spark.store import MetricsLocation, resolve_location, settle_location


def _session(databases=("default",), catalogs=("spark_catalog",), implementation="hive"):
    return SimpleNamespace(
        catalog=SimpleNamespace(databaseExists=lambda name: name in databases,
                                listCatalogs=lambda: [SimpleNamespace(name=c) for c in catalogs]),
        conf=SimpleNamespace(get=lambda key, default=None: implementation))


def _settle(text, **session):
    return settle_location(_session(**session), MetricsLocation.parse(text))


def test_empty_metrics_is_an_error_not_the_default(monkeypatch):
    monkeypatch.setenv("DQENGINE_METRICS", "/elsewhere")
    with pytest.raises(ConfigError, match=r'^--metrics: empty location; give a directory'):
        resolve_location("")
    assert resolve_location(None).value == "/elsewhere"
    monkeypatch.setenv("DQENGINE_METRICS", "")  # an empty variable is unset, as shells treat it
    assert resolve_location(None).value == os.path.abspath("./dq_metrics")


def test_empty_metrics_exits_2_before_spark(capsys, tmp_path):
    suite = tmp_path / "s.yml"
    suite.write_text("suite: s\ndataset: {path: /nowhere}\nchecks:\n  - name: c\n    constraints:\n"
                     "      - row_count: {must_be_greater_than: 0}\n")
    assert main(["run", str(suite), "--metrics", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("dqengine: --metrics: empty location") and "\n" not in err


def test_bare_word_is_a_schema_only_if_one_exists(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _settle("quality_out") == MetricsLocation("path", str(tmp_path / "quality_out"))
    assert _settle("quality", databases=("default", "quality")) == MetricsLocation("schema", "quality")


def test_catalog_the_session_does_not_have_is_a_config_error():
    with pytest.raises(ConfigError, match=r"^--metrics main\.quality: this Spark session has no catalog "
                                          r"'main' \(catalogs: spark_catalog\); a catalog\.schema name "
                                          r"needs Unity Catalog"):
        _settle("main.quality")
    # with Unity Catalog the same name is fine
    assert _settle("main.quality", databases=("main.quality",), catalogs=("spark_catalog", "main")).kind == "schema"


def test_missing_schema_is_named():
    with pytest.raises(ConfigError, match=r"^--metrics spark_catalog\.nosuch: schema 'spark_catalog\.nosuch' "
                                          r"does not exist; create it \(CREATE SCHEMA spark_catalog\.nosuch\)"):
        _settle("spark_catalog.nosuch")


def test_in_memory_metastore_is_refused():
    with pytest.raises(ConfigError, match=r"^--metrics default: this session's metastore is in memory "
                                          r"\(no Hive support, no Unity Catalog\), so tables created there "
                                          r"vanish with the process"):
        _settle("default", implementation="in-memory")
    # a Unity Catalog name is not in the session catalog: its metastore is not the in-memory one
    assert _settle("main.q", databases=("main.q",), catalogs=("spark_catalog", "main"),
                   implementation="in-memory").kind == "schema"


def test_metrics_inside_a_delta_data_table_is_refused(tmp_path):
    table = tmp_path / "readings"
    (table / "_delta_log").mkdir(parents=True)
    with pytest.raises(ConfigError, match=rf"^--metrics {table} is a Delta data table, not a metrics location"):
        _settle(str(table))
    with pytest.raises(ConfigError, match=rf"^--metrics {table}/dq lies inside the Delta table {table};"):
        _settle(str(table / "dq"))
    records = tmp_path / "metrics" / "dq_records"
    (records / "_delta_log").mkdir(parents=True)
    with pytest.raises(ConfigError, match=rf"is the metrics table itself; give the directory that holds it "
                                          rf"\({tmp_path / 'metrics'}\)"):
        _settle(str(records))
    assert _settle(str(tmp_path / "metrics")).kind == "path"  # the location that holds dq_records


def test_the_no_jvm_gate_refuses_the_same_directories(tmp_path, write_suite):
    """The gate without Spark applies the same directory rules, with the same messages, rather than
    answer "never checked" about a data table given as --metrics."""
    from dqengine import fastgate
    from dqengine.checks import load_suite

    table = tmp_path / "readings"
    (table / "_delta_log").mkdir(parents=True)
    (table / "_delta_log" / "00000000000000000000.json").write_text("{}\n")
    suite = load_suite(write_suite(f"""
        suite: loc
        dataset: {{path: '{table}'}}
        checks:
          - name: c
            constraints:
              - row_count: {{must_be: 1}}
    """))
    location = MetricsLocation.parse(str(table))
    assert fastgate.applies(suite, location)
    with pytest.raises(ConfigError, match=rf"^--metrics {table} is a Delta data table, not a metrics location"):
        fastgate.decide(suite, version=None, location=location)
    with pytest.raises(ConfigError, match=rf"^--metrics {table}/dq lies inside the Delta table {table};"):
        fastgate.decide(suite, version=None, location=MetricsLocation.parse(str(table / "dq")))


def test_metastore_locations_on_the_real_session(spark, delta_table, write_suite, tmp_path):
    from dqengine.spark.runner import run_suite
    from dqengine.checks import load_suite

    data = delta_table([(1,)], "id BIGINT", name="t")
    suite = load_suite(write_suite(f"""
        suite: loc
        dataset: {{path: '{data}'}}
        checks:
          - name: c
            constraints:
              - row_count: {{must_be: 1}}
    """))
    with pytest.raises(ConfigError, match="this Spark session has no catalog 'main'"):
        run_suite(spark, suite, metrics="main.quality")
    with pytest.raises(ConfigError, match="is a Delta data table, not a metrics location"):
        run_suite(spark, suite, metrics=data)
    spark.sql("CREATE SCHEMA IF NOT EXISTS loc_quality")
    run = run_suite(spark, suite, metrics="loc_quality")
    assert run.extra["metrics_location"] == "loc_quality"
    assert spark.table("loc_quality.dq_runs").where(f"run_id = '{run.run_id}'").count() == 1


def test_unwritable_location_fails_before_any_metric_is_computed(spark, delta_table, write_suite, tmp_path, caplog):
    from dqengine.checks import load_suite
    from dqengine.spark.runner import run_suite

    data = delta_table([(1,)], "id BIGINT", name="t")
    suite = load_suite(write_suite(f"""
        suite: loc
        dataset: {{path: '{data}'}}
        checks:
          - name: c
            constraints:
              - row_count: {{must_be: 1}}
    """))
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory")
    with caplog.at_level(logging.INFO, logger="dqengine"):
        with pytest.raises(MetricsStoreError, match=r"^cannot create metrics table delta\.`.*a_file/m/dq_records`: "):
            run_suite(spark, suite, metrics=str(blocker / "m"))
    assert not [r for r in caplog.records if "Deequ analyzers" in r.getMessage()]  # nothing computed


def test_recording_failure_prints_the_summary_then_the_error(spark, delta_table, write_suite, tmp_path,
                                                            capsys, monkeypatch):
    from dqengine.spark.store import MetricsStore

    data = delta_table([(1,)], "id BIGINT", name="t")
    suite = write_suite(f"""
        suite: loc
        dataset: {{path: '{data}'}}
        checks:
          - name: c
            constraints:
              - row_count: {{must_be: 1}}
    """)

    def refuse(self, run, **options):
        raise MetricsStoreError(f"cannot write {self.records_table}: disk full; run {run.run_id} was not recorded")

    monkeypatch.setattr(MetricsStore, "write", refuse)
    assert main(["run", str(suite), "--metrics", str(tmp_path / "m"), "--run-id", "r1"]) == 3
    out, err = capsys.readouterr()
    assert out.startswith("suite loc on ") and "row_count" in out and "recorded in" not in out
    assert err.strip().splitlines()[-1].startswith("dqengine: cannot write delta.`") \
        and err.strip().endswith("disk full; run r1 was not recorded")
