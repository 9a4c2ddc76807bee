"""The layout history of dq_records and how a run becomes its rows (issue #10). No Spark.

The layout-1 columns are checked against tests/data/layout1, a table the layout-1 code wrote.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dqengine import metrics_schema as ms
from dqengine.results import (ConstraintResult, ConstraintStatus, MetricRecord, RunResult, RunStatus,
                              StateRecord)

LAYOUT1 = json.loads((Path(__file__).parent / "data" / "layout1" / "layout1.json").read_text(encoding="utf-8"))


def test_layout_1_is_the_columns_a_layout_1_table_really_has():
    """The fixture was written by the layout-1 code; its columns must stay a prefix of ours."""
    frozen = [c.split()[0].strip("`") for c in LAYOUT1["schema"].split(", ")]
    assert ms.layout_of(frozen) == 1
    assert [c.name for c in ms.STORED][:len(frozen)] == frozen
    assert [c.name for c in ms.missing_columns(frozen)] == list(ms.LAYOUTS[1].added + ms.LAYOUTS[2].added)
    layout2 = frozen + list(ms.LAYOUTS[1].added)
    assert ms.layout_of(layout2) == 2
    assert [c.name for c in ms.missing_columns(layout2)] == ["score", "weight", "constraints", "left_out"]
    assert ms.layout_of([c.name for c in ms.STORED]) == ms.CURRENT_LAYOUT == 3
    assert ms.missing_columns([c.name for c in ms.STORED]) == ()
    assert ms.layout_of(frozen[:-1]) is None and ms.layout_of(list(reversed(frozen))) is None


def test_every_layout_only_adds_columns_and_every_column_is_added_once():
    added = [name for layout in ms.LAYOUTS for name in layout.added]
    assert added == [c.name for c in ms.STORED]
    assert [layout.version for layout in ms.LAYOUTS] == list(range(1, len(ms.LAYOUTS) + 1))
    assert {c.name: c.type for c in ms.STORED}["payload"] == "BINARY"


def test_rows_are_built_by_name_and_put_in_order_in_one_place():
    assert ms.stored_row("metric", {"name": "Size", "value": 3.0}) == tuple(
        {"record": "metric", "name": "Size", "value": 3.0}.get(c.name) for c in ms.STORED)
    with pytest.raises(ValueError, match="metric rows have no column.s. payload"):
        ms.stored_row("metric", {"payload": b"x"})
    with pytest.raises(ValueError, match="run rows have no column.s. valeu"):
        ms.stored_rows(ms.RUNS, [{"valeu": 1}])


def test_a_run_becomes_rows_with_keys_ids_provider_and_states():
    now = datetime.now(timezone.utc)
    result = ConstraintResult("c", 0, "is_complete", "is_complete(x)", ("x",), "error", "completeness", "== 1",
                              ConstraintStatus.PASSED, "Completeness", 1.0, "ok", constraint_id="x_present",
                              metric_key="k" * 20)
    run = RunResult("r", "s", "f", "/d", 3, now, now, RunStatus.PASSED, 5, "0.2", "3.5", "2.1",
                    constraints=(result,),
                    metrics=(MetricRecord("Column", "x", "Completeness", 1.0, key="k" * 20),
                             MetricRecord("Dataset", "*", "Size", 5.0, key="s" * 20, provider="metadata")),
                    states=(StateRecord("sketch", "q" * 20, "Column", "x", "ApproxQuantile-0.5", b"\x00\x01",
                                        "deequ.HdfsStateProvider@2.1.0", "ApproxQuantileState"),))
    by_kind = ms.rows(run)
    assert by_kind["check"][0]["constraint_id"] == "x_present" and by_kind["check"][0]["metric_key"] == "k" * 20
    assert [(m["metric_key"], m["provider"]) for m in by_kind["metric"]] == [("k" * 20, "deequ_scan"),
                                                                             ("s" * 20, "metadata")]
    assert by_kind["state"] == [] and by_kind["sketch"][0]["payload"] == b"\x00\x01"
    stored = ms.records(run)
    index = {c.name: i for i, c in enumerate(ms.STORED)}
    assert sorted(r[0] for r in stored) == ["check", "metric", "metric", "run", "sketch"]
    (sketch,) = [r for r in stored if r[0] == "sketch"]
    assert sketch[index["payload"]] == b"\x00\x01" and sketch[index["run_id"]] == "r"
    assert sketch[index["payload_type"]] == "ApproxQuantileState"
