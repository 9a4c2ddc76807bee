"""The store evolves (issue #10): a layout-1 dq_records, written by the layout-1 code itself
(tests/data/layout1, see tests/data/make_layout1.py), is read as it is by both gates and migrated
in place by the next run; metric keys and constraint ids are persisted; Deequ's states are stored
and load back into Deequ. The same for a layout-2 one (tests/data/layout2, issue #11: scores).
"""
from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest

from dqengine import fastgate, metrics_schema as ms
from dqengine.checks import load_suite, parse_suite
from dqengine.errors import MetricsStoreError
from dqengine.identity import MetricScope
from dqengine.planner import plan_suite
from dqengine.spark import gate as spark_gate
from dqengine.spark.runner import run_suite
from dqengine.spark.states import match_states, metrics_from_states
from dqengine.spark.store import MetricsLocation, MetricsStore

FIXTURE = Path(__file__).resolve().parent / "data" / "layout1"
LAYOUT1 = json.loads((FIXTURE / "layout1.json").read_text(encoding="utf-8"))
LAYOUT1_COLUMNS = [c.split()[0].strip("`") for c in LAYOUT1["schema"].split(", ")]
FIXTURE2 = Path(__file__).resolve().parent / "data" / "layout2"
LAYOUT2 = json.loads((FIXTURE2 / "layout2.json").read_text(encoding="utf-8"))
LAYOUT2_COLUMNS = [c.split()[0].strip("`") for c in LAYOUT2["schema"].split(", ")]


@pytest.fixture
def layout1(spark, tmp_path, monkeypatch):
    """A copy of the fixture: (suite, metrics directory, dq_records path), the dataset relocated.

    The suite names its dataset by a relative path, so from the copy's directory it has the
    fingerprint the layout-1 runs recorded; only the recorded absolute path is rewritten (an
    UPDATE of values, which leaves the table at layout 1).
    """
    root = tmp_path / "layout1"
    shutil.copytree(FIXTURE, root)
    monkeypatch.chdir(root)
    records = str(root / "metrics" / ms.RECORDS)
    spark.sql(f"UPDATE delta.`{records}` SET dataset = '{root / 'dataset'}' WHERE dataset = '{LAYOUT1['dataset']}'")
    suite = load_suite(root / "suite.yml")
    assert suite.fingerprint == LAYOUT1["suite_fingerprint"]
    return suite, str(root / "metrics"), records


PROVIDERS = {"metadata", "deequ_scan", "grouping", "windowed"}


def _log(records: str) -> list[str]:
    return sorted(os.listdir(os.path.join(records, "_delta_log")))


def _operations(spark, table: str) -> list[str]:
    return [r["operation"] for r in spark.sql(f"DESCRIBE HISTORY {table}").orderBy("version").collect()]


def _decisions(spark, suite, metrics: str, version: int):
    location = MetricsLocation.parse(metrics)
    fast = fastgate.decide(suite, version=version, location=location)
    slow = spark_gate.decide(spark, suite, version=version, metrics=metrics)
    assert (fast.certified, fast.run_id, fast.reason) == (slow.certified, slow.run_id, slow.reason)
    return fast


def _rows(spark, records: str, kind: str, run_id: str) -> list:
    return spark.read.format("delta").load(records).where(f"record = '{kind}' AND run_id = '{run_id}'").collect()


