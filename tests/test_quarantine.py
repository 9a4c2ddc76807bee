"""Quarantine and clean rows on real Spark + Delta: exactly the violating rows with exactly the
ids they failed, a re-run replacing its own rows and no other suite's, the clean complement, a
where-filtered dataset, and the locations refused."""
from __future__ import annotations

import pytest

from dqengine import metrics_schema as ms
from dqengine.checks import parse_suite
from dqengine.errors import ConfigError
from dqengine.results import RunStatus
from dqengine.spark.runner import run_suite
from helpers import read_view

SCHEMA = "id BIGINT, sensor STRING, temp DOUBLE, status STRING, heat BIGINT, plant STRING"
ROWS = [
    (1, "S1", 10.0, "OK", 1, "P1"),      # clean
    (2, "S1", None, "OK", 1, "P1"),      # temp NULL: not complete; the satisfies is NULL: a violation
    (3, "S2", -5.0, "OK", 2, "P1"),      # out of range, negative
    (4, "S2", 50.0, "BAD", 99, "P1"),    # status not allowed and too long, heat 99 an orphan
    (5, None, 20.0, "OK", None, "P2"),   # no sensor (the pattern does not judge NULL; no heat: not looked up)
    (6, "S3", 200.0, None, 2, "P2"),     # out of range, rule broken (a NULL status violates nothing)
    (7, "SX", 30.0, "OK", 1, "P1"),      # pattern
]
EXPECTED = {
    2: ["temp_present", "temp_rule"],
    3: ["temp_range", "temp_nonneg"],
    4: ["status_ok", "heat_known", "status_len"],
    5: ["sensor_present"],
    6: ["temp_range", "temp_rule"],
    7: ["sensor_pattern"],
}
META = ["_dq_run_id", "_dq_suite", "_dq_dataset_version"]


def _suite(tmp_path, data, heats, *, name="s1", where=None, quarantine=None, clean=None, drop=()):
    constraints = {
        "sensor_present": "is_complete: sensor",
        "temp_present": "is_complete: temp",
        "temp_range": "between: {column: temp, min: 0, max: 100, min_fraction: 0.5}",
        "temp_nonneg": "non_negative: temp",
        "status_ok": "allowed_values: {column: status, values: [OK, WARN]}",
        "sensor_pattern": "pattern: {column: sensor, regex: '^S\\d$'}",
        "temp_rule": "satisfies: {expression: \"temp < 150 OR sensor = 'S9'\"}",
        "heat_known": f"referential_integrity: {{column: heat, reference: {{path: '{heats}', column: heat}}}}",
        "status_len": "max_length: {column: status, must_be_at_most: 2}",
        "sensor_len": "min_length: {column: sensor, must_be_at_least: 2}",
        "rows": "row_count: {must_be_greater_than: 0}",
    }
    items = "".join(f"      - {{{text}, id: {cid}}}\n" for cid, text in constraints.items() if cid not in drop)
    outputs = "".join(f"{key}: {{path: '{value}'}}\n" for key, value in (("quarantine", quarantine), ("clean", clean))
                      if value is not None)
    filt = f"\n  where: \"{where}\"" if where else ""
    text = (f"suite: {name}\ndataset:\n  path: '{data}'{filt}\n{outputs}checks:\n  - name: c\n"
            f"    severity: warning\n    constraints:\n{items}")
    return parse_suite(text, str(tmp_path / f"{name}.yml"))


@pytest.fixture
def data(delta_table):
    heats = delta_table([(1,), (2,), (3,)], "heat BIGINT", "heats")
    return delta_table(ROWS, SCHEMA, "readings"), heats


def _rows(spark, path, run_id=None, suite=None):
    df = spark.read.format("delta").load(path)
    if run_id is not None:
        df = df.where(f"_dq_run_id = '{run_id}' AND _dq_suite = '{suite}'")
    return df


