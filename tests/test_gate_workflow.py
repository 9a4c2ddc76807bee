"""The gate as users run it (issue #9): one certification rule read by two gates (Spark, and no JVM
for local paths), the pinned version as default, commits that change no data, run-id scoping."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from dqengine import fastgate
from dqengine import metrics_schema as ms
from dqengine.certify import certify
from dqengine.checks import load_suite, parse_suite
from dqengine.cli import main
from dqengine.deltalog import DataVersion, last_data_change, parse_commit
from dqengine.errors import DatasetError
from dqengine.results import RunStatus
from dqengine.spark.gate import decide
from dqengine.spark.runner import run_suite
from dqengine.spark.store import MetricsLocation, MetricsStore
from helpers import no_java_env

REPO = Path(__file__).resolve().parent.parent
SCHEMA = "id BIGINT, v DOUBLE"

SUITE = """
suite: workflow
dataset:
  path: '{path}'{pinned}
checks:
  - name: keys
    constraints:
      - is_unique: id
      - row_count: {{must_be_greater_than: 0}}
"""


# --- the Delta log rule, on hand-written commits (no Spark) ------------------------------------


def _line(action: str, **fields) -> str:
    return json.dumps({action: fields})


def _commits(*texts: str):
    parsed = {v: parse_commit(v, text) for v, text in enumerate(texts) if text is not None}
    return lambda lo, hi: {v: c for v, c in parsed.items() if lo <= v <= hi}


META = {"schemaString": json.dumps({"type": "struct", "fields": [{"name": "id", "type": "long"}]}),
        "partitionColumns": []}
CREATE = "\n".join([_line("commitInfo", operation="WRITE"), _line("metaData", **META),
                    _line("add", path="a", dataChange=True)])
OPTIMIZE = "\n".join([_line("commitInfo", operation="OPTIMIZE"), _line("add", path="b", dataChange=False),
                      _line("remove", path="a", dataChange=False)])
PROPS = "\n".join([_line("commitInfo", operation="SET TBLPROPERTIES"),
                   _line("metaData", **{**META, "configuration": {"x": "1"}})])


def test_commits_that_change_no_data_are_walked_back_to_the_last_data_change():
    append = _line("add", path="c", dataChange=True)
    assert last_data_change(3, _commits(CREATE, append, OPTIMIZE, PROPS)) == \
        DataVersion(3, 1, ((2, "OPTIMIZE"), (3, "SET TBLPROPERTIES")))
    assert last_data_change(1, _commits(CREATE, append, OPTIMIZE)) == DataVersion(1, 1)
    assert last_data_change(1, _commits(CREATE, OPTIMIZE)).version == 0


@pytest.mark.parametrize("commit", [
    _line("add", path="b"),  # dataChange missing: not known to keep the data
    _line("remove", path="a", dataChange=True),
    _line("cdc", path="c", dataChange=False),
    _line("metaData", **{**META, "partitionColumns": ["id"]}),
    _line("metaData", **{**META, "schemaString": json.dumps({"type": "struct", "fields": []})}),
    "{not json",
], ids=["add-without-dataChange", "remove", "cdc", "partitioning", "schema", "corrupt"])
def test_a_commit_that_may_change_data_stops_the_walk(commit):
    assert last_data_change(1, _commits(CREATE, commit)) == DataVersion(1, 1)


def test_a_cleaned_up_commit_counts_as_a_data_change():
    assert last_data_change(2, _commits(CREATE, None, OPTIMIZE)) == DataVersion(2, 1, ((2, "OPTIMIZE"),))
    # SET TBLPROPERTIES whose previous schema is only in a checkpoint: cannot tell, so a change
    assert last_data_change(2, _commits(None, OPTIMIZE, PROPS)) == DataVersion(2, 2)


def test_a_long_walk_reads_few_batches():
    calls = []
    read = _commits(CREATE, *[OPTIMIZE] * 99)

    def counting(lo, hi):
        calls.append((lo, hi))
        return read(lo, hi)

    assert last_data_change(99, counting, batch=4).version == 0
    assert len(calls) <= 6


def test_the_rule_picks_the_newest_run_over_versions_with_the_same_data():
    suite = parse_suite(SUITE.format(path="/d", pinned=""), "s.yml")
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)

    def run(run_id, version, status, minutes):
        return {"run_id": run_id, "suite": suite.name, "suite_fingerprint": suite.fingerprint, "dataset": "/d",
                "dataset_version": version, "status": status, "message": "m",
                "finished_at": now + timedelta(minutes=minutes)}

    rows = [{"severity": "error", "status": "PASSED"}] * 2
    span = DataVersion(5, 3, ((4, "OPTIMIZE"), (5, "OPTIMIZE")))
    decision = certify(suite, "/d", span, [run("old", 3, "FAILED", 0), run("new", 4, "PASSED", 1)],
                       last_checked=lambda: 4, check_rows=lambda run_id: rows, location="m")
    assert decision.certified and (decision.run_id, decision.run_version) == ("new", 4)
    assert decision.unchanged == ((5, "OPTIMIZE"),)
    assert decision.reason == "certified by run new (PASSED) on version 4 (version 5 changes no data: OPTIMIZE)"
    decision = certify(suite, "/d", span, [run("old", 3, "PASSED", 1), run("new", 4, "FAILED", 0),
                                           run("before", 2, "PASSED", 2)],
                       last_checked=lambda: 4, check_rows=lambda run_id: rows, location="m")
    assert decision.certified and decision.run_id == "old" and "versions 4-5 change no data" in decision.reason


def test_a_run_without_a_version_is_not_a_candidate():
    """An ERROR run recorded before its version was pinned has no dataset_version."""
    suite = parse_suite(SUITE.format(path="/d", pinned=""), "s.yml")
    broken = {"run_id": "e", "suite": suite.name, "suite_fingerprint": suite.fingerprint, "dataset": "/d",
              "dataset_version": None, "status": "ERROR", "message": "m", "finished_at": None}
    decision = certify(suite, "/d", DataVersion(1, 1), [broken], last_checked=lambda: None,
                       check_rows=lambda run_id: [], location="m")
    assert not decision.certified and decision.reason.startswith("never checked")


# --- real tables: both gates, the same decisions ------------------------------------------------


@pytest.fixture
def table(spark, tmp_path):
    """A Delta table built by three small appends (versions 0-2), and a metrics location."""
    path = str(tmp_path / "data")
    for i in range(3):
        spark.createDataFrame([(i, float(i))], SCHEMA).write.format("delta").mode("append").save(path)
    return path, str(tmp_path / "metrics")


def _suite(write_suite, path: str, name: str = "suite.yml", pinned: int | None = None, extra: str = ""):
    text = SUITE.format(path=path, pinned="" if pinned is None else f"\n  version: {pinned}") + extra
    return load_suite(write_suite(text, name=name))


def _both(spark, suite, metrics: str, version: int | None = None):
    """The Spark gate's and the no-JVM gate's decisions, which must be equal."""
    location = MetricsLocation.parse(metrics)
    assert fastgate.applies(suite, location)
    through_spark = decide(spark, suite, version=version, metrics=location)
    without_jvm = fastgate.decide(suite, version=version, location=location)
    assert through_spark == without_jvm
    return through_spark


def _append(spark, path, rows):
    spark.createDataFrame(rows, SCHEMA).write.format("delta").mode("append").save(path)


SCENARIOS = ["never-checked", "passed", "failed", "suite-changed", "newer-data", "optimize-after-pass",
             "pinned-version", "nonexistent-version"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_spark_and_no_jvm_gates_decide_alike(spark, table, write_suite, scenario):
    path, metrics = table
    suite = _suite(write_suite, path)
    version = None
    if scenario != "never-checked":
        run = run_suite(spark, suite, metrics=metrics)
        assert run.status is RunStatus.PASSED and run.dataset_version == 2
    if scenario == "failed":
        _append(spark, path, [(0, 9.0)])  # a duplicate id
        assert run_suite(spark, suite, metrics=metrics).status is RunStatus.FAILED
    elif scenario == "suite-changed":
        suite = _suite(write_suite, path, "changed.yml", extra="      - is_complete: v\n")
    elif scenario == "newer-data":
        _append(spark, path, [(7, 7.0)])
    elif scenario == "optimize-after-pass":
        spark.sql(f"OPTIMIZE delta.`{path}`")
    elif scenario == "pinned-version":
        _append(spark, path, [(7, 7.0)])
        suite = _suite(write_suite, path, "pinned.yml", pinned=2)
    elif scenario == "nonexistent-version":
        version = 9

    if scenario == "nonexistent-version":
        location = MetricsLocation.parse(metrics)
        with pytest.raises(DatasetError) as through_spark:
            decide(spark, suite, version=version, metrics=location)
        with pytest.raises(DatasetError) as without_jvm:
            fastgate.decide(suite, version=version, location=location)
        assert str(through_spark.value) == str(without_jvm.value)
        assert str(without_jvm.value).endswith(f"--version 9 of {path} does not exist; the latest version is 2")
        return
    decision = _both(spark, suite, metrics, version)
    expected = {
        "never-checked": (False, 2, "never checked: no run of suite 'workflow'"),
        "passed": (True, 2, "certified by run "),
        "failed": (False, 3, "failed: run "),
        "suite-changed": (False, 2, "suite changed since version 2 was checked"),
        "newer-data": (False, 3, "newer data not yet checked: "),
        "optimize-after-pass": (True, 3, "certified by run "),
        "pinned-version": (True, 2, "certified by run "),
    }[scenario]
    assert (decision.certified, decision.version) == expected[:2]
    assert decision.reason.startswith(expected[2]), decision.reason


def test_optimize_and_set_tblproperties_keep_the_certification(spark, table, write_suite):
    path, metrics = table
    suite = _suite(write_suite, path)
    run = run_suite(spark, suite, metrics=metrics)
    spark.sql(f"OPTIMIZE delta.`{path}`")  # version 3: three small files become one
    decision = _both(spark, suite, metrics)
    assert decision.certified and decision.version == 3
    assert (decision.run_id, decision.run_version, decision.unchanged) == (run.run_id, 2, ((3, "OPTIMIZE"),))
    assert decision.reason == f"certified by run {run.run_id} (PASSED) on version 2 (version 3 changes no data: OPTIMIZE)"

    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('dqengine.test' = 'yes')")  # version 4
    spark.sql(f"OPTIMIZE delta.`{path}` ZORDER BY (v)")  # version 5 (one file: a no-op commit or none)
    latest = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").head()["version"]
    decision = _both(spark, suite, metrics)
    assert decision.certified and decision.version == latest and decision.run_version == 2
    assert [v for v, _ in decision.unchanged] == list(range(3, latest + 1))
    assert "SET TBLPROPERTIES" in decision.reason


def test_a_dataset_path_with_glob_characters_is_read_literally(spark, tmp_path, write_suite):
    """Spark reads the commit files through a Hadoop glob: '[1]' in the path must not be a pattern."""
    path = str(tmp_path / "data[1]")
    for i in range(2):
        _append(spark, path, [(i, float(i))])
    suite = _suite(write_suite, path)
    metrics = str(tmp_path / "metrics")
    run = run_suite(spark, suite, metrics=metrics)
    spark.sql(f"OPTIMIZE delta.`{path}`")
    decision = _both(spark, suite, metrics)
    assert decision.certified and (decision.version, decision.run_id, decision.run_version) == (2, run.run_id, 1)


@pytest.mark.parametrize("change", ["append", "delete", "add-columns"])
def test_a_data_change_after_the_checked_version_blocks(spark, table, write_suite, change):
    path, metrics = table
    suite = _suite(write_suite, path)
    run_suite(spark, suite, metrics=metrics)
    statement = {
        "append": None,
        "delete": f"DELETE FROM delta.`{path}` WHERE id = 0",
        "add-columns": f"ALTER TABLE delta.`{path}` ADD COLUMNS (w STRING)",
    }[change]
    if statement is None:
        _append(spark, path, [(5, 5.0)])
    else:
        spark.sql(statement)
    spark.sql(f"OPTIMIZE delta.`{path}`")  # compaction after the change certifies nothing
    decision = _both(spark, suite, metrics)
    assert not decision.certified
    assert decision.reason.startswith(f"newer data not yet checked: {path} is at version {decision.version}, "
                                      "the last checked version is 2")


def test_the_gate_reads_a_metastore_tables_log(spark, tmp_path, write_suite):
    spark.sql("CREATE SCHEMA IF NOT EXISTS gatewf")
    spark.sql("DROP TABLE IF EXISTS gatewf.readings")
    spark.sql(f"CREATE TABLE gatewf.readings ({SCHEMA}) USING delta")  # version 0
    for i in range(2):
        spark.createDataFrame([(i, float(i))], SCHEMA).write.insertInto("gatewf.readings")  # versions 1, 2
    suite = load_suite(write_suite("suite: ms\ndataset: {table: gatewf.readings}\nchecks:\n  - name: c\n"
                                   "    constraints:\n      - is_unique: id\n", name="ms.yml"))
    metrics = str(tmp_path / "metrics")
    run = run_suite(spark, suite, metrics=metrics)
    spark.sql("OPTIMIZE gatewf.readings")
    decision = decide(spark, suite, metrics=metrics)
    assert decision.certified and (decision.version, decision.run_version) == (3, 2)
    assert decision.run_id == run.run_id and decision.unchanged == ((3, "OPTIMIZE"),)
    spark.createDataFrame([(5, 5.0)], SCHEMA).write.insertInto("gatewf.readings")
    assert decide(spark, suite, metrics=metrics).reason.startswith("newer data not yet checked")


# --- run ids shared by several suites -------------------------------------------------------------


def test_check_results_are_scoped_by_run_suite_and_dataset(spark, table, write_suite):
    """A Databricks job runs several suites under one {{job.run_id}}: another suite's rows under
    the same run id must not make this run look inconsistent."""
    path, metrics = table
    suite = _suite(write_suite, path)
    run = run_suite(spark, suite, metrics=metrics, run_id="job-42")
    now = datetime.now(timezone.utc)
    other = [("job-42", "other_suite", path, 2, "c", 0, "completeness", "completeness(v)", "v", "error",
              "completeness", "PASSED", "Completeness", 1.0, ">= 1", "", now)]
    named = [dict(zip(ms.column_names(ms.CHECK_RESULTS), row)) for row in other]
    spark.createDataFrame(ms.stored_rows(ms.CHECK_RESULTS, named), ms.stored_schema_string()) \
        .write.format("delta").mode("append").save(f"{metrics}/{ms.RECORDS}")
    store = MetricsStore(spark, MetricsLocation.parse(metrics))
    assert len(store.check_results("job-42", suite.name, path)) == len(run.constraints)
    decision = _both(spark, suite, metrics)
    assert decision.certified and decision.run_id == "job-42"


# --- a real `dqengine gate` process on local paths: no JVM --------------------------------------




def _gate_process(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "dqengine.cli", "gate", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_gate_process_on_local_paths_starts_no_jvm(spark, table, write_suite, tmp_path):
    path, metrics = table
    suite = _suite(write_suite, path)
    run = run_suite(spark, suite, metrics=metrics)
    spark.sql(f"OPTIMIZE delta.`{path}`")  # version 3
    env = no_java_env()

    done = _gate_process(suite.source, "--metrics", metrics, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "3\n"  # exactly the version, nothing else
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "deltalake" in imported and not [m for m in imported if m.startswith(("pyspark", "py4j"))]
    told = [line for line in done.stderr.splitlines() if line.startswith("gate:")]
    assert told == [f"gate: {path} version 3: certified by run {run.run_id} (PASSED) on version 2 "
                    "(version 3 changes no data: OPTIMIZE)"]

    blocked = _gate_process(suite.source, "--metrics", metrics, "--version", "1", env=env)
    assert blocked.returncode == 1 and blocked.stdout == ""
    missing = _gate_process(suite.source, "--metrics", metrics, "--version", "9", env=env)
    told = [line for line in missing.stderr.splitlines() if not line.startswith("import time:")]
    assert missing.returncode == 2 and told == [
        f"{suite.source}:3:3: --version 9 of {path} does not exist; the latest version is 3"]

    # the same environment does stop a gate that needs Spark: the check above can fail
    env_spark = {**env, "DQENGINE_GATE_SPARK": "1"}
    spark_gate = _gate_process(suite.source, "--metrics", metrics, env=env_spark)
    assert spark_gate.returncode == 3 and spark_gate.stdout == ""


def test_gate_process_refuses_what_the_spark_gate_refuses(spark, table, write_suite, tmp_path, monkeypatch,
                                                          capsys):
    path, metrics = table
    suite = _suite(write_suite, path)
    env = no_java_env()
    foreign = str(tmp_path / "foreign")
    spark.createDataFrame([(1,)], "x INT").write.format("delta").save(f"{foreign}/{ms.RECORDS}")
    legacy = str(tmp_path / "legacy")
    spark.createDataFrame([("old",)], "run_id STRING").write.format("delta").save(f"{legacy}/dq_runs")
    monkeypatch.setenv("DQENGINE_GATE_SPARK", "1")
    for where, message in ((foreign, "is not a dqengine metrics table (columns x)"),
                           (legacy, "in the layout of dqengine 0.1")):
        fast = _gate_process(suite.source, "--metrics", where, env=env)
        told = [line for line in fast.stderr.splitlines() if not line.startswith("import time:")]
        assert fast.returncode == 3 and len(told) == 1 and message in told[0]
        assert main(["gate", suite.source, "--metrics", where]) == 3  # through Spark, in this process
        assert capsys.readouterr().err.strip().splitlines() == told


def test_pinned_version_that_does_not_exist_is_a_dataset_error(spark, table, write_suite):
    path, metrics = table
    suite = _suite(write_suite, path, pinned=7)
    location = MetricsLocation.parse(metrics)
    for gate in (lambda: decide(spark, suite, metrics=location),
                 lambda: fastgate.decide(suite, version=None, location=location)):
        with pytest.raises(DatasetError) as error:
            gate()
        assert str(error.value) == (f"{suite.source}:4:12: dataset.version 7 of {path} does not exist; "
                                    "the latest version is 2")

