"""What ``dqengine runs`` and ``dqengine history`` show, from recorded rows. Pure Python.

The commands read plain rows of the views (``dqengine.records``: ``dq_runs``,
``dq_check_results``, ``dq_metrics``) scoped by suite and dataset; everything they decide is
here: which runs (newest first), each run's constraints that did not pass, which metric
``--metric`` names, one value per dataset version (the latest run's), the sparkline, the tables,
and the JSON documents (``None``/NaN become ``null``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from dqengine.errors import ConfigError, NoRunsYet

__all__ = ["RunSummary", "Point", "MetricSeries", "NoRuns", "DEFAULT_LAST", "recent_runs", "format_runs",
           "runs_document", "metric_series", "latest_run_series", "select_metric", "sparkline", "format_history",
           "format_series", "history_document", "plain_number", "timestamp", "utc", "check_last"]

#: Runs ``dqengine runs`` lists without ``--last``.
DEFAULT_LAST = 10
#: The sparkline's eight levels, lowest first; a missing value (NULL, NaN) is ``MISSING``.
BLOCKS = "▁▂▃▄▅▆▇█"
MISSING = "·"


#: kept under its first name: the error of a suite with nothing recorded
NoRuns = NoRunsYet


def check_last(last: int) -> int:
    """``--last N``: a whole number >= 1."""
    if last < 1:
        raise ConfigError(f"--last {last}: give how many runs to list, a whole number >= 1")
    return last


def plain_number(value: Any) -> float | int | None:
    """A number for JSON: NaN and infinities (which JSON cannot carry) become None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    number = float(value)
    return number if math.isfinite(number) else None


def utc(value: datetime) -> datetime:
    """A recorded timestamp as a naive UTC datetime. delta-rs gives aware UTC datetimes; Spark's
    ``collect()`` gives naive ones in the local time zone (as ``astimezone`` reads a naive one)."""
    return value.astimezone(timezone.utc).replace(tzinfo=None)


def timestamp(value: datetime | None) -> str | None:
    """A recorded timestamp as ISO 8601 in UTC with a ``Z``, for JSON; None stays None."""
    return None if value is None else utc(value).isoformat(timespec="seconds") + "Z"


def _when(value: datetime | None) -> str:
    return "-" if value is None else utc(value).isoformat(sep=" ", timespec="seconds")


def _newest_first(row: Mapping[str, Any]) -> tuple:
    finished = row.get("finished_at")
    return (finished is not None, utc(finished) if finished is not None else datetime.min,
            str(row.get("run_id") or ""))


@dataclass(frozen=True)
class Failure:
    """A constraint of a run that did not pass."""

    check: str
    label: str
    severity: str
    status: str
    constraint_id: str | None = None

    def __str__(self) -> str:
        return f"{self.check}/{self.label}"


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    dataset_version: int | None
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    row_count: int | None
    constraints_total: int | None
    failed: tuple[Failure, ...]


