"""Issue #11's acceptance: a generated plant table with planted faults.

Four sensors read once a minute for four hours (heats 1001-1004, one per hour). The faulty
version plants six faults, each on its own sensor and stretch of time:

* S-001 frozen for an hour: its temperature keeps the value of minute 60 up to minute 119;
* S-001 pressure spike: 95 bar at minute 30 (impossible, and 90 bar in a minute);
* S-002 outage of 20 minutes: no readings from minute 100 to 119;
* S-002 orphan heat: minutes 10-19 carry heat 9999, which the heats table does not hold;
* S-003 clock jump backwards: from reading 150 on, its clock runs 30.5 minutes behind;
* S-004 stale: it stops after minute 179 (the run is judged as of minute 240).

Each check must find exactly its fault (and pass on the clean version), the quarantine must
hold exactly the rows the documented per-row rules name, and the scores must equal a hand
computation from the documented defaults. Every expected number below is worked out from the
plan above, not read back from the engine.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest

from dqengine.checks import parse_suite
from dqengine.results import ConstraintStatus, RunStatus
from dqengine.spark.runner import run_suite
from helpers import read_view

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MINUTES = 240
SENSORS = ["S-001", "S-002", "S-003", "S-004"]
SCHEMA = "plant STRING, sensor_id STRING, heat_id BIGINT, seq_no BIGINT, ts TIMESTAMP, temperature DOUBLE, pressure DOUBLE"
AS_OF = "2026-01-01T04:00:00Z"  # minute 240

FROZEN = range(60, 120)       # S-001: 60 readings with one value
SPIKE = 30                    # S-001 pressure
OUTAGE = range(100, 120)      # S-002 readings removed
ORPHAN = range(10, 20)        # S-002 heat 9999
JUMP = 150                    # S-003: from here on ts is 30.5 minutes behind
STALE_AFTER = 179             # S-004: last reading


def _reading(s: int, i: int, *, faulty: bool):
    sensor = SENSORS[s]
    minute = float(i)
    temperature = round(1500 + 10 * math.sin(i / 7) + s + i * 0.001, 4)  # never equal twice in a row
    pressure = round(5 + 0.05 * math.sin(i / 5), 5)                      # at most 0.6 bar/h
    heat = 1001 + i // 60
    if faulty:
        if sensor == "S-001" and i in FROZEN:
            temperature = round(1500 + 10 * math.sin(60 / 7) + s + 60 * 0.001, 4)
        if sensor == "S-001" and i == SPIKE:
            pressure = 95.0
        if sensor == "S-002" and i in OUTAGE:
            return None
        if sensor == "S-002" and i in ORPHAN:
            heat = 9999
        if sensor == "S-003" and i >= JUMP:
            minute -= 30.5
        if sensor == "S-004" and i > STALE_AFTER:
            return None
    return ("P1", sensor, heat, i, T0 + timedelta(minutes=minute), temperature, pressure)


def _rows(faulty: bool):
    return [r for s in range(len(SENSORS)) for i in range(MINUTES) if (r := _reading(s, i, faulty=faulty))]


CONSTRAINTS = """\
      - {row_count: {must_be_greater_than: 0}, id: rows}
      - {is_complete: temperature, id: temp_present}
      - {stuck_value: {column: temperature, time: ts, by: [sensor_id], must_be_at_most: 30}, id: frozen}
      - {max_gap: {time: ts, by: [sensor_id], must_be_at_most: 5m}, id: outage}
      - {sampling_completeness: {time: ts, by: [sensor_id], interval: 1m, must_be_at_least: 0.99}, id: sampling}
      - {monotonic: {column: ts, order_by: [seq_no], by: [sensor_id]}, id: clock}
      - {referential_integrity: {column: heat_id, reference: {path: '{heats}', column: heat_id}}, id: orphan}
      - {between: {column: pressure, min: 0, max: 20}, id: spike_range}
      - {max_rate_of_change: {column: pressure, time: ts, by: [sensor_id], per: 1h, must_be_at_most: 60}, id: spike_rate}
      - {freshness: {time: ts, by: [sensor_id], as_of: '{as_of}', must_be_at_most: 45m}, id: stale}
