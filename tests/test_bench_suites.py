"""The benchmark's suites (bench/suites/*.yml) are valid suites, and C and D are what they claim to
be: C is B without the constraints that need a grouping, D the part of B the Delta log answers.
No Spark."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from dqengine import load_suite
from dqengine.cli import main

REPO = Path(__file__).resolve().parent.parent
SUITES = sorted((REPO / "bench" / "suites").glob("*.yml"))
sys.path.insert(0, str(REPO / "bench"))

import suite_subsets  # noqa: E402


def _key(spec) -> tuple:
    """A constraint as written: its check, type and parameters (not its position)."""
    return spec.check, spec.severity, spec.name, json.dumps(spec.params.model_dump(), sort_keys=True)


def _suite(name: str):
    return load_suite(REPO / "bench" / "suites" / f"{name}.yml")


def test_the_six_suites_are_there():
    assert [p.stem for p in SUITES] == ["A", "B", "C", "D", "P", "T"]


@pytest.mark.parametrize("path", SUITES, ids=[p.name for p in SUITES])
def test_bench_suite_passes_dqengine_validate_and_the_schema(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert "valid" in capsys.readouterr().out
    schema = json.loads((REPO / "conf" / "suite.schema.json").read_text(encoding="utf-8"))
    errors = list(Draft202012Validator(schema).iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors == []


def test_c_and_d_are_up_to_date_with_b():
    for name in ("C", "D"):
        written = (REPO / "bench" / "suites" / f"{name}.yml").read_text(encoding="utf-8")
        assert written == suite_subsets.subset_text(name), f"{name}.yml is stale: run python bench/suite_subsets.py"


def test_c_is_exactly_b_without_grouping():
    b, c = _suite("B"), _suite("C")
    assert [_key(s) for s in c.constraints] == [_key(s) for s in b.constraints if not suite_subsets.needs_grouping(s)]
    dropped = [s for s in b.constraints if suite_subsets.needs_grouping(s)]
    assert [(s.name, s.columns) for s in dropped] == [
        ("is_primary_key", ("reading_id",)), ("is_primary_key", ("sensor_id", "ts")), ("uniqueness", ("flow",))]


def test_d_is_the_log_answerable_part_of_b_and_of_c():
    b, c, d = _suite("B"), _suite("C"), _suite("D")
    assert [_key(s) for s in d.constraints] == [_key(s) for s in b.constraints if suite_subsets.log_answerable(s)]
    assert {_key(s) for s in d.constraints} < {_key(s) for s in c.constraints}
    assert {s.name for s in d.constraints} == {"row_count", "column_count", "columns_exist", "is_complete",
                                                "completeness", "min", "max"}


def test_grouping_is_read_from_the_registry():
    b = {s.name: s for s in _suite("B").constraints}
    assert suite_subsets.needs_grouping(b["is_primary_key"]) and suite_subsets.needs_grouping(b["uniqueness"])
    assert not suite_subsets.needs_grouping(b["approx_distinct_count"])  # a sketch in the scan
    assert not suite_subsets.needs_grouping(b["quantile"])
    assert not suite_subsets.log_answerable(b["between"])  # the log bounds values, not the fraction in range


def test_b_has_about_60_mixed_constraints():
    b = _suite("B")
    assert 55 <= len(b.constraints) <= 65
    assert {"completeness", "between", "allowed_values", "pattern", "mean", "stddev", "sum",
            "approx_distinct_count", "quantile", "is_primary_key"} <= {s.name for s in b.constraints}


def test_a_is_19_completeness_and_19_exact_uniqueness_checks():
    a = _suite("A")
    kinds = [suite_subsets.analyzer_kinds(s) for s in a.constraints]
    assert sum(k == {"Completeness"} for k in kinds) == 19
    assert sum(k == {"Uniqueness"} for k in kinds) == 19
    assert len(a.constraints) == 38
    assert len({s.columns for s in a.constraints if s.check == "uniqueness"}) == 19


def test_p_is_exactly_the_12_rules():
    p = _suite("P")
    assert [(s.name, s.columns, s.threshold_text) for s in p.constraints] == [
        ("row_count", (), "> 0"),
        ("is_complete", ("reading_id",), "== 1"),
        ("is_unique", ("reading_id",), "== 1"),
        ("is_complete", ("sensor_id",), "== 1"),
        ("completeness", ("temperature",), ">= 0.98"),
        ("completeness", ("pressure",), ">= 0.99"),
        ("between", ("temperature",), ">= 1"),
        ("non_negative", ("pressure",), ">= 1"),
        ("allowed_values", ("status",), ">= 1"),
        ("pattern", ("batch_code",), ">= 1"),
        ("mean", ("temperature",), "between 0 and 1000"),
        ("approx_distinct_count", ("sensor_id",), "between 1000 and 3000"),
    ]
    between, allowed, pattern = (p.constraints[i].params for i in (6, 8, 9))
    assert (between.min, between.max) == (-50, 1500)
    assert allowed.values == ["OK", "WARN", "FAIL"]
    assert pattern.regex == r"^[A-Z]{2}-\d{6}$"


def _result(medians: dict[str, float]) -> dict:
    import contenders as C

    peers = {"naive", "hand-fused", "pydeequ", "GX lean"}
    rows = [{"contender": n, "peer": n in peers, "valid": True, "invalid_reason": None, "median_s": m,
             "runs_s": [m], "spark_jobs": 1} for n, m in medians.items()]
    rows.append({"contender": C.ENGINE_METRICS_ONLY, "peer": False, "valid": False,
                 "invalid_reason": "verdicts differ", "median_s": None, "runs_s": [], "spark_jobs": None})
    return {"suite": "P", "constraints": 12, "medians": medians, "contenders": rows}


def test_ratios_and_targets_of_the_reference_workload():
    import bench_suites

    medians = {"floor": 3.0, "naive": 18.8, "hand-fused": 17.1, "pydeequ": 17.7, "dqengine": 12.0}
    result = _result(medians)
    bench_suites.ratios(result)
    engine = next(r for r in result["contenders"] if r["contender"] == "dqengine")
    assert (engine["x_floor"], engine["x_dqengine"], engine["x_fastest_peer"]) == (4.0, 1.0, 0.7)
    targets = {t["target"]: t["met"] for t in bench_suites.targets("P", medians, rows=10_000_000)}
    assert targets == {"dqengine / fastest peer <= 0.8": True, "dqengine / floor (bare scan) <= 3": False}
    text = bench_suites.table(result)
    assert "INVALID" in text and "verdicts differ" in text
    assert bench_suites.table(result, markdown=True).splitlines()[1].startswith("|---|---:")


def test_targets_of_b_include_the_2_second_target_only_on_100k_rows():
    import bench_suites

    medians = {"naive": 4.0, "pydeequ": 2.5, "dqengine": 1.9}
    small = {t["target"]: t["met"] for t in bench_suites.targets("B", medians, rows=100_000)}
    assert small == {"dqengine / pydeequ <= 0.7": False, "naive / dqengine >= 2": True,
                     "dqengine on 100K rows <= 2 s": True}
    assert "dqengine on 100K rows <= 2 s" not in {t["target"] for t in bench_suites.targets("B", medians, 10**6)}
    assert bench_suites.targets("A", {"pydeequ": 10.0}, 10**6) == []  # no dqengine time, no target


def test_bench_timeseries_times_suite_t_against_t_without_its_series():
    sys.path.insert(0, str(REPO / "bench"))
    import bench_timeseries

    whole, scan_only = bench_timeseries._suites("/data/t")
    series = {"max_gap", "sampling_completeness", "stuck_value", "max_rate_of_change", "monotonic", "freshness"}
    assert {c.name for c in whole.constraints} - {c.name for c in scan_only.constraints} == series
    assert not series & {c.name for c in scan_only.constraints} and len(scan_only.constraints) == 3
    assert whole.dataset.path == scan_only.dataset.path == "/data/t"
