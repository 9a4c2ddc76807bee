"""Plan a suite's computation: which Deequ analyzers, once each, and which derived columns.

Pure Python. The plan is what lets a whole suite run as one Deequ analysis: constraints that need
the same metric share it (``is_complete: x`` and ``completeness: {column: x, ...}`` compute one
Completeness), and ``Size`` is always there because every run records its row count.

Given the pinned schema, a constraint may plan differently by column type: ``min`` of a TIMESTAMP
computes Deequ's Minimum on a derived column of epoch seconds, a ``quantile`` of a DOUBLE also
counts its NaN values.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Collection, Mapping

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.checks.suite import Suite
from dqengine.identity import MetricScope, metric_key
from dqengine.results import MetricRecord

__all__ = ["Plan", "plan_suite", "ROW_COUNT"]

ROW_COUNT = AnalyzerSpec("Size")


@dataclass(frozen=True)
class Plan:
    analyzers: tuple[AnalyzerSpec, ...]
    #: (column name, Spark SQL expression) to add before Deequ sees the data
    derived_columns: tuple[tuple[str, str], ...] = ()
    #: (derived column, the user's column it stands for): Deequ names a metric on a derived column
    #: after that column; the metrics tables must name the column the user wrote.
    instances: tuple[tuple[str, str], ...] = ()

    def instance(self, name: str) -> str:
        """The user's name for a Deequ metric instance (unchanged unless it is a derived column)."""
        return dict(self.instances).get(name, name)

    def metric_key(self, spec: AnalyzerSpec, name: str, scope: MetricScope) -> str:
        """``dqengine.identity.metric_key`` of one metric, derived columns read as what they derive."""
        return metric_key(spec, name, scope, dict(self.derived_columns), dict(self.instances))

    def metric_records(self, outputs: Mapping[AnalyzerSpec, AnalyzerOutput],
                       scope: MetricScope | None = None) -> tuple[MetricRecord, ...]:
        """Every computed metric, in plan order, with derived-column instances mapped back and,
        given the run's ``scope``, its key."""
        mapping = dict(self.instances)
        records = []
        for spec in self.analyzers:
            for record in outputs[spec].records:
                if record.instance in mapping:
                    record = replace(record, instance=mapping[record.instance])
                if scope is not None:
                    record = replace(record, key=self.metric_key(spec, record.name, scope))
                records.append(record)
        return tuple(records)


def plan_suite(suite: Suite, skip: Collection[tuple[str, int]] = (),
               schema: Mapping[str, str] | None = None) -> Plan:
    """``skip``: (check, index) of constraints not to compute (their columns are gone).

    ``schema``: column name -> Spark type (``PinnedDataset.schema``); None plans as if every
    column had the type the constraint computes on directly.
    """
    specs: dict[AnalyzerSpec, None] = {ROW_COUNT: None}
    derived: dict[str, str] = {}
    instances: dict[str, str] = {}
    for constraint in suite.constraints:
        if (constraint.check, constraint.index) in skip:
            continue
        own = constraint.definition.derived_columns_for(constraint.params, schema)
        for name, expression in own.items():
            if derived.setdefault(name, expression) != expression:
                raise ValueError(f"derived column {name!r} defined twice with different expressions")
        for spec in constraint.definition.analyzers_for(constraint.params, schema):
            specs.setdefault(spec, None)
            # A metric on a derived column that names an instance is recorded under that name.
            instance = spec.param("instance")
            if spec.columns and spec.columns[0] in own and instance is not None:
                instances[spec.columns[0]] = instance
    return Plan(tuple(specs), tuple(derived.items()), tuple(instances.items()))