def test_a_run_migrates_a_layout_1_table_and_both_gates_read_either_layout(spark, layout1):
    suite, metrics, records = layout1
    assert spark.read.format("delta").load(records).columns == LAYOUT1_COLUMNS

    # Unmigrated: both gates decide from the layout-1 rows, and neither writes.
    log = _log(records)
    certified = _decisions(spark, suite, metrics, 1)
    assert certified.certified and certified.run_id == "v1-passed"
    blocked = _decisions(spark, suite, metrics, 0)
    assert not blocked.certified and blocked.reason.startswith("failed: run v0-failed")
    store = MetricsStore(spark, MetricsLocation.parse(metrics))
    old = store.check_results("v1-passed", suite.name, certified.dataset)
    assert len(old) == 8 and {(r["constraint_id"], r["metric_key"]) for r in old} == {(None, None)}
    assert _log(records) == log

    # A run migrates it in place: the columns a layout adds, then the layout property.
    run = run_suite(spark, suite, version=0, metrics=metrics, run_id="v0-layout2")
    assert run.status.value == "FAILED"
    table = f"delta.`{records}`"
    assert spark.read.format("delta").load(records).columns == [c.name for c in ms.STORED]
    assert store._properties()[ms.LAYOUT_PROPERTY] == "3"
    assert _operations(spark, table)[-3:] == ["ADD COLUMNS", "SET TBLPROPERTIES", "WRITE"]

    # Old rows keep NULL keys; the new run's rows have them, and the verdicts' keys are metrics'.
    for kind in ("check", "metric"):
        for run_id in ("v0-failed", "v1-passed"):
            assert {(r["metric_key"], r["constraint_id"]) for r in _rows(spark, records, kind, run_id)} == {(None, None)}
    checks = _rows(spark, records, "check", "v0-layout2")
    metrics_rows = _rows(spark, records, "metric", "v0-layout2")
    assert len(checks) == 8 and all(r["constraint_id"] and r["metric_key"] for r in checks)
    assert all(r["metric_key"] and r["provider"] in PROVIDERS for r in metrics_rows)
    assert {r["metric_key"] for r in checks} <= {r["metric_key"] for r in metrics_rows}
    assert {r["record"] for r in spark.read.format("delta").load(records).where("run_id = 'v0-layout2'")
            .select("record").collect()} == {"run", "check", "metric", "score", "state", "sketch"}

    # Migrated: the gates still decide on old and new runs alike.
    certified = _decisions(spark, suite, metrics, 1)
    assert certified.certified and certified.run_id == "v1-passed"
    blocked = _decisions(spark, suite, metrics, 0)
    assert not blocked.certified and blocked.reason.startswith("failed: run v0-layout2")

    # Idempotent: the next run alters nothing.
    before = _operations(spark, table)
    run_suite(spark, suite, version=1, metrics=metrics, run_id="v1-layout2")
    assert _operations(spark, table) == before + ["WRITE"]
    assert _decisions(spark, suite, metrics, 1).run_id == "v1-layout2"


@pytest.fixture
def layout2(spark, tmp_path, monkeypatch):
    """As ``layout1``, for the layout-2 fixture (written by the layout-2 code, see make_layout2.py)."""
    root = tmp_path / "layout2"
    shutil.copytree(FIXTURE2, root)
    monkeypatch.chdir(root)
    records = str(root / "metrics" / ms.RECORDS)
    spark.sql(f"UPDATE delta.`{records}` SET dataset = '{root / 'dataset'}' WHERE dataset = '{LAYOUT2['dataset']}'")
    suite = load_suite(root / "suite.yml")
    assert suite.fingerprint == LAYOUT2["suite_fingerprint"]
    return suite, str(root / "metrics"), records


def test_a_run_migrates_a_layout_2_table_to_scores_and_both_gates_read_either_layout(spark, layout2):
    suite, metrics, records = layout2
    assert spark.read.format("delta").load(records).columns == LAYOUT2_COLUMNS
    assert ms.layout_of(LAYOUT2_COLUMNS) == 2

    # Unmigrated: both gates decide from the layout-2 rows (no scores there), and neither writes.
    log = _log(records)
    assert _decisions(spark, suite, metrics, 1).run_id == "v1-passed"
    assert not _decisions(spark, suite, metrics, 0).certified
    store = MetricsStore(spark, MetricsLocation.parse(metrics))
    assert store.scores("v1-passed", suite.name, str(Path(records).parent.parent / "dataset")) == []
    assert _log(records) == log

    # A run adds the score columns, then the layout property; the run's scores land with it.
    run = run_suite(spark, suite, version=1, metrics=metrics, run_id="v1-layout3")
    table = f"delta.`{records}`"
    assert spark.read.format("delta").load(records).columns == [c.name for c in ms.STORED]
    assert store._properties()[ms.LAYOUT_PROPERTY] == "3"
    assert _operations(spark, table)[-3:] == ["ADD COLUMNS", "SET TBLPROPERTIES", "WRITE"]
    old = _rows(spark, records, "check", "v1-passed")
    assert len(old) == 4 and {(r["score"], r["weight"]) for r in old} == {(None, None)}
    assert all(r["constraint_id"] for r in old)  # what layout 2 recorded is kept
    new = {r["label"]: (r["dimension"], r["score"], r["weight"]) for r in _rows(spark, records, "check", "v1-layout3")}
    assert new["pressure >= 0"] == ("validity", 1.0, 1.0)
    scores = {r["dimension"]: (r["score"], r["constraints"], r["left_out"])
              for r in _rows(spark, records, "score", "v1-layout3")}
    assert scores == {s.dimension: (s.score, s.constraints, s.left_out) for s in run.scores}
    # completeness: row_count 1 and completeness(temperature) 2/3 (a row fraction); the others 1
    assert scores["completeness"] == (pytest.approx((1 + 2 / 3) / 2), 2, 0)
    assert scores["overall"] == (pytest.approx(((1 + 2 / 3) / 2 + 1 + 1) / 3), 4, 0)

    # Migrated: the gates decide on old and new runs alike; the view shows the new run's scores.
    assert _decisions(spark, suite, metrics, 1).run_id == "v1-layout3"
    assert not _decisions(spark, suite, metrics, 0).certified
    views = store.register_views()
    assert spark.sql(f"SELECT count(*) FROM {views[ms.SCORES]} WHERE run_id = 'v1-passed'").head()[0] == 0
    assert spark.sql(f"SELECT score FROM {views[ms.SCORES]} WHERE run_id = 'v1-layout3' "
                     "AND dimension = 'uniqueness'").head()[0] == 1.0


