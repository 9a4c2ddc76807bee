"""Time-series constraints on Spark: one small table with planted faults, each metric compared with
an independent computation in plain Python, the failures' messages, the edges (one reading per
key, equal timestamps, NULL times and values, an empty ``by``), and one shuffle for every
constraint sharing (by, time)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from helpers import suite_text

from dqengine.checks import parse_suite
from dqengine.planner import WINDOWED, plan_suite
from dqengine.results import ConstraintStatus as S
from dqengine.spark.providers import with_window_columns, windowed_frame
from dqengine.spark.runner import run_suite

T0 = datetime(2024, 1, 1)
SCHEMA = "sensor STRING, ts TIMESTAMP, v DOUBLE, seq BIGINT, heat STRING"


def _rows():
    rows = []
    # A: every minute 00:00-00:09; 5.0 from 00:02 to 00:06 with a NULL at 00:04 (does not break the run)
    for i, v in enumerate([1, 2, 5, 5, None, 5, 5, 3, 4, 6]):
        rows.append(("A", T0 + timedelta(minutes=i), None if v is None else float(v), i + 1, "H1"))
    rows.append(("A", None, 999.0, 0, "H1"))  # NULL time: ignored (else a jump, a run break, a bad pair)
    # B: a 20-minute outage after 00:02, a spike 13 -> 80 in one minute, the sequence jumps back once
    for m, v, seq in [(0, 10, 1), (1, 11, 2), (2, 12, 3), (22, 13, 2), (23, 80, 5)]:
        rows.append(("B", T0 + timedelta(minutes=m), float(v), seq, "H2"))
    # C: two readings at the same instant (no rate, no gap beyond 0)
    rows += [("C", T0, 1.0, 1, "H3"), ("C", T0, 100.0, 1, "H3")]
    # D: one reading (no gap, no pair), no heat
    rows.append(("D", T0 + timedelta(minutes=30), 7.0, 1, None))
    return rows


ROWS = _rows()


@pytest.fixture(scope="module")
def table(spark, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("ts") / "readings")
    spark.createDataFrame(ROWS, SCHEMA).write.format("delta").save(path)
    return path


# --- independent computations --------------------------------------------------------------------


def _series():
    """sensor -> [(ts, v, seq)] of the rows with a time, in time order (stable: as written)."""
    out: dict[str, list] = {}
    for sensor, ts, v, seq, _ in ROWS:
        if ts is not None:
            out.setdefault(sensor, []).append((ts, v, seq))
    return {k: sorted(r, key=lambda x: x[0]) for k, r in out.items()}


def _max_gap():
    return max((b[0] - a[0]).total_seconds() for r in _series().values() for a, b in zip(r, r[1:]))


def _max_rate(per: float):
    return max(abs(b[1] - a[1]) / ((b[0] - a[0]).total_seconds() / per)
               for r in _series().values() for a, b in zip(r, r[1:])
               if a[1] is not None and b[1] is not None and b[0] > a[0])


def _longest_run():
    best = 0
    for r in _series().values():
        values = [v for _, v, _ in r if v is not None]
        run = 0
        for i, v in enumerate(values):
            run = run + 1 if i and v == values[i - 1] else 1
            best = max(best, run)
    return best


def _monotonic(strict: bool):
    pairs = [(a[2], b[2]) for r in _series().values() for a, b in zip(r, r[1:])]
    return sum((b > a) if strict else (b >= a) for a, b in pairs) / len(pairs)


def _sampling(interval: float, start=None, end=None):
    hit = expected = 0
    for r in _series().values():
        times = [t.replace(tzinfo=timezone.utc).timestamp() for t, _, _ in r]
        first = times[0] if start is None else start
        last = times[-1] if end is None else end
        slots = {int((t - first) // interval) for t in times}
        top = int((last - first) // interval)
        hit += len({s for s in slots if 0 <= s <= top})
        expected += top + 1
    return hit / expected


# --- the constraints ------------------------------------------------------------------------------


def _run(spark, table, tmp_path, constraints: str, where: str | None = None):
    suite = parse_suite(suite_text(table, constraints, where=where), str(tmp_path / "suite.yml"))
    return {r.constraint_id: r for r in run_suite(spark, suite, record=False).constraints}


def test_planted_faults_are_found_and_named(spark, table, tmp_path):
    results = _run(spark, table, tmp_path, """
        - {max_gap: {time: ts, by: [sensor], must_be_at_most: 5m}, id: gap}
        - {sampling_completeness: {time: ts, by: [sensor], interval: 1m, must_be_at_least: 0.9}, id: slots}
        - {sampling_completeness: {time: ts, by: [sensor], interval: 60, start: "2024-01-01T00:00:00Z", end: "2024-01-01T00:09:00Z", must_be_at_least: 0.3}, id: slots_window}
        - {stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 3}, id: stuck}
        - {max_rate_of_change: {column: v, time: ts, by: [sensor], per: 1m, must_be_at_most: 20}, id: rate}
        - {monotonic: {column: seq, order_by: [ts], by: [sensor]}, id: mono}
        - {monotonic: {column: seq, order_by: [ts], by: [sensor], strict: true, min_fraction: 0.8}, id: strict}
        - {freshness: {time: ts, by: [sensor], as_of: "2024-01-01T01:00:00Z", must_be_at_most: 45m}, id: stalest}
        - {freshness: {time: ts, as_of: "2024-01-01T01:00:00Z", must_be_at_most: PT30M}, id: newest}
        - {event_shape: {event: heat, time: ts, duration: {must_be_between: [5m, 1h]}, min_samples: 3}, id: shape}
    """)
    status = {k: (r.status, r.metric_value) for k, r in results.items()}
    assert status["gap"] == (S.FAILED, _max_gap()) and _max_gap() == 1200.0
    assert status["slots"] == (S.FAILED, pytest.approx(_sampling(60.0))) and _sampling(60.0) == 17 / 36
    t0 = T0.replace(tzinfo=timezone.utc).timestamp()
    assert status["slots_window"] == (S.PASSED, pytest.approx(_sampling(60.0, t0, t0 + 540)))
    assert _sampling(60.0, t0, t0 + 540) == 14 / 40
    assert status["stuck"] == (S.FAILED, float(_longest_run())) and _longest_run() == 4
    assert status["rate"] == (S.FAILED, pytest.approx(_max_rate(60.0))) and _max_rate(60.0) == 67.0
    assert status["mono"] == (S.FAILED, pytest.approx(_monotonic(False)))
    assert status["strict"] == (S.PASSED, pytest.approx(_monotonic(True)))
    assert (_monotonic(False), _monotonic(True)) == (13 / 14, 12 / 14)
    assert status["stalest"] == (S.FAILED, 3600.0)  # C's newest reading is 00:00
    assert status["newest"] == (S.PASSED, 1800.0)   # D's at 00:30
    assert status["shape"] == (S.FAILED, pytest.approx(2 / 3))  # H3: 0 s and 2 readings

    message = {k: r.message for k, r in results.items()}
    assert "worst: sensor=B, a gap of 20m from 2024-01-01T00:02:00Z" in message["gap"]
    assert "1 row(s) with a NULL ts ignored" in message["gap"]
    assert "(17 of 36 slots of 1m)" in message["slots"]
    assert "sensor=A read 5.0 4 times from 2024-01-01T00:02:00Z to 2024-01-01T00:06:00Z" in message["stuck"]
    assert "worst: sensor=B, 13.0 at 2024-01-01T00:22:00Z to 80.0 at 2024-01-01T00:23:00Z" in message["rate"]
    assert "first: sensor=B: 3 then 2 at 2024-01-01 00:22:00" in message["mono"]
    assert "stalest: sensor=C" in message["stalest"]
    assert "first: H3: 0s, 2 readings" in message["shape"]


def test_edges_one_reading_per_key_no_by_and_passing_thresholds(spark, table, tmp_path):
    only_d = _run(spark, table, tmp_path, """
        - {max_gap: {time: ts, by: [sensor], must_be_at_most: 5m}, id: gap}
        - {max_rate_of_change: {column: v, time: ts, by: [sensor], must_be_at_most: 1}, id: rate}
        - {monotonic: {column: seq, order_by: [ts], by: [sensor]}, id: mono}
        - {stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 1}, id: stuck}
        - {sampling_completeness: {time: ts, by: [sensor], interval: 1m, must_be: 1}, id: slots}
    """, where="sensor = 'D'")
    assert {k: r.status for k, r in only_d.items()} == {
        "gap": S.NOT_EVALUATED, "rate": S.NOT_EVALUATED, "mono": S.NOT_EVALUATED,
        "stuck": S.PASSED, "slots": S.PASSED}
    assert "no key has two readings with a time" in only_d["gap"].message

    whole = _run(spark, table, tmp_path, """
        - {max_gap: {time: ts, must_be_at_most: 21m}, id: gap}
        - {stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 4}, id: stuck}
        - {max_rate_of_change: {column: v, time: ts, by: [sensor], per: 1h, must_be_at_most: 4020}, id: rate}
    """, where="sensor IN ('A', 'B')")
    # one series: 00:00..00:09 of A and 00:00..00:23 of B interleaved, the widest gap 00:09 -> 00:22
    assert (whole["gap"].status, whole["gap"].metric_value) == (S.PASSED, 780.0)
    assert (whole["stuck"].status, whole["stuck"].metric_value) == (S.PASSED, 4.0)  # the threshold is inclusive
    assert (whole["rate"].status, whole["rate"].metric_value) == (S.PASSED, 4020.0)


def test_all_time_series_constraints_of_one_key_are_one_shuffle(spark, table, tmp_path):
    suite = parse_suite(suite_text(table, """
        - max_gap: {time: ts, by: [sensor], must_be_at_most: 5m}
        - sampling_completeness: {time: ts, by: [sensor], interval: 1m, must_be_at_least: 0.9}
        - stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 3}
        - max_rate_of_change: {column: v, time: ts, by: [sensor], per: 1m, must_be_at_most: 20}
        - monotonic: {column: seq, order_by: [ts], by: [sensor]}
        - freshness: {time: ts, by: [sensor], must_be_at_most: 45m}
        - mean: {column: v, must_be_between: [0, 100]}
    """), str(tmp_path / "suite.yml"))
    df = spark.read.format("delta").load(table)
    plan = plan_suite(suite, schema=dict(df.dtypes))
    (windowed,) = [p for p in plan.passes if p.provider == WINDOWED]
    frame = windowed_frame(df, windowed)
    physical = frame._jdf.queryExecution().executedPlan().toString()
    assert physical.count("Exchange") == 1 and physical.count("Sort [") == 1, physical
    assert "Window" in physical

    # the quarantine's per-row predicates, over the same window columns: the second reading of each bad pair
    by_name = {c.name: c for c in suite.constraints}
    for name, expected in [("max_gap", [("B", 22)]), ("max_rate_of_change", [("B", 23)]),
                           ("monotonic", [("B", 22)]), ("stuck_value", [("A", 6)])]:
        c = by_name[name]
        predicate = c.definition.row_violation(c.params, dict(df.dtypes))
        columns = c.definition.window_columns_for(c.params, dict(df.dtypes))
        rows = with_window_columns(df, columns).where(predicate).select("sensor", "ts").collect()
        assert [(r.sensor, r.ts.minute) for r in rows] == expected, name