def test_quarantine_holds_exactly_the_violating_rows_and_clean_the_rest(spark, data, tmp_path):
    readings, heats = data
    quarantine, clean, metrics = str(tmp_path / "q"), str(tmp_path / "clean"), str(tmp_path / "m")
    suite = _suite(tmp_path, readings, heats, quarantine=quarantine, clean=clean)
    run = run_suite(spark, suite, metrics=metrics, run_id="r1")
    assert run.status is RunStatus.WARNING

    q = _rows(spark, quarantine)
    assert q.columns == [c.split()[0] for c in SCHEMA.split(", ")] + META + ["_dq_failed"]
    got = {r["id"]: list(r["_dq_failed"]) for r in q.collect()}
    assert got == EXPECTED
    assert {(r["_dq_run_id"], r["_dq_suite"], r["_dq_dataset_version"]) for r in q.collect()} == {("r1", "s1", 0)}
    # the original values unchanged, NULLs included
    assert {tuple(r[:6]) for r in q.collect()} == {row for row in ROWS if row[0] in EXPECTED}

    c = _rows(spark, clean)
    assert c.columns == [c.split()[0] for c in SCHEMA.split(", ")] + META
    assert [r["id"] for r in c.collect()] == [1]

    recorded = {(m["entity"], m["instance"], m["name"]): (m["value"], m["provider"], m["metric_key"])
                for m in read_view(spark, metrics, ms.METRICS).collect() if m["provider"] == "quarantine"}
    counts = {k: v[0] for k, v in recorded.items()}
    per_id: dict[str, int] = {}
    for ids in EXPECTED.values():
        for cid in ids:
            per_id[cid] = per_id.get(cid, 0) + 1
    expected_counts = {("Dataset", "*", "QuarantinedRows"): 6.0, ("Dataset", "*", "CleanRows"): 1.0}
    expected_counts.update({("Constraint", cid, "QuarantinedRows"): float(per_id.get(cid, 0))
                            for cid in ("sensor_present", "temp_present", "temp_range", "temp_nonneg", "status_ok",
                                        "sensor_pattern", "temp_rule", "heat_known", "status_len", "sensor_len")})
    assert counts == expected_counts
    assert len({v[2] for v in recorded.values()}) == len(recorded)  # one key per count

    # the row predicates' verdicts agree with the quarantine: a fraction of 1 - violating rows / rows
    by_id = {r.constraint_id: r for r in run.constraints}
    for cid in ("temp_range", "temp_nonneg", "status_ok", "sensor_pattern", "temp_rule"):
        assert by_id[cid].metric_value == pytest.approx(1 - per_id[cid] / 7), cid
    assert by_id["heat_known"].metric_value == pytest.approx(5 / 6)  # 6 rows have a heat, 99 is not one


def test_a_rerun_replaces_its_rows_and_leaves_other_suites_alone(spark, data, tmp_path):
    readings, heats = data
    quarantine, metrics = str(tmp_path / "q"), str(tmp_path / "m")
    run_suite(spark, _suite(tmp_path, readings, heats, quarantine=quarantine), metrics=metrics, run_id="r1")
    # another suite of the same job (same run id) writes to the same quarantine
    other = _suite(tmp_path, readings, heats, name="s2", quarantine=quarantine,
                   drop=("temp_rule", "sensor_pattern", "heat_known"))
    run_suite(spark, other, metrics=metrics, run_id="r1")
    # the first suite re-runs (changed: no pattern any more): its rows are replaced in one commit
    before = spark.sql(f"DESCRIBE HISTORY delta.`{quarantine}`").count()
    rerun = _suite(tmp_path, readings, heats, quarantine=quarantine, drop=("sensor_pattern",))
    run_suite(spark, rerun, metrics=metrics, run_id="r1")
    assert spark.sql(f"DESCRIBE HISTORY delta.`{quarantine}`").count() == before + 1

    s1 = {r["id"]: list(r["_dq_failed"]) for r in _rows(spark, quarantine, "r1", "s1").collect()}
    assert s1 == {k: v for k, v in EXPECTED.items() if v != ["sensor_pattern"]}
    s2 = {r["id"]: list(r["_dq_failed"]) for r in _rows(spark, quarantine, "r1", "s2").collect()}
    dropped = {"temp_rule", "sensor_pattern", "heat_known"}
    assert s2 == {k: [c for c in v if c not in dropped] for k, v in EXPECTED.items()
                  if [c for c in v if c not in dropped]}
    assert _rows(spark, quarantine).count() == len(s1) + len(s2)


def test_a_where_filtered_dataset_quarantines_only_its_rows(spark, data, tmp_path):
    readings, heats = data
    quarantine, clean = str(tmp_path / "q"), str(tmp_path / "clean")
    suite = _suite(tmp_path, readings, heats, where="plant = 'P1'", quarantine=quarantine, clean=clean)
    run_suite(spark, suite, metrics=str(tmp_path / "m"), run_id="r1")
    p1 = {row[0] for row in ROWS if row[5] == "P1"}
    assert {r["id"]: list(r["_dq_failed"]) for r in _rows(spark, quarantine).collect()} == \
        {k: v for k, v in EXPECTED.items() if k in p1}
    assert {r["id"] for r in _rows(spark, clean).collect()} == p1 - set(EXPECTED)


