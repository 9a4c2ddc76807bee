"""Durations and instants in suite files (``dqengine.config.durations``), and the time-series
constraints' parameters: good forms, bad forms, each bad one a one-line error at file:line:col.
Pure Python: no Spark."""
from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from dqengine import ConfigError, parse_suite
from dqengine.config.durations import epoch_micros, format_duration, parse_duration, parse_instant
from dqengine.planner import WINDOWED, plan_suite


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), (0, 0.0), (0.5, 0.5), ("90s", 90.0), ("5m", 300.0), ("2h", 7200.0), ("1d", 86400.0),
    ("1h30m", 5400.0), ("1h0m", 3600.0), ("0s", 0.0), ("1.5h", 5400.0), ("1d2h3m4s", 93784.0),
    ("PT5M", 300.0), ("P1DT2H", 93600.0), ("PT0.5S", 0.5), ("PT0,5S", 0.5), ("P1W", 604800.0),
    ("P1D", 86400.0), ("PT1H30M", 5400.0), ("PT0S", 0.0),
], ids=str)
def test_good_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text, why", [
    (-1, "negative"), ("-5m", "negative"), ("", "empty"), ("5 m", "spaces"), (" 5m", "spaces"),
    ("5M", "write 5m for minutes"), ("5H", "lowercase"), ("P1M", "months"), ("P1Y", "years"),
    ("PT", ""), ("P", ""), ("P1DT", ""), ("1m1h", ""), ("1h30", ""), ("5mm", ""), ("abc", ""),
    ("pt5m", ""), (True, "boolean"), (math.inf, "finite"), (math.nan, "finite"), ([5], ""),
], ids=repr)
def test_bad_durations_name_the_accepted_forms(text, why):
    with pytest.raises(ValueError) as err:
        parse_duration(text)
    message = str(err.value)
    assert "is not a duration" in message and why in message
    assert "90s, 5m, 2h, 1d, 1h30m" in message and "PT5M" in message


def test_format_duration():
    assert [format_duration(x) for x in (0, 0.5, 59, 60, 5400, 93784, 90.5)] == \
        ["0s", "0.5s", "59s", "1m", "1h30m", "1d2h3m4s", "90.5s"]


def test_instants_are_utc():
    assert parse_instant("2026-01-01T01:00:00+01:00") == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_instant("2026-01-01 00:00:00") == datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert epoch_micros(parse_instant("1970-01-01T00:00:01.000001Z")) == 1_000_001
    with pytest.raises(ValueError, match="not a date-time"):
        parse_instant("yesterday")


def _suite(*items: str) -> str:
    return ("suite: s\ndataset: {path: /tmp/x}\nchecks:\n  - name: c\n    constraints:\n"
            + "".join(f"      - {item}\n" for item in items))


def test_duration_thresholds_and_parameters_are_seconds():
    suite = parse_suite(_suite(
        "max_gap: {time: ts, by: [s], must_be_at_most: 5m}",
        "max_gap: {time: ts, by: [s], must_be_at_most: 300}",
        "freshness: {time: ts, must_be_between: [0s, PT2H]}",
        "max_rate_of_change: {column: v, time: ts, per: 1h, must_be_at_most: 20}",
        "event_shape: {event: h, time: ts, duration: {must_be_between: [30m, 4h]}}",
    ), "s.yml")
    gap5m, gap300, fresh, rate, shape = suite.constraints
    assert gap5m.params.threshold == gap300.params.threshold and gap5m.params.must_be_at_most == 300.0
    # 5m and 300 are one constraint: the same id base (the second gets -2)
    assert gap300.constraint_id == gap5m.constraint_id + "-2"
    assert fresh.params.must_be_between == [0.0, 7200.0]
    assert rate.params.per == 3600.0
    assert shape.params.duration.threshold.upper == 14400.0