def test_two_runs_migrating_at_once_migrate_once(spark, layout1):
    suite, metrics, records = layout1
    stores = [MetricsStore(spark, MetricsLocation.parse(metrics)) for _ in range(2)]
    errors: list[BaseException] = []

    def migrate(store):
        try:
            store.ensure_tables()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=migrate, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    operations = _operations(spark, f"delta.`{records}`")
    assert operations.count("ADD COLUMNS") == 1 and operations.count("SET TBLPROPERTIES") == 1
    assert spark.read.format("delta").load(records).columns == [c.name for c in ms.STORED]


def test_a_table_of_a_newer_layout_is_refused_with_one_line(spark, layout1):
    suite, metrics, records = layout1
    spark.sql(f"ALTER TABLE delta.`{records}` SET TBLPROPERTIES ('{ms.LAYOUT_PROPERTY}' = '4')")
    log = _log(records)
    expected = (f"delta.`{records}` has metrics layout 4, newer than this dqengine")
    for attempt in (lambda: run_suite(spark, suite, metrics=metrics),
                    lambda: spark_gate.decide(spark, suite, metrics=metrics),
                    lambda: fastgate.decide(suite, version=None, location=MetricsLocation.parse(metrics))):
        with pytest.raises(MetricsStoreError) as info:
            attempt()
        message = str(info.value)
        assert message.startswith(expected) and "\n" not in message
        assert message.endswith("(layout 3); upgrade dqengine (pip install -U dqengine) wherever this "
                                "location is used")
    assert _log(records) == log


def test_a_layout_1_table_and_its_views_in_a_schema_are_migrated_and_the_views_recreated(spark, layout1):
    """Built from the frozen layout-1 DDL and filled with the fixture's rows, as a metastore
    location of layout 1 would be."""
    suite, _, records = layout1
    schema = "layout1_quality"
    spark.sql(f"CREATE SCHEMA {schema}")
    try:
        spark.sql(f"CREATE TABLE {schema}.{ms.RECORDS} ({LAYOUT1['columns']}) USING delta "
                  f"PARTITIONED BY ({LAYOUT1['partition']}) TBLPROPERTIES ('{LAYOUT1['property']}' = '1')")
        spark.sql(f"INSERT INTO {schema}.{ms.RECORDS} SELECT * FROM delta.`{records}`")
        for table, ddl in LAYOUT1["views"].items():
            spark.sql(ddl.format(view=f"{schema}.{table}", source=f"{schema}.{ms.RECORDS}"))
        assert len(spark.table(f"{schema}.{ms.CHECK_RESULTS}").columns) == 17

        gate = spark_gate.decide(spark, suite, version=1, metrics=schema)
        assert gate.certified and gate.run_id == "v1-passed"

        run_suite(spark, suite, version=1, metrics=schema, run_id="v1-layout2")
        assert spark.table(f"{schema}.{ms.RECORDS}").columns == [c.name for c in ms.STORED]
        for table in ms.TABLES:
            assert spark.table(f"{schema}.{table}").columns == ms.column_names(table)
        keys = {r["run_id"]: r["k"] for r in spark.sql(
            f"SELECT run_id, count(metric_key) AS k FROM {schema}.{ms.METRICS} GROUP BY run_id").collect()}
        assert keys["v0-failed"] == keys["v1-passed"] == 0 and keys["v1-layout2"] > 0
        providers = {r[0] for r in spark.sql(f"SELECT DISTINCT provider FROM {schema}.{ms.METRICS} "
                                             "WHERE run_id = 'v1-layout2'").collect()}
        assert providers and providers <= PROVIDERS
        assert spark_gate.decide(spark, suite, version=1, metrics=schema).run_id == "v1-layout2"
    finally:
        spark.sql(f"DROP SCHEMA {schema} CASCADE")


STATE_SUITE = """
suite: states
dataset: {{path: '{path}'}}
checks:
  - name: c
    constraints:
      - row_count: {{must_be: 6}}
      - completeness: {{column: v, must_be_at_least: 0.5}}
      - mean: {{column: v, must_be_at_least: 0}}
      - stddev: {{column: v, must_be_at_least: 0}}
      - quantile: {{column: v, quantile: 0.5, must_be_at_least: 0}}
      - approx_distinct_count: {{column: s, must_be_at_least: 1}}
      - data_type: {{column: code, type: integral, min_fraction: 0.5}}
      - satisfies: {{expression: 'v < 100', label: small}}
      - satisfies: {{expression: 'v < 10', label: small}}
      - min_length: {{column: s, must_be_at_least: 1}}
      - correlation: {{columns: [v, w], must_be_at_least: -1}}
      - min: {{column: day, must_be_at_least: 0}}
      - is_unique: id
"""