def test_a_quarantine_in_the_metrics_location_is_refused(spark, data, tmp_path):
    readings, heats = data
    metrics = str(tmp_path / "m")
    suite = _suite(tmp_path, readings, heats, quarantine=f"{metrics}/quarantine")
    with pytest.raises(ConfigError, match=r"s1.yml:\d+:\d+: quarantine .* is in the metrics location"):
        run_suite(spark, suite, metrics=metrics)


def test_data_type_quarantines_the_values_deequ_counts_as_other_types(spark, delta_table, tmp_path):
    values = ["1", "-1", "+ 7", "1.5", "1e5", "2.5E-3", "1.", ".5", "true", "TRUE", "12\n", " 1", "abc", "", None]
    path = delta_table([(i, v) for i, v in enumerate(values)], "id BIGINT, v STRING", "typed")
    kinds = ["integral", "fractional", "numeric", "boolean", "string"]
    items = "".join(f"      - {{data_type: {{column: v, type: {k}, min_fraction: 0.01}}, id: {k}}}\n" for k in kinds)
    text = (f"suite: dt\ndataset: {{path: '{path}'}}\nquarantine: {{path: '{tmp_path / 'q'}'}}\n"
            f"checks:\n  - name: c\n    severity: warning\n    constraints:\n{items}")
    run = run_suite(spark, parse_suite(text, str(tmp_path / "dt.yml")), metrics=str(tmp_path / "m"), run_id="r")
    failed = {r["id"]: set(r["_dq_failed"]) for r in _rows(spark, str(tmp_path / "q")).collect()}
    non_null = len(values) - 1
    for result in run.constraints:
        violating = sum(result.constraint_id in ids for ids in failed.values())
        # Deequ's histogram fraction (over non-null values) and the rows quarantined agree exactly
        assert violating == round((1 - result.metric_value) * non_null), (result.constraint_id, result.metric_value)
    assert {values[i] for i, ids in failed.items() if "integral" not in ids} == {"1", "-1", "+ 7", " 1"}
    assert {values[i] for i, ids in failed.items() if "boolean" not in ids} == {"true"}
    assert len(values) - 1 not in failed  # NULL violates nothing


def test_time_series_violations_quarantine_the_second_reading_of_each_failing_pair(spark, delta_table, tmp_path):
    """max_gap, stuck_value and monotonic read window columns: the quarantine computes them too."""
    from datetime import datetime

    def t(minute):
        return datetime(2026, 1, 1, 0, minute)

    rows = [(1, "A", t(0), 1.0, 1), (2, "A", t(1), 1.0, 2), (3, "A", t(2), 1.0, 3),  # 3: a third equal value
            (4, "A", t(10), 5.0, 4),                                                  # 4: after an 8-minute gap
            (5, "B", t(0), 2.0, 10), (6, "B", t(1), 3.0, 9), (7, "B", t(2), 4.0, 11)]  # 6: the counter goes back
    data = delta_table(rows, "id BIGINT, k STRING, ts TIMESTAMP, v DOUBLE, seq BIGINT", "series")
    quarantine = str(tmp_path / "q")
    text = (f"suite: ts\ndataset: {{path: '{data}'}}\nquarantine: {{path: '{quarantine}'}}\nchecks:\n"
            "  - name: c\n    severity: warning\n    constraints:\n"
            "      - {max_gap: {time: ts, by: [k], must_be_at_most: 2m}, id: gap}\n"
            "      - {stuck_value: {column: v, time: ts, by: [k], must_be_at_most: 2}, id: stuck}\n"
            "      - {monotonic: {column: seq, order_by: [ts], by: [k]}, id: mono}\n")
    run = run_suite(spark, parse_suite(text, str(tmp_path / "ts.yml")), metrics=str(tmp_path / "m"), run_id="r1")
    assert {r.constraint_id: r.status.value for r in run.constraints} == {
        "gap": "FAILED", "stuck": "FAILED", "mono": "FAILED"}
    got = {r["id"]: list(r["_dq_failed"]) for r in _rows(spark, quarantine).collect()}
    assert got == {3: ["stuck"], 4: ["gap"], 6: ["mono"]}
