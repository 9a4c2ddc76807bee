"""Time-series verdicts and messages from given metrics, without Spark: undefined metrics, the
NULL-time note, ratios, ages, and the detail rows a failure is explained with."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

from dqengine import parse_suite
from dqengine.checks.base import AnalyzerOutput
from dqengine.results import ConstraintStatus as S
from dqengine.results import MetricRecord

SCHEMA = {"ts": "timestamp", "sensor": "string", "v": "double", "seq": "bigint", "heat": "string"}


@dataclass
class Ctx:
    values: dict = field(default_factory=dict)  # analyzer kind -> value (None: undefined)
    row_count: int | None = 10
    schema: dict = field(default_factory=lambda: SCHEMA)
    started_at: datetime | None = None

    def output(self, spec):
        if spec.kind == "Completeness":
            return AnalyzerOutput(records=(MetricRecord("Column", "ts", "Completeness", 0.8),), spec=spec)
        key = spec.param("instance", spec.kind)
        value = self.values.get(key, self.values.get(spec.kind))
        if value is None:
            return AnalyzerOutput(undefined=True, spec=spec)
        return AnalyzerOutput(records=(MetricRecord("Column", "x", spec.kind, value),), spec=spec)


def _one(item: str):
    suite = parse_suite(f"suite: s\ndataset: {{path: /tmp/x}}\nchecks:\n  - name: c\n    constraints:\n      - {item}\n",
                        "s.yml")
    (c,) = suite.constraints
    return c.definition, c.params


def test_max_gap_verdicts_and_message():
    d, p = _one("max_gap: {time: ts, by: [sensor], must_be_at_most: 5m}")
    failed = d.evaluate(p, Ctx({"Maximum": 1200.0}))
    assert (failed.status, failed.metric_value) == (S.FAILED, 1200.0)
    assert failed.message == ("max_gap(ts by sensor) = 1200 s (20m), expected <= 300; "
                              "2 row(s) with a NULL ts ignored")
    explained = d.described(p, failed, ({"key0": "B", "start": 1704067320000000, "gap": 1200.0},))
    assert explained.message.endswith("; worst: sensor=B, a gap of 20m from 2024-01-01T00:02:00Z")
    undefined = d.evaluate(p, Ctx({}))
    assert undefined.status is S.NOT_EVALUATED and "no key has two readings with a time" in undefined.message
    assert d.evaluate(p, Ctx({"Maximum": 300.0})).status is S.PASSED  # inclusive


def test_sampling_completeness_is_the_ratio_of_two_sums():
    d, p = _one("sampling_completeness: {time: ts, by: [sensor], interval: 1m, must_be_at_least: 0.5}")
    outcome = d.evaluate(p, Ctx({"ts:slots_hit": 17.0, "ts:slots_expected": 36.0}))
    assert (outcome.status, outcome.metric_value) == (S.FAILED, pytest.approx(17 / 36))
    assert "(17 of 36 slots of 1m)" in outcome.message
    assert d.evaluate(p, Ctx({"ts:slots_hit": 0.0, "ts:slots_expected": 0.0})).status is S.NOT_EVALUATED


def test_freshness_measures_from_as_of_or_the_run_start():
    d, p = _one('freshness: {time: ts, must_be_at_most: 1h, as_of: "2024-01-01T01:00:00Z"}')
    newest = datetime(2024, 1, 1, 0, 30, tzinfo=timezone.utc).timestamp()
    outcome = d.evaluate(p, Ctx({"Maximum": newest}))
    assert (outcome.status, outcome.metric_value) == (S.PASSED, 1800.0)
    assert "newest reading 2024-01-01T00:30:00Z, as of 2024-01-01T01:00:00Z" in outcome.message
    d, p = _one("freshness: {time: ts, by: [sensor], must_be_at_most: 1h}")
    started = datetime(2024, 1, 1, 3, 0, tzinfo=timezone.utc)
    outcome = d.evaluate(p, Ctx({"Minimum": newest}, started_at=started))
    assert (outcome.status, outcome.metric_value) == (S.FAILED, 9000.0)
    assert "stalest key's newest reading" in outcome.message
    assert d.described(p, outcome, ({"key0": "C"},)).message.endswith("; stalest: sensor=C")


def test_event_shape_and_monotonic_explain_the_first_offenders():
    d, p = _one("event_shape: {event: heat, time: ts, duration: {must_be_between: [30m, 4h]}, min_samples: 100}")
    assert d.label(p) == "heat events with duration between 30m and 4h, >= 100 readings"
    outcome = d.evaluate(p, Ctx({"Mean": 0.5}))
    assert outcome.status is S.FAILED
    rows = ({"event": "H3", "duration": 0.0, "n": 2}, {"event": "H7", "duration": 18000.0, "n": 400})
    assert d.described(p, outcome, rows).message.endswith("; first: H3: 0s, 2 readings; H7: 5h, 400 readings")
    d, p = _one("monotonic: {column: seq, order_by: [ts], by: [sensor], strict: true}")
    outcome = d.evaluate(p, Ctx({"Mean": 12 / 14}))
    assert outcome.status is S.FAILED and outcome.message.startswith(
        "fraction of pairs where seq increasing in ts order by sensor = 0.857143, expected >= 1")
    assert d.row_violation(p, SCHEMA).endswith(" = 0, FALSE)")


def test_row_violations_name_only_window_columns_the_constraint_declares():
    for item in ("max_gap: {time: ts, by: [sensor], must_be_at_most: 5m}",
                 "stuck_value: {column: v, time: ts, by: [sensor], must_be_at_most: 3}",
                 "max_rate_of_change: {column: v, time: ts, by: [sensor], must_be_at_most: 3}",
                 "monotonic: {column: seq, order_by: [ts], by: [sensor]}"):
        d, p = _one(item)
        predicate = d.row_violation(p, SCHEMA)
        names = {c.name for c in d.window_columns_for(p, SCHEMA)}
        assert any(name in predicate for name in names), item
    for item in ("freshness: {time: ts, must_be_at_most: 1h}",
                 "event_shape: {event: heat, time: ts, min_samples: 3}",
                 "sampling_completeness: {time: ts, interval: 1m, must_be_at_least: 0.5}"):
        d, p = _one(item)
        assert d.row_violation(p, SCHEMA) is None, item