def test_stored_states_load_back_into_deequ_with_the_same_metrics(spark, delta_table, tmp_path):
    from datetime import date

    from pyspark.sql import functions as F

    rows = [(i, float(i) if i != 3 else None, 2.0 * i, f"s{i % 3}", str(i) if i != 5 else "x", date(2024, 1, i))
            for i in range(1, 7)]
    path = delta_table(rows, "id INT, v DOUBLE, w DOUBLE, s STRING, code STRING, day DATE")
    suite = parse_suite(STATE_SUITE.format(path=path), str(tmp_path / "s.yml"))
    metrics = str(tmp_path / "metrics")
    run = run_suite(spark, suite, metrics=metrics)
    stored = MetricsStore(spark, MetricsLocation.parse(metrics)).states(run.run_id, suite.name, path)

    df = spark.read.format("delta").load(path)
    schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    plan = plan_suite(suite, schema=schema)
    for name, expression in plan.derived_columns:
        df = df.withColumn(name, F.expr(expression))
    assert match_states(plan, MetricScope(path, "v > 0"), stored.values()) == {}  # other rows, other keys
    scope = MetricScope(path, suite.dataset.where)
    matched = match_states(plan, scope, stored.values())
    kinds = {spec.kind: record.kind for spec, record in matched.items()}
    assert kinds == {"Size": "state", "Completeness": "state", "Mean": "state", "StandardDeviation": "state",
                     "ApproxQuantile": "sketch", "ApproxCountDistinct": "sketch", "DataType": "state",
                     "Compliance": "state", "MinLength": "state", "Correlation": "state", "Minimum": "state"}
    # one label, two expressions: two keys; and the NaN count behind the quantile of a DOUBLE
    assert sorted(r.instance for s, r in matched.items() if s.kind == "Compliance") == ["small", "small",
                                                                                     "v is not NaN"]
    assert len(stored) == len(matched)  # one row per analyzer with a state; none for Uniqueness
    assert {r.payload_type for r in matched.values()} >= {"NumMatchesAndCount", "ApproxQuantileState",
                                                           "ApproxCountDistinctState", "DataTypeHistogram"}
    assert all(r.payload_format.startswith("deequ.HdfsStateProvider@") for r in matched.values())

    loaded = metrics_from_states(df, {spec: record.payload for spec, record in matched.items()})
    by_key = {m.key: m.value for m in run.metrics}
    for spec, output in loaded.items():
        assert output.error is None, (spec, output.error)
        for record in output.records:
            assert by_key[plan.metric_key(spec, record.name, scope)] == pytest.approx(record.value)


def test_metric_keys_and_constraint_ids_survive_reordering_and_relabelling(spark, delta_table, tmp_path):
    path = delta_table([(1, 1.0), (2, None), (3, 3.0)], "id INT, v DOUBLE")
    items = ["- is_complete: id", "- completeness: {column: v, must_be_at_least: 0.5}",
             "- satisfies: {expression: 'v > 0', label: positive}", "- quantile: {column: v, quantile: 0.5, must_be: 1}"]

    def suite(lines):
        body = "\n".join("      " + line for line in lines)
        return parse_suite(f"suite: keys\ndataset: {{path: '{path}'}}\nchecks:\n  - name: c\n    constraints:\n{body}\n",
                           str(tmp_path / "s.yml"))

    metrics = str(tmp_path / "metrics")
    first = run_suite(spark, suite(items), metrics=metrics, run_id="first")
    relabelled = [items[3], items[2].replace("positive", "v is positive"), items[1], items[0]]
    second = run_suite(spark, suite(relabelled), metrics=metrics, run_id="second", states=False)

    store = MetricsStore(spark, MetricsLocation.parse(metrics))
    df = store.read(ms.METRICS)
    values = {run_id: {(r["metric_key"], r["value"]) for r in df.where(f"run_id = '{run_id}'").collect()}
              for run_id in ("first", "second")}
    assert values["first"] == values["second"] and len(values["first"]) == len({m.key for m in first.metrics})
    ids = {run.run_id: {(c.constraint_id, c.metric_key, c.metric_value) for c in run.constraints}
           for run in (first, second)}
    assert ids["first"] == ids["second"]
    stored = {(r["constraint_id"], r["metric_key"], r["metric_value"])
              for r in store.check_results("second", "keys", path)}
    assert stored == ids["second"]
    # Size, Completeness of id and of v, the satisfies, the quantile and its NaN count
    assert len(store.states("first", "keys", path)) == 6
    assert store.states("second", "keys", path) == {}  # run with states=False (dqengine run --no-states)
