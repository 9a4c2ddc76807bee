"""The shipped demo suite on the demo's sample table: each planted fault is found by its check.

``make demo`` writes version 0 with defects and a repaired version 1 (``dqengine.demo``); this runs
``conf/sensor_readings.yml`` on both, in-process, without recording.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from dqengine.checks import load_suite
from dqengine.demo import write_sample_table
from dqengine.results import ConstraintStatus, RunStatus
from dqengine.spark.runner import run_suite

SUITE = Path(__file__).resolve().parent.parent / "conf" / "sensor_readings.yml"
GAP = "max_gap(ts by sensor_id,heat_id)"
STUCK = "stuck_value(temperature,ts by sensor_id,heat_id)"


def _run(spark, path: str, version: int):
    suite = load_suite(str(SUITE))
    suite = dataclasses.replace(suite, dataset=suite.dataset.model_copy(update={"path": path}))
    return run_suite(spark, suite, version=version, record=False)


def test_the_demo_finds_each_planted_fault_and_passes_the_repair(spark, tmp_path):
    path = str(tmp_path / "sensor_readings")
    write_sample_table(spark, path, defects=True)
    write_sample_table(spark, path, defects=False)
    broken, repaired = _run(spark, path, 0), _run(spark, path, 1)

    failed = {r.label: r for r in broken.constraints if r.status is not ConstraintStatus.PASSED}
    assert set(failed) == {
        "is_primary_key(reading_id)",            # the re-ingested batch
        "completeness(temperature)",             # 4 % of samples lost
        "temperature between -50 and 1600",      # the 9999 sentinel
        "pressure >= 0",                         # negative absolute pressure
        "status in [OK, WARN, FAIL]",            # an unknown status
        "sensor_id matches ^S-\\d{3}$",          # a mistyped sensor id
        GAP,                                     # the 5-minute outage
        STUCK,                                   # the frozen sensor
    }, {k: v.message for k, v in failed.items()}
    gap, stuck = failed[GAP], failed[STUCK]
    assert gap.metric_value == 330.0 and "S-003" in gap.message and "1002" in gap.message, gap.message
    assert stuck.metric_value == 12.0 and "S-002" in stuck.message and "1512.45" in stuck.message, stuck.message
    assert broken.status is RunStatus.FAILED

    assert repaired.status is RunStatus.PASSED, [(r.label, r.message) for r in repaired.constraints
                                                 if r.status is not ConstraintStatus.PASSED]
