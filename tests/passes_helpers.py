"""A test-only time-series constraint: the largest step of a value between consecutive readings.

No built-in constraint type is a time series yet; this one exercises the windowed pass the way
the coming ones will (a ``WindowColumn`` over (keys, time), an ordinary Deequ analyzer over it).
"""
from __future__ import annotations

import hashlib
from typing import Annotated, Any, Mapping

from pydantic import Field

from dqengine.checks import ConstraintRegistry, default_registry
from dqengine.checks.base import AnalyzerSpec, WindowColumn, quote_identifier
from dqengine.checks.builtin import ColumnThreshold, MetricConstraint
from dqengine.config.models import ColumnName


class StepParams(ColumnThreshold):
    keys: Annotated[list[ColumnName], Field(min_length=1)]
    time: ColumnName
    #: a test hook: the step expression instead of abs(value - previous value)
    step_sql: str | None = None


class MaxStep(MetricConstraint):
    name = "max_step"
    analyzer = "Maximum"
    params_model = StepParams
    dimension = "validity"
    summary = example = "test only"

    def step_column(self, p: Any) -> str:
        text = "|".join([p.column, p.time, *p.keys, p.step_sql or ""])
        return "_dq_step_" + hashlib.sha256(text.encode()).hexdigest()[:12]

    def window_columns_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[WindowColumn, ...]:
        col = quote_identifier(p.column)
        expression = p.step_sql or f"abs({col} - lag({col}) OVER {{window}})"
        return (WindowColumn(self.step_column(p), tuple(p.keys), p.time, expression),)

    def spec(self, p: Any) -> AnalyzerSpec:
        return AnalyzerSpec("Maximum", (self.step_column(p),), (("instance", p.column),))

    def analyzers_for(self, p: Any, schema: Mapping[str, str] | None) -> tuple[AnalyzerSpec, ...]:
        return (self.spec(p),)

    def checked_columns(self, p: Any) -> tuple[str, ...]:
        return (p.column, p.time, *p.keys)


def registry() -> ConstraintRegistry:
    return ConstraintRegistry([*default_registry(), MaxStep()])
