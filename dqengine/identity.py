"""Stable identities: a metric's ``metric_key`` and a constraint's ``constraint_id``. Pure Python.

Both are hashes of what *defines* the thing, never of where it is written or what it is called,
so a metric keeps its history when constraints are reordered, a check or a label is renamed, or
two constraints that need the same metric are added or removed.

``metric_key`` hashes (canonical JSON, then sha256):

* the source: the dataset's identity (table name or absolute path) and the suite's
  ``dataset.where`` (the rows the metric is over);
* the analyzer kind (Deequ's class, e.g. ``Completeness``), the columns the user named — a
  column Deequ reads from a derived column (``min`` of a TIMESTAMP, computed on epoch seconds)
  is recorded as the user's column *and* the expression that derives it — and every parameter
  except Deequ's display name (``instance``: a ``satisfies`` label), so two ``satisfies`` with
  the same label and different expressions differ, and the same expression under two labels is
  one metric; Deequ's own per-analyzer ``where`` if one is set;
* the Deequ metric name, since one analyzer may emit several metrics (a DataType histogram's
  ``Histogram.abs.Integral``, ``Histogram.ratio.Integral``, ...).

Not the provider that computed it: the same definition computed another way is the same metric.

A key is the first 20 hex digits (80 bits) of the sha256. Among n distinct metric definitions
the chance that any two share a key is about n²/2⁸¹: for a million definitions in one store,
4·10⁻¹³. Constraint ids are only compared within one suite (hundreds of constraints), and
identical ones are told apart by a suffix, so 16 hex digits (64 bits) are plenty.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from dqengine.checks.base import AnalyzerSpec
from dqengine.results import MetricRecord

__all__ = ["MetricScope", "metric_key", "verdict_metric_name", "constraint_id", "canonical_json",
           "METRIC_KEY_VERSION", "CONSTRAINT_ID_VERSION", "METRIC_KEY_HEX", "CONSTRAINT_ID_HEX"]

#: Bumped (which starts new histories) only if what a key means changes.
METRIC_KEY_VERSION = "dqengine-metric-v1"
CONSTRAINT_ID_VERSION = "dqengine-constraint-v1"
METRIC_KEY_HEX = 20
CONSTRAINT_ID_HEX = 16

#: Analyzer parameters that name a metric rather than define it.
_DISPLAY_PARAMS = frozenset({"instance"})
#: Constraint parameters that only name the constraint in results.
_DISPLAY_CONSTRAINT_PARAMS = frozenset({"label"})


@dataclass(frozen=True)
class MetricScope:
    """What every metric of one run is over: the dataset and the suite's row filter."""

    source: str
    filter: str | None = None


def _plain(value: Any) -> Any:
    """A JSON value that is the same for equal definitions: numbers as floats (YAML's ``1`` and
    ``1.0`` mean the same threshold), tuples as lists, mappings with sorted keys (by json)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return repr(number)  # JSON has no NaN/inf; never a parameter today
        return number
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _digest(value: Any, length: int) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()[:length]


def metric_key(spec: AnalyzerSpec, name: str, scope: MetricScope,
               derived: Mapping[str, str] | None = None, instances: Mapping[str, str] | None = None) -> str:
    """The key of metric ``name`` of analyzer ``spec`` computed over ``scope``.

    ``derived``: derived column -> its Spark SQL expression (``Plan.derived_columns``);
    ``instances``: derived column -> the user's column it stands for (``Plan.instances``).
    """
    derived = derived or {}
    instances = instances or {}
    columns: list[Any] = []
    for column in spec.columns:
        if column in derived:
            columns.append({"column": instances.get(column), "expression": derived[column]})
        else:
            columns.append(column)
    params = {k: v for k, v in spec.params if k not in _DISPLAY_PARAMS and k != "where"}
    return _digest({
        "v": METRIC_KEY_VERSION,
        "source": scope.source,
        "filter": scope.filter or None,
        "analyzer": spec.kind,
        "columns": columns,
        "params": params,
        "where": spec.param("where"),
        "metric": name,
    }, METRIC_KEY_HEX)


def verdict_metric_name(records: Iterable[MetricRecord]) -> str | None:
    """The Deequ metric an analyzer's verdicts and state stand for: its one metric, or for a
    metric Deequ flattens into several (a histogram: ``Histogram.bins``, ``Histogram.abs.X``,
    ...) the name they share before the first dot. None when there is no metric."""
    names = [r.name for r in records]
    if len(names) == 1:
        return names[0]
    stems = {n.split(".", 1)[0] for n in names}
    return stems.pop() if len(stems) == 1 else None


def constraint_id(check: str, constraint: str, params: Mapping[str, Any]) -> str:
    """The id of a constraint without ``id:``: a hash of its check, type and parameters.

    ``params`` is the parameter model's JSON dump (defaults included, so writing a default out
    changes nothing); unset (None) parameters and labels are left out, so adding an optional
    parameter to a type or rewording a label keeps the id. A changed threshold is a new
    constraint: give it an ``id:`` to keep its history.
    """
    kept = {k: v for k, v in params.items() if v is not None and k not in _DISPLAY_CONSTRAINT_PARAMS}
    return _digest({"v": CONSTRAINT_ID_VERSION, "check": check, "constraint": constraint, "params": kept},
                   CONSTRAINT_ID_HEX)