"""
#: the documented default dimension of each constraint type (docs/constraints.md)
DIMENSION = {"rows": "completeness", "temp_present": "completeness", "frozen": "accuracy", "outage": "timeliness",
             "sampling": "completeness", "clock": "consistency", "orphan": "consistency", "spike_range": "validity",
             "spike_rate": "accuracy", "stale": "timeliness"}
#: row-level constraints: their score is their row fraction
ROW_FRACTION = {"temp_present", "clock", "orphan", "spike_range"}


@pytest.fixture(scope="module")
def plant(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("plant")
    heats = str(base / "heats")
    spark.createDataFrame([(h,) for h in range(1001, 1005)], "heat_id BIGINT").write.format("delta").save(heats)
    readings = str(base / "readings")
    spark.createDataFrame(_rows(False), SCHEMA).write.format("delta").save(readings)                     # v0
    spark.createDataFrame(_rows(True), SCHEMA).write.format("delta").mode("overwrite").save(readings)    # v1
    constraints = CONSTRAINTS.replace("{heats}", heats).replace("{as_of}", AS_OF)
    text = (f"suite: plant\ndataset: {{path: '{readings}'}}\nquarantine: {{path: '{base / 'quarantine'}'}}\n"
            f"checks:\n  - name: integrity\n    constraints:\n{constraints}")
    suite = parse_suite(text, str(base / "plant.yml"))
    metrics = str(base / "m")
    clean = run_suite(spark, suite, version=0, metrics=metrics, run_id="clean")
    faulty = run_suite(spark, suite, version=1, metrics=metrics, run_id="faulty")
    return {"clean": clean, "faulty": faulty, "quarantine": str(base / "quarantine"), "metrics": metrics}


def _by_id(run):
    return {r.constraint_id: r for r in run.constraints}


def test_the_clean_version_passes_every_check(plant):
    run = plant["clean"]
    assert run.status is RunStatus.PASSED, [(r.constraint_id, r.message) for r in run.constraints]
    results = _by_id(run)
    assert results["frozen"].metric_value == 1
    assert results["outage"].metric_value == 60
    assert results["sampling"].metric_value == 1.0
    assert results["clock"].metric_value == 1.0
    assert results["stale"].metric_value == 60  # every sensor read at minute 239


def test_each_check_finds_exactly_its_planted_fault(plant):
    run = plant["faulty"]
    assert run.row_count == 4 * MINUTES - len(OUTAGE) - (MINUTES - 1 - STALE_AFTER)
    results = _by_id(run)
    failed = {cid for cid, r in results.items() if r.status is ConstraintStatus.FAILED}
    assert failed == {"frozen", "outage", "sampling", "clock", "orphan", "spike_range", "spike_rate", "stale"}
    assert {cid for cid, r in results.items() if r.status is ConstraintStatus.PASSED} == {"rows", "temp_present"}

    frozen = results["frozen"]
    assert frozen.metric_value == len(FROZEN)
    assert "S-001" in frozen.message and "2026-01-01T01:00:00" in frozen.message  # from minute 60
    assert "2026-01-01T01:59:00" in frozen.message                                # to minute 119

    outage = results["outage"]
    assert outage.metric_value == (OUTAGE.stop - (OUTAGE.start - 1)) * 60         # 99 -> 120: 21 minutes
    assert "S-002" in outage.message and "2026-01-01T01:39:00" in outage.message  # the gap starts at 99

    # slots hit / expected per sensor: S-001 240/240, S-002 220/240, S-003 209/209 (its last reading
    # is at minute 239 - 30.5 = 208.5, and the jumped readings fill 119.5..208.5), S-004 180/180
    assert results["sampling"].metric_value == pytest.approx((240 + 220 + 209 + 180) / (240 + 240 + 209 + 180))

    # ts by seq_no decreases once, at S-003's reading 150; pairs: n - 1 per sensor
    pairs = (240 - 1) + (220 - 1) + (240 - 1) + (180 - 1)
    assert results["clock"].metric_value == pytest.approx((pairs - 1) / pairs)

    non_null_heats = 4 * MINUTES - len(OUTAGE) - (MINUTES - 1 - STALE_AFTER)
    assert results["orphan"].metric_value == pytest.approx((non_null_heats - len(ORPHAN)) / non_null_heats)
    assert results["spike_range"].metric_value == pytest.approx((non_null_heats - 1) / non_null_heats)

    spike = results["spike_rate"]
    base_29 = round(5 + 0.05 * math.sin(29 / 5), 5)
    assert spike.metric_value == pytest.approx(abs(95.0 - base_29) * 60)   # per hour, one minute apart
    assert "S-001" in spike.message

    stale = results["stale"]
    assert stale.metric_value == (MINUTES - STALE_AFTER) * 60                # minute 179 to 240
    assert "S-004" in stale.message


def test_the_quarantine_holds_exactly_the_rows_the_rules_name(spark, plant):
    rows = spark.read.format("delta").load(plant["quarantine"]).where("_dq_run_id = 'faulty'") \
        .select("sensor_id", "seq_no", "_dq_failed").collect()
    got = {(r["sensor_id"], r["seq_no"]): sorted(r["_dq_failed"]) for r in rows}
    expected: dict[tuple[str, int], list[str]] = {}

    def add(sensor: str, seq: int, cid: str) -> None:
        expected.setdefault((sensor, seq), []).append(cid)

    for i in FROZEN[30:]:            # run positions 31..60 are beyond the 30 allowed
        add("S-001", i, "frozen")
    add("S-001", SPIKE, "spike_range")
    add("S-001", SPIKE, "spike_rate")      # 29 -> 30: up 90 bar in a minute
    add("S-001", SPIKE + 1, "spike_rate")  # 30 -> 31: down again
    add("S-002", OUTAGE.stop, "outage")    # the reading after the gap
    for i in ORPHAN:
        add("S-002", i, "orphan")
    add("S-003", JUMP, "clock")            # the second reading of the pair that goes back in time
    assert got == {k: sorted(v) for k, v in expected.items()}
    # freshness and sampling completeness judge keys, not rows: they quarantine nothing; the clean
    # version quarantines nothing at all
    assert spark.read.format("delta").load(plant["quarantine"]).where("_dq_run_id = 'clean'").count() == 0


def _hand_scores(results) -> dict[str, float]:
    per_dimension: dict[str, list[float]] = {}
    for cid, r in results.items():
        if cid in ROW_FRACTION:
            score = r.metric_value
        else:
            score = 1.0 if r.status is ConstraintStatus.PASSED else 0.0
        per_dimension.setdefault(DIMENSION[cid], []).append(score)
    scores = {d: sum(v) / len(v) for d, v in per_dimension.items()}
    scores["overall"] = sum(scores.values()) / len(scores)
    return scores


def test_scores_match_a_hand_computation(spark, plant):
    faulty = plant["faulty"]
    results = _by_id(faulty)
    n = 4 * MINUTES - len(OUTAGE) - (MINUTES - 1 - STALE_AFTER)
    pairs = (240 - 1) + (220 - 1) + (240 - 1) + (180 - 1)
    expected = {
        "completeness": (1.0 + 1.0 + 0.0) / 3,                      # rows, temp_present, sampling
        "accuracy": (0.0 + 0.0) / 2,                                # frozen, spike_rate
        "timeliness": (0.0 + 0.0) / 2,                              # outage, stale
        "consistency": ((pairs - 1) / pairs + (n - 10) / n) / 2,    # clock, orphan
        "validity": (n - 1) / n,                                    # spike_range
    }
    expected["overall"] = sum(expected.values()) / 5
    assert _hand_scores(results) == pytest.approx(expected)          # the plan above, constraint by constraint
    recorded = {r["dimension"]: r["score"] for r in
                read_view(spark, plant["metrics"], "dq_scores").where("run_id = 'faulty'").collect()}
    assert recorded == pytest.approx(expected)
    assert {s.dimension: s.score for s in faulty.scores} == pytest.approx(expected)
    clean = {r["dimension"]: r["score"] for r in
             read_view(spark, plant["metrics"], "dq_scores").where("run_id = 'clean'").collect()}
    assert clean == pytest.approx({d: 1.0 for d in expected})
