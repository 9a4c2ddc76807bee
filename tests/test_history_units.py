"""runs/history and --format json, the pure parts: which runs, which metric, the sparkline, the
tables and the JSON documents; and the decision to show progress (a terminal or not)."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from dqengine import documents
from dqengine.errors import ConfigError
from dqengine.history import (NoRuns, format_history, format_runs, format_series, history_document,
                              latest_run_series, metric_series, recent_runs, runs_document, select_metric,
                              sparkline, timestamp)
from dqengine.planner import Pass
from dqengine.progress import describe_pass, is_terminal, progress_to
from dqengine.results import ConstraintResult, ConstraintStatus, RunResult, RunStatus
from dqengine.scores import Score

T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _run(run_id, version, status, minutes, rows=10):
    return {"run_id": run_id, "dataset_version": version, "status": status, "started_at": _at(minutes - 1),
            "finished_at": _at(minutes), "row_count": rows, "constraints_total": 2}


def _check(run_id, check, index, label, status, key=None, severity="error"):
    return {"run_id": run_id, "check": check, "constraint_index": index, "label": label, "status": status,
            "severity": severity, "constraint_id": f"id-{check}-{index}", "metric_key": key}


def _metric(run_id, version, minutes, key, name, instance, value, entity="Column"):
    return {"run_id": run_id, "dataset_version": version, "finished_at": _at(minutes), "metric_key": key,
            "name": name, "instance": instance, "entity": entity, "value": value}


RUNS = [_run("r1", 1, "PASSED", 1), _run("r3", 2, "FAILED", 3), _run("r2", 1, "WARNING", 2)]
CHECKS = [
    _check("r1", "keys", 0, "is_unique(id)", "PASSED", "k-uniq"),
    _check("r3", "physics", 0, "between(temperature)", "FAILED", "k-between", severity="warning"),
    _check("r3", "keys", 1, "completeness(temperature)", "ERROR", "k-compl"),
    _check("r3", "keys", 0, "is_unique(id)", "FAILED", "k-uniq"),
    _check("r2", "keys", 0, "is_unique(id)", "NOT_EVALUATED", "k-uniq"),
]


def test_recent_runs_newest_first_with_their_failed_constraints_in_suite_order():
    runs = recent_runs(RUNS, CHECKS, last=10)
    assert [r.run_id for r in runs] == ["r3", "r2", "r1"]
    assert [str(f) for f in runs[0].failed] == ["keys/is_unique(id)", "keys/completeness(temperature)",
                                                "physics/between(temperature)"]
    assert [(f.status, f.severity) for f in runs[1].failed] == [("NOT_EVALUATED", "error")]
    assert runs[2].failed == ()
    assert [r.run_id for r in recent_runs(RUNS, CHECKS, last=2)] == ["r3", "r2"]


def test_recent_runs_refuses_a_count_below_one():
    for last in (0, -3):
        with pytest.raises(ConfigError, match=rf"^--last {last}: give how many runs to list, a whole number >= 1$"):
            recent_runs(RUNS, CHECKS, last=last)


def test_runs_table_and_document():
    runs = recent_runs(RUNS, CHECKS, last=2)
    assert format_runs("s", "/d", runs).splitlines() == [
        "runs of suite s on /d, newest first (2 shown)",
        "run  version  status   finished (UTC)       rows  failed constraints",
        "---  -------  -------  -------------------  ----  " + "-" * len(
            "keys/is_unique(id), keys/completeness(temperature), physics/between(temperature)"),
        "r3   2        FAILED   2026-01-02 03:07:05  10    keys/is_unique(id), keys/completeness(temperature), "
        "physics/between(temperature)",
        "r2   1        WARNING  2026-01-02 03:06:05  10    keys/is_unique(id)",
    ]
    more = CHECKS + [_check("r3", "physics", 1, "non_negative(p)", "FAILED"),
                     _check("r3", "physics", 2, "pattern(s)", "FAILED")]
    assert format_runs("s", "/d", recent_runs(RUNS, more, last=1)).splitlines()[-1].split("  ")[-1] == \
        "keys/is_unique(id), keys/completeness(temperature), physics/between(temperature), +2 more"
    assert len(runs_document("s", "/d", "/m", recent_runs(RUNS, more, last=1))["runs"][0]["failed"]) == 5
    document = runs_document("s", "/d", "/m", runs)
    assert json.loads(documents.dumps(document)) == document
    assert document["runs"][1] == {
        "run_id": "r2", "dataset_version": 1, "status": "WARNING", "started_at": "2026-01-02T03:05:05Z",
        "finished_at": "2026-01-02T03:06:05Z", "row_count": 10, "constraints_total": 2, "constraints_failed": 1,
        "failed": [{"check": "keys", "label": "is_unique(id)", "constraint_id": "id-keys-0", "severity": "error",
                    "status": "NOT_EVALUATED"}]}
    assert (document["suite"], document["dataset"], document["metrics_location"]) == ("s", "/d", "/m")


def test_no_runs_is_exit_1_with_the_way_out():
    error = NoRuns("sensors", "/data/readings", "/m", "conf/sensors.yml")
    assert error.exit_code == 1
    assert str(error) == ("no runs of suite 'sensors' on /data/readings in /m yet; "
                          "run `dqengine run conf/sensors.yml` first")


METRICS = [
    _metric("r1", 1, 1, "k-size", "Size", "*", 3.0, entity="Dataset"),
    _metric("r1", 1, 1, "k-compl", "Completeness", "temperature", 1.0),
    _metric("r2", 1, 2, "k-compl", "Completeness", "temperature", 0.5),   # re-run of version 1: this one counts
    _metric("r3", 2, 3, "k-compl", "Completeness", "temperature", None),  # could not be computed
    _metric("r4", 3, 4, "k-compl", "Completeness", "temperature", 0.75),
    _metric("r4", 3, 4, "k-compl2", "Completeness", "humidity", 1.0),
    _metric("r4", 3, 4, "k-size", "Size", "*", 4.0, entity="Dataset"),
]
LABELS = [{"label": "completeness(temperature)", "metric_key": "k-compl"},
          {"label": "is_complete(temperature)", "metric_key": "k-compl"},
          {"label": "completeness(temperature)", "metric_key": "k-compl"},
          {"label": "row_count", "metric_key": "k-size"}]


def test_metric_series_one_point_per_version_the_latest_runs():
    series = {s.key: s for s in metric_series(METRICS, LABELS)}
    compl = series["k-compl"]
    assert [(p.dataset_version, p.value, p.run_id) for p in compl.points] == [(1, 0.5, "r2"), (2, None, "r3"),
                                                                             (3, 0.75, "r4")]
    assert compl.labels == ("completeness(temperature)", "is_complete(temperature)")
    assert compl.title == "Completeness(temperature)"
    assert [s.key for s in metric_series(METRICS, LABELS)] == ["k-size", "k-compl2", "k-compl"]


def test_latest_run_series_leaves_out_metrics_the_latest_run_did_not_compute():
    older = METRICS + [_metric("r1", 1, 1, "k-gone", "Mean", "x", 2.0)]
    assert [s.key for s in latest_run_series(metric_series(older))] == ["k-size", "k-compl2", "k-compl"]
    assert latest_run_series([]) == []


@pytest.mark.parametrize("query, key", [
    ("k-compl", "k-compl"),                      # a full key wins over being a prefix of k-compl2
    ("k-s", "k-size"),                           # a unique prefix
    ("IS_COMPLETE(temperature)", "k-compl"),     # a constraint label, any case
    ("row_count", "k-size"),
    ("Completeness(humidity)", "k-compl2"),      # Deequ's name with the column
    ("size", "k-size"),                          # Deequ's name alone, when only one metric has it
])
def test_select_metric(query, key):
    assert select_metric(query, metric_series(METRICS, LABELS)).key == key


def test_select_metric_ambiguous_lists_the_candidates():
    with pytest.raises(ConfigError) as error:
        select_metric("Completeness", metric_series(METRICS, LABELS))
    assert str(error.value) == (
        "--metric 'Completeness' is ambiguous: it names 2 metrics: k-compl2 Completeness(humidity); "
        "k-compl Completeness(temperature) [completeness(temperature), is_complete(temperature)]; "
        "give more of the metric_key")
    with pytest.raises(ConfigError, match=r"^--metric 'k-c' is ambiguous: it names 2 metrics"):
        select_metric("k-c", metric_series(METRICS, LABELS))


def test_select_metric_unknown_names_it_and_lists_known_ones():
    with pytest.raises(ConfigError) as error:
        select_metric("Mean(x)", metric_series(METRICS, LABELS))
    assert str(error.value) == (
        "--metric 'Mean(x)': no metric of this suite has that key, constraint label or name; known: "
        "k-size Size(*) [row_count]; k-compl2 Completeness(humidity); "
        "k-compl Completeness(temperature) [completeness(temperature), is_complete(temperature)]")
    with pytest.raises(ConfigError, match=r"^--metric: empty"):
        select_metric(" ", metric_series(METRICS, LABELS))
    with pytest.raises(ConfigError, match=r"known: none$"):
        select_metric("x", [])


def test_sparkline():
    assert sparkline([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]) == "▁▂▃▄▅▆▇█"
    assert sparkline([1.0, None, float("nan"), 3.0]) == "▁··█"
    assert sparkline([2.0, 2.0]) == "▄▄"
    assert sparkline([None, None]) == "··"
    assert sparkline([]) == ""
    assert sparkline([0.5, 0.75, 1.0]) == "▁▅█"


def test_history_tables():
    series = metric_series(METRICS, LABELS)
    assert format_history("s", "/d", series).splitlines() == [
        "metrics of suite s on /d, one value per dataset version (oldest to latest); --metric KEY|NAME for one "
        "metric's table",
        "metric_key  metric                     latest  history  constraints",
        "----------  -------------------------  ------  -------  " + "-" * len(
            "completeness(temperature), is_complete(temperature)"),
        "k-size      Size(*)                    4       ▁█       row_count",
        "k-compl2    Completeness(humidity)     1       ▄        -",
        "k-compl     Completeness(temperature)  0.75    ▁·█      completeness(temperature), is_complete(temperature)",
    ]
    compl = select_metric("k-compl", series)
    assert format_series(compl).splitlines() == [
        "Completeness(temperature) (completeness(temperature), is_complete(temperature)), metric_key k-compl",
        "▁·█  3 versions",
        "version  value  finished (UTC)       run",
        "-------  -----  -------------------  ---",
        "1        0.5    2026-01-02 03:06:05  r2",
        "2        NULL   2026-01-02 03:07:05  r3",
        "3        0.75   2026-01-02 03:08:05  r4",
    ]


def test_history_document_nan_and_null_are_null():
    rows = METRICS + [_metric("r5", 4, 5, "k-compl", "Completeness", "temperature", float("nan"))]
    compl = select_metric("k-compl", metric_series(rows, LABELS))
    document = history_document("s", "/d", "/m", [compl])
    text = documents.dumps(document)
    assert "NaN" not in text and json.loads(text) == document
    assert document["metrics"][0]["rows"][1:] == [
        {"dataset_version": 2, "value": None, "run_id": "r3", "finished_at": "2026-01-02T03:07:05Z"},
        {"dataset_version": 3, "value": 0.75, "run_id": "r4", "finished_at": "2026-01-02T03:08:05Z"},
        {"dataset_version": 4, "value": None, "run_id": "r5", "finished_at": "2026-01-02T03:09:05Z"}]
    assert {k: v for k, v in document["metrics"][0].items() if k != "rows"} == {
        "metric_key": "k-compl", "entity": "Column", "instance": "temperature", "name": "Completeness",
        "constraints": ["completeness(temperature)", "is_complete(temperature)"]}


def test_timestamps_are_utc_whether_aware_or_naive_local():
    assert timestamp(T0) == "2026-01-02T03:04:05Z"
    assert timestamp(T0.astimezone(timezone(timedelta(hours=2)))) == "2026-01-02T03:04:05Z"
    naive_local = T0.astimezone().replace(tzinfo=None)  # what Spark's collect() gives
    assert timestamp(naive_local) == "2026-01-02T03:04:05Z"
    assert timestamp(None) is None


def _result(status, value, severity="error"):
    return ConstraintResult(check="c", constraint_index=0, constraint="completeness", label="completeness(x)",
                            columns=("x",), severity=severity, dimension="completeness", threshold=">= 0.9",
                            status=status, metric_name="Completeness", metric_value=value, message="m",
                            constraint_id="cid", metric_key="mk")


def test_run_document():
    run = RunResult(run_id="r", suite="s", suite_fingerprint="f", dataset="/d", dataset_version=3, started_at=T0,
                    finished_at=_at(1), status=RunStatus.FAILED, row_count=5, engine_version="e",
                    spark_version="3.5", deequ_version="2.1", message="0 of 1 constraints passed",
                    constraints=(_result(ConstraintStatus.FAILED, float("nan")),),
                    scores=(Score("completeness", None, 0, 1), Score("overall", 0.5, 1, 0)))
    document = documents.run_document(run, "/m")
    assert json.loads(documents.dumps(document)) == document
    assert document["constraints"] == [{
        "check": "c", "constraint_index": 0, "constraint_id": "cid", "constraint": "completeness",
        "label": "completeness(x)", "columns": ["x"], "severity": "error", "dimension": "completeness",
        "status": "FAILED", "metric_name": "Completeness", "metric_key": "mk", "metric_value": None,
        "threshold": ">= 0.9", "message": "m"}]
    assert document["scores"] == [{"dimension": "completeness", "score": None, "constraints": 0, "left_out": 1},
                                  {"dimension": "overall", "score": 0.5, "constraints": 1, "left_out": 0}]
    assert {k: document[k] for k in ("suite", "dataset", "dataset_version", "run_id", "status", "row_count",
                                     "started_at", "finished_at", "metrics_location", "recorded")} == {
        "suite": "s", "dataset": "/d", "dataset_version": 3, "run_id": "r", "status": "FAILED", "row_count": 5,
        "started_at": "2026-01-02T03:04:05Z", "finished_at": "2026-01-02T03:05:05Z", "metrics_location": "/m",
        "recorded": True}
    assert "error" not in document
    failed = documents.run_document(run, None, error="dqengine: disk full")
    assert (failed["recorded"], failed["error"]) == (False, "dqengine: disk full")


def test_gate_validate_and_error_documents():
    from dqengine.certify import GateDecision

    decision = GateDecision(True, "/d", 8, "certified by run r", run_id="r", run_version=7,
                            unchanged=((8, "OPTIMIZE"),))
    assert documents.gate_document(decision, "s") == {
        "suite": "s", "certified": True, "dataset": "/d", "version": 8, "reason": "certified by run r",
        "run_id": "r", "run_version": 7, "unchanged": [{"version": 8, "operation": "OPTIMIZE"}]}
    files = [{"file": "a.yml", "valid": True, "constraints": 2, "fingerprint": "f", "errors": []},
             {"file": "b.yml", "valid": False, "constraints": None, "fingerprint": None, "errors": ["b.yml:1:1: x"]}]
    assert documents.validate_document(files) == {"valid": False, "files": files}
    assert documents.validate_document(files[:1])["valid"] is True
    assert documents.error_document("dqengine: boom", 3) == {"error": "dqengine: boom", "exit_code": 3}
    with pytest.raises(ValueError):
        documents.dumps({"x": float("nan")})


class _Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_only_on_a_terminal():
    quiet = _Stream(tty=False)
    assert progress_to(quiet) is None and not is_terminal(quiet)
    terminal = _Stream(tty=True)
    emit = progress_to(terminal)
    emit("pass 1/2 deequ_scan/fused: 3 analyzers...")
    assert terminal.getvalue() == "pass 1/2 deequ_scan/fused: 3 analyzers...\n"
    closed = io.StringIO()
    closed.close()
    assert progress_to(closed) is None  # isatty() on a closed stream raises ValueError
    assert not is_terminal(object())


def test_describe_pass():
    assert describe_pass(Pass("deequ_scan", (), strategy="fused")) == "deequ_scan/fused"
    assert describe_pass(Pass("grouping", (), ("reading_id",), "frequencies", grouping=("reading_id",))) == \
        "grouping(reading_id)"
    assert describe_pass(Pass("windowed", (), window=(("sensor_id",), "ts"))) == "windowed(sensor_id by ts)"
    assert describe_pass(Pass("windowed", (), window=((), "ts"))) == "windowed(by ts)"
    assert describe_pass(Pass("metadata", ())) == "metadata"
