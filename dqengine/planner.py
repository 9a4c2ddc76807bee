"""Plan a suite's computation: which Deequ analyzers, once each, and which derived columns.

Pure Python. The plan is what lets a whole suite run as one Deequ analysis: constraints that need
the same metric share it (``is_complete: x`` and ``completeness: {column: x, ...}`` compute one
Completeness), and ``Size`` is always there because every run records its row count.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection

from dqengine.checks.base import AnalyzerSpec
from dqengine.checks.suite import Suite

__all__ = ["Plan", "plan_suite", "ROW_COUNT"]

ROW_COUNT = AnalyzerSpec("Size")


@dataclass(frozen=True)
class Plan:
    analyzers: tuple[AnalyzerSpec, ...]
    #: (column name, Spark SQL expression) to add before Deequ sees the data
    derived_columns: tuple[tuple[str, str], ...] = ()


def plan_suite(suite: Suite, skip: Collection[tuple[str, int]] = ()) -> Plan:
    """``skip``: (check, index) of constraints not to compute (their columns are gone)."""
    specs: dict[AnalyzerSpec, None] = {ROW_COUNT: None}
    derived: dict[str, str] = {}
    for constraint in suite.constraints:
        if (constraint.check, constraint.index) in skip:
            continue
        for spec in constraint.definition.analyzers(constraint.params):
            specs.setdefault(spec, None)
        for name, expression in constraint.definition.derived_columns(constraint.params).items():
            if derived.setdefault(name, expression) != expression:
                raise ValueError(f"derived column {name!r} defined twice with different expressions")
    return Plan(tuple(specs), tuple(derived.items()))