def recent_runs(runs: Iterable[Mapping[str, Any]], checks: Iterable[Mapping[str, Any]],
                last: int = DEFAULT_LAST) -> list[RunSummary]:
    """The ``last`` most recent runs (by ``finished_at``), newest first, each with the constraints
    of its ``dq_check_results`` rows that did not pass (by check name, then position in the check)."""
    chosen = sorted(runs, key=_newest_first, reverse=True)[:check_last(last)]
    wanted = {row["run_id"] for row in chosen}
    failed: dict[str, list[tuple[tuple, Failure]]] = {}
    for row in checks:
        if row.get("run_id") in wanted and row.get("status") != "PASSED":
            order = (str(row.get("check") or ""), row.get("constraint_index") or 0)
            failed.setdefault(row["run_id"], []).append((order, Failure(
                str(row.get("check")), str(row.get("label")), str(row.get("severity")), str(row.get("status")),
                row.get("constraint_id"))))
    return [RunSummary(row["run_id"], row.get("dataset_version"), str(row.get("status")), row.get("started_at"),
                       row.get("finished_at"), row.get("row_count"), row.get("constraints_total"),
                       tuple(f for _, f in sorted(failed.get(row["run_id"], []), key=lambda item: item[0])))
            for row in chosen]


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [tuple(str(c) for c in header)] + [tuple("-" if c is None else str(c) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()

    return [line(cells[0]), line(tuple("-" * w for w in widths)), *(line(r) for r in cells[1:])]


#: Failed constraints ``runs`` names in a row before ``+N more`` (the JSON document lists all).
SHOWN_FAILURES = 3


def _failures(failed: Sequence[Failure]) -> str:
    if not failed:
        return "-"
    named = ", ".join(str(f) for f in failed[:SHOWN_FAILURES])
    return named + (f", +{len(failed) - SHOWN_FAILURES} more" if len(failed) > SHOWN_FAILURES else "")


def format_runs(suite: str, dataset: str, runs: Sequence[RunSummary]) -> str:
    """The table ``dqengine runs`` prints: newest first, the failed constraints by name (the
    first three, then how many more)."""
    rows = [(r.run_id, r.dataset_version, r.status, _when(r.finished_at), r.row_count, _failures(r.failed))
            for r in runs]
    head = f"runs of suite {suite} on {dataset}, newest first ({len(runs)} shown)"
    return "\n".join([head, *_table(("run", "version", "status", "finished (UTC)", "rows", "failed constraints"),
                                    rows)])


def runs_document(suite: str, dataset: str, location: str, runs: Sequence[RunSummary]) -> dict[str, Any]:
    return {
        "suite": suite, "dataset": dataset, "metrics_location": location,
        "runs": [{
            "run_id": r.run_id, "dataset_version": r.dataset_version, "status": r.status,
            "started_at": timestamp(r.started_at), "finished_at": timestamp(r.finished_at),
            "row_count": r.row_count, "constraints_total": r.constraints_total,
            "constraints_failed": len(r.failed),
            "failed": [{"check": f.check, "label": f.label, "constraint_id": f.constraint_id,
                        "severity": f.severity, "status": f.status} for f in r.failed],
        } for r in runs],
    }


@dataclass(frozen=True)
class Point:
    """A metric's value on one dataset version: the latest run's on that version."""

    dataset_version: int | None
    value: float | None
    run_id: str
    finished_at: datetime | None


@dataclass(frozen=True)
class MetricSeries:
    """One metric (by ``metric_key``) across the dataset's versions, oldest version first."""

    key: str
    entity: str
    instance: str
    name: str
    #: labels of the constraints whose verdict is based on this metric
    labels: tuple[str, ...]
    points: tuple[Point, ...]

    @property
    def title(self) -> str:
        return f"{self.name}({self.instance})"

    @property
    def latest(self) -> Point:
        return self.points[-1]


def _series_key(row: Mapping[str, Any]) -> str:
    """The metric's key; a row recorded before layout 2 (no key) is known by what Deequ calls it."""
    return row.get("metric_key") or f"{row.get('entity')}:{row.get('instance')}:{row.get('name')}"


def metric_series(metrics: Iterable[Mapping[str, Any]], checks: Iterable[Mapping[str, Any]] = ()
                  ) -> list[MetricSeries]:
    """Every metric of the rows, each with one point per dataset version (the value of the run
    that finished last on that version); the dataset's metrics first, then by column and name."""
    latest_row: dict[tuple[str, Any], Mapping[str, Any]] = {}
    first: dict[str, Mapping[str, Any]] = {}
    for row in metrics:
        key = _series_key(row)
        first.setdefault(key, row)
        slot = (key, row.get("dataset_version"))
        if slot not in latest_row or _newest_first(row) > _newest_first(latest_row[slot]):
            latest_row[slot] = row
    labels: dict[str, list[str]] = {}
    for row in checks:
        if row.get("metric_key") and row.get("label"):
            found = labels.setdefault(row["metric_key"], [])
            if row["label"] not in found:
                found.append(row["label"])
    points: dict[str, list[Point]] = {}
    for (key, version), row in latest_row.items():
        points.setdefault(key, []).append(Point(version, row.get("value"), str(row.get("run_id")),
                                                row.get("finished_at")))
    series = []
    for key, found in points.items():
        found.sort(key=lambda p: (p.dataset_version is None, p.dataset_version or 0))
        row = first[key]
        series.append(MetricSeries(key, str(row.get("entity")), str(row.get("instance")), str(row.get("name")),
                                   tuple(sorted(labels.get(key, ()))), tuple(found)))
    return sorted(series, key=lambda s: (s.entity != "Dataset", s.entity, s.instance, s.name, s.key))


def latest_run_series(series: Sequence[MetricSeries]) -> list[MetricSeries]:
    """The metrics the most recent run computed (``history`` without ``--metric``): a metric the
    suite no longer asks for is left out, still reachable by ``--metric``."""
    points = [p for s in series for p in s.points]
    if not points:
        return []
    latest = max(points, key=lambda p: _newest_first({"finished_at": p.finished_at, "run_id": p.run_id})).run_id
    return [s for s in series if any(p.run_id == latest for p in s.points)]


def select_metric(query: str, series: Sequence[MetricSeries]) -> MetricSeries:
    """The metric ``--metric`` names: its full ``metric_key`` or a unique prefix of it, a label of a
    constraint based on it, its Deequ name with the column (``Completeness(temperature)``), or
    Deequ's name alone (``Size``) when only one metric has it. Case does not matter for names.
    Unknown or ambiguous: a config error (exit 2) listing candidates."""
    text = query.strip()
    if not text:
        raise ConfigError("--metric: empty; give a metric_key (or its first characters), a constraint "
                          "label or a Deequ metric name")
    folded = text.casefold()
    rules = (
        lambda s: s.key == text,
        lambda s: s.key.startswith(text),
        lambda s: any(label.casefold() == folded for label in s.labels),
        lambda s: s.title.casefold() == folded,
        lambda s: s.name.casefold() == folded,
    )
    for rule in rules:
        found = [s for s in series if rule(s)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise ConfigError(f"--metric {text!r} is ambiguous: it names {len(found)} metrics: "
                              + "; ".join(_describe(s) for s in found[:8])
                              + ("; ..." if len(found) > 8 else "") + "; give more of the metric_key")
    known = "; ".join(_describe(s) for s in series[:5]) + ("; ..." if len(series) > 5 else "")
    raise ConfigError(f"--metric {text!r}: no metric of this suite has that key, constraint label or name; "
                      f"known: {known or 'none'}")


def _describe(s: MetricSeries) -> str:
    labels = f" [{', '.join(s.labels)}]" if s.labels else ""
    return f"{s.key[:12]} {s.title}{labels}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled from the smallest (▁) to the largest (█); all equal: ▄;
    NULL or NaN: ``·``."""
    present = [float(v) for v in values if not _missing(v)]
    if not present:
        return MISSING * len(values)
    low, high = min(present), max(present)
    out = []
    for v in values:
        if _missing(v):
            out.append(MISSING)
        elif high == low:
            out.append(BLOCKS[3])
        else:
            out.append(BLOCKS[min(int((float(v) - low) / (high - low) * len(BLOCKS)), len(BLOCKS) - 1)])
    return "".join(out)


def _value(value: float | None) -> str:
    if value is None:
        return "NULL"
    if value != value:
        return "NaN"
    return f"{value:.6g}"


def format_series(series: MetricSeries) -> str:
    """``history --metric``: the metric, its sparkline, then one row per dataset version."""
    labels = f" ({', '.join(series.labels)})" if series.labels else ""
    values = [p.value for p in series.points]
    head = [f"{series.title}{labels}, metric_key {series.key}",
            f"{sparkline(values)}  {len(values)} versions"]
    rows = [(p.dataset_version, _value(p.value), _when(p.finished_at), p.run_id) for p in series.points]
    return "\n".join(head + _table(("version", "value", "finished (UTC)", "run"), rows))


def format_history(suite: str, dataset: str, series: Sequence[MetricSeries]) -> str:
    """``history`` without ``--metric``: one line per metric, latest value and sparkline."""
    rows = [(s.key[:12], s.title, _value(s.latest.value), sparkline([p.value for p in s.points]),
             ", ".join(s.labels) or "-") for s in series]
    head = (f"metrics of suite {suite} on {dataset}, one value per dataset version (oldest to latest); "
            "--metric KEY|NAME for one metric's table")
    return "\n".join([head, *_table(("metric_key", "metric", "latest", "history", "constraints"), rows)])


def history_document(suite: str, dataset: str, location: str, series: Sequence[MetricSeries]) -> dict[str, Any]:
    return {
        "suite": suite, "dataset": dataset, "metrics_location": location,
        "metrics": [{
            "metric_key": s.key, "entity": s.entity, "instance": s.instance, "name": s.name,
            "constraints": list(s.labels),
            "rows": [{"dataset_version": p.dataset_version, "value": plain_number(p.value), "run_id": p.run_id,
                      "finished_at": timestamp(p.finished_at)} for p in s.points],
        } for s in series],
    }