@pytest.mark.parametrize("item, marker, words", [
    ("max_gap: {time: ts, must_be_at_most: 5 m}", "5 m", "'5 m' is not a duration: it has spaces"),
    ("max_gap: {time: ts, must_be_at_most: 5M}", "5M", "write 5m for minutes"),
    ("max_gap: {time: ts, must_be_at_most: -5m}", "-5m", "negative"),
    ("max_gap: {time: ts, must_be_at_most: ''}", "''", "empty"),
    ("freshness: {time: ts, must_be_at_most: P1M}", "P1M", "months"),
    ("sampling_completeness: {time: ts, interval: 0s, must_be_at_least: 0.9}", "0s", "zero duration"),
    ("sampling_completeness: {time: ts, interval: 1m, start: 2026-01-02, end: 2026-01-01, must_be_at_least: 0.9}",
     "{time", "after end"),
    ("sampling_completeness: {time: ts, interval: 1m, start: 2026-01-02, must_be_at_least: 0.9}", "{time",
     "both 'start' and 'end'"),
    ("max_rate_of_change: {column: v, time: ts, per: fast, must_be_at_most: 1}", "fast", "'fast' is not a duration"),
    ("event_shape: {event: h, time: ts, duration: {must_be_between: [4h, 30m]}}", "{must", "lower bound is above"),
    ("event_shape: {event: h, time: ts}", "{event", "at least one of 'duration'"),
    ("event_shape: {event: h, time: ts, min_samples: 5, max_samples: 2}", "{event", "above max_samples"),
    ("max_gap: {time: ts, by: [ts], must_be_at_most: 1m}", "{time", "leave it out of by"),
    ("max_gap: {time: ts, by: [a, a], must_be_at_most: 1m}", "{time", "listed twice"),
    ("monotonic: {column: n, order_by: [ts, x]}", "[ts, x]", "at most 1 items"),
    ("stuck_value: {column: v, time: ts, must_be_at_most: -1}", "-1}", "can never hold"),
    ("freshness: {time: ts, as_of: tomorrow, must_be_at_most: 1h}", "tomorrow", "not a date-time"),
], ids=lambda x: x if len(x) < 40 else x[:40])
def test_bad_time_series_parameters_are_located(item, marker, words):
    where = f"6:{9 + item.index(marker)}"  # the value the marker starts
    with pytest.raises(ConfigError) as err:
        parse_suite(_suite(item), "s.yml")
    (issue,) = err.value.issues
    assert f"{issue.line}:{issue.col}" == where, str(err.value)
    assert words in issue.message, issue.message
    assert "\n" not in issue.message


def test_every_problem_of_a_suite_is_reported_at_once():
    with pytest.raises(ConfigError) as err:
        parse_suite(_suite("max_gap: {time: ts, must_be_at_most: 5 m}",
                           "freshness: {time: ts, must_be_at_most: 1y}"), "s.yml")
    assert len(err.value.issues) == 2


def test_time_series_constraints_sharing_by_and_time_plan_one_windowed_pass():
    suite = parse_suite(_suite(
        "max_gap: {time: ts, by: [s], must_be_at_most: 5m}",
        "sampling_completeness: {time: ts, by: [s], interval: 1m, must_be_at_least: 0.9}",
        "stuck_value: {column: v, time: ts, by: [s], must_be_at_most: 30}",
        "max_rate_of_change: {column: v, time: ts, by: [s], must_be_at_most: 30}",
        "monotonic: {column: n, order_by: [ts], by: [s]}",
        "freshness: {time: ts, by: [s], must_be_at_most: 1h}",
        "freshness: {time: ts, must_be_at_most: 1h}",
        "max_gap: {time: ts, must_be_at_most: 5m}",
    ), "s.yml")
    plan = plan_suite(suite, schema={"ts": "timestamp", "s": "string", "v": "double", "n": "bigint"})
    windows = {p.window: p for p in plan.passes if p.provider == WINDOWED}
    assert set(windows) == {(("s",), "ts"), ((), "ts")}
    assert len(windows[(("s",), "ts")].analyzers) == 7  # gap, two sums, run, rate, pair flag, newest
    # freshness without by is a plain maximum in the scan, the same one `max: {column: ts}` computes
    scan = [p for p in plan.passes if p.provider == "deequ_scan"][0]
    assert any(a.kind == "Maximum" and a.param("instance") == "ts" for a in scan.analyzers)
    # a stage-1 column comes with the stage-0 columns it reads
    stages = sorted(c.stage for c in windows[(("s",), "ts")].window_columns)
    assert stages.count(1) == 1 and stages.count(0) >= 7
