"""``dqengine report``: one self-contained HTML page about a recorded run. Pure Python, no Spark.

What the page shows, from the rows a run recorded (:mod:`dqengine.records`):

* the run's summary (``dq_runs``) and the gate's verdict on the version it verified;
* every constraint of the run (``dq_check_results``), the ones that did not pass first (blocking
  ones before warnings), each with its metric, threshold and message;
* the run's quality scores (``dq_scores``);
* each constraint's metric over the dataset's versions, up to the run, as a PNG with the
  threshold's bounds as lines (drawn by :mod:`dqengine.plots`, embedded as ``data:`` URIs).

Nothing on the page loads anything: no CDN, no external CSS, scripts or fonts; it opens from a
file on an air-gapped host. Every string that comes from a suite or the data (check names,
labels, messages, dataset names, run ids) goes through :func:`html.escape`.

Hooks for what the engine does not compute yet: :class:`AnomalyBound` (a metric's expected range
per version, drawn as a band behind its trend) and :class:`ColumnDrift` (a column's drift
between versions, a table). Nothing produces them today; :func:`assemble` takes them when
something does, and the page shows their sections only when there is something in them.
"""
from __future__ import annotations

import base64
import contextlib
import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any, Iterable, Mapping, Sequence

from dqengine.errors import ConfigError, DQEngineError, NoRunsYet

__all__ = ["NoRunsYet", "Verdict", "RunSummary", "ConstraintRow", "ScoreRow", "TrendPoint", "AnomalyBound",
           "Trend", "ColumnDrift", "Report", "RUN_COLUMNS", "CHECK_COLUMNS", "SCORE_COLUMNS", "parse_threshold",
           "select_run", "failed_first", "assemble", "render_html", "report_file_name", "check_out_dir", "write_report"]

#: Columns of dq_runs, dq_check_results and dq_scores the report reads.
RUN_COLUMNS = ("run_id", "suite", "suite_fingerprint", "dataset", "dataset_version", "dataset_filter", "started_at",
               "finished_at", "status", "row_count", "constraints_total", "constraints_failed", "engine_version",
               "spark_version", "deequ_version", "message")
CHECK_COLUMNS = ("run_id", "dataset_version", "finished_at", "check", "constraint_index", "constraint", "label",
                 "column", "severity", "dimension", "status", "metric_name", "metric_value", "threshold", "message",
                 "constraint_id", "score")
SCORE_COLUMNS = ("run_id", "dimension", "score", "constraints", "left_out")


# --- what the page is made of ----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The gate's decision about the run's version; ``certified`` None when it could not decide."""

    certified: bool | None
    version: int | None
    reason: str


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    suite: str
    dataset: str
    dataset_version: int | None
    dataset_filter: str | None
    started_at: Any
    finished_at: Any
    status: str
    row_count: int | None
    constraints_total: int | None
    constraints_failed: int | None
    engine_version: str | None
    spark_version: str | None
    deequ_version: str | None
    message: str | None


@dataclass(frozen=True)
class ConstraintRow:
    check: str
    constraint_index: int
    constraint: str
    label: str
    column: str | None
    severity: str
    dimension: str | None
    status: str
    metric_name: str | None
    metric_value: float | None
    threshold: str | None
    message: str | None
    score: float | None
    #: the constraint's history across runs: its id, else (check, index, type) for rows without one
    key: str

    @property
    def passed(self) -> bool:
        return self.status == "PASSED"

    @property
    def blocking(self) -> bool:
        return self.severity == "error" and not self.passed


@dataclass(frozen=True)
class ScoreRow:
    dimension: str
    score: float | None
    constraints: int | None
    left_out: int | None


@dataclass(frozen=True)
class TrendPoint:
    dataset_version: int
    value: float | None
    status: str
    run_id: str
    #: the point of the run the report is about
    selected: bool = False


@dataclass(frozen=True)
class AnomalyBound:
    """Hook: the range a metric was expected in at a version (an anomaly detector's bounds).
    Nothing computes these yet."""

    dataset_version: int
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Trend:
    """One constraint's metric over the dataset's versions (one point per version: its latest run
    up to the report's run), and the bounds of the report's run's threshold."""

    key: str
    check: str
    label: str
    metric_name: str | None
    threshold: str | None
    bounds: tuple[float, ...]
    points: tuple[TrendPoint, ...]
    anomaly_bounds: tuple[AnomalyBound, ...] = ()

    @property
    def plottable(self) -> bool:
        return any(_finite(p.value) for p in self.points)


@dataclass(frozen=True)
class ColumnDrift:
    """Hook: how far a column's distribution moved from a reference version. Nothing computes
    these yet."""

    column: str
    measure: str
    value: float | None
    threshold: float | None
    drifted: bool


@dataclass(frozen=True)
class Report:
    suite: str
    location: str
    run: RunSummary
    verdict: Verdict
    #: failed first: blocking ones, then warnings, then those that passed (:func:`failed_first`)
    constraints: tuple[ConstraintRow, ...]
    scores: tuple[ScoreRow, ...]
    #: in the order of ``constraints``; only constraints with a numeric metric at some version
    trends: tuple[Trend, ...]
    generated_at: datetime
    engine_version: str
    drift: tuple[ColumnDrift, ...] = ()
    runs_recorded: int = 0


# --- thresholds ------------------------------------------------------------------------------------

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_COMPARISON = re.compile(rf"^\s*(==|>=|<=|>|<)\s*({_NUMBER})\s*$")
_BETWEEN = re.compile(rf"^\s*between\s+({_NUMBER})\s+and\s+({_NUMBER})\s*$", re.IGNORECASE)


def parse_threshold(text: str | None) -> tuple[float, ...]:
    """The numeric bounds of a recorded threshold (``dq_check_results.threshold``, as
    ``dqengine.config.models.Threshold`` writes it): ``>= 0.98`` -> ``(0.98,)``, ``between 0 and
    1000`` -> ``(0.0, 1000.0)``; ``()`` for anything else (text the report cannot draw)."""
    if not text:
        return ()
    match = _COMPARISON.match(text)
    if match:
        values: tuple[float, ...] = (float(match.group(2)),)
    else:
        match = _BETWEEN.match(text)
        if not match:
            return ()
        values = (float(match.group(1)), float(match.group(2)))
    return values if all(math.isfinite(v) for v in values) else ()


# --- choosing the run, assembling the page ---------------------------------------------------------


def _newest_first(run: Mapping[str, Any]) -> tuple:
    finished = run.get("finished_at")
    return (finished is not None, finished or datetime.min, run.get("dataset_version") or -1, run["run_id"])


def select_run(runs: Sequence[Mapping[str, Any]], run_id: str | None, *, suite: str, suite_file: str,
               dataset: str, location: str) -> Mapping[str, Any]:
    """``run_id``'s row among ``runs`` (the suite's ``dq_runs`` rows on ``dataset``), else the
    latest by ``finished_at``. ``NoRunsYet`` (exit 1) when there is none, ``ConfigError`` (exit 2)
    for a run id that is not there."""
    if not runs:
        raise NoRunsYet(suite, dataset, location, suite_file)
    ordered = sorted(runs, key=_newest_first, reverse=True)
    if run_id is None:
        return ordered[0]
    for run in ordered:
        if run["run_id"] == run_id:
            return run
    raise ConfigError(f"--run {run_id}: no run {run_id} of suite '{suite}' on {dataset} in {location}; "
                      f"the latest is {ordered[0]['run_id']} (leave out --run for it)")


_STATUS_ORDER = {"FAILED": 0, "ERROR": 1, "NOT_EVALUATED": 2, "PASSED": 3}


def failed_first(rows: Iterable[ConstraintRow]) -> tuple[ConstraintRow, ...]:
    """Those that did not pass first, blocking (error severity) before warnings, then those that
    passed; within each, FAILED, ERROR, NOT_EVALUATED, then the suite's order (check, position)."""
    return tuple(sorted(rows, key=lambda r: (r.passed, not r.blocking, _STATUS_ORDER.get(r.status, 2),
                                             r.check, r.constraint_index)))


def _key(row: Mapping[str, Any]) -> str:
    return row.get("constraint_id") or f"{row['check']}#{row['constraint_index']}#{row['constraint']}"


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _constraint(row: Mapping[str, Any]) -> ConstraintRow:
    return ConstraintRow(
        check=row["check"], constraint_index=int(row["constraint_index"] or 0), constraint=row["constraint"],
        label=row["label"] or row["constraint"], column=row.get("column"), severity=row["severity"],
        dimension=row.get("dimension"), status=row["status"], metric_name=row.get("metric_name"),
        metric_value=_float(row.get("metric_value")), threshold=row.get("threshold"), message=row.get("message"),
        score=_float(row.get("score")), key=_key(row))


def _summary(run: Mapping[str, Any]) -> RunSummary:
    return RunSummary(**{name: run.get(name) for name in RunSummary.__dataclass_fields__})


def _trend(row: ConstraintRow, history: Sequence[Mapping[str, Any]], run: Mapping[str, Any],
           anomaly_bounds: tuple[AnomalyBound, ...]) -> Trend:
    """One point per dataset version: the row of the latest run at that version that finished no
    later than the report's run (the report's own run wins a tie)."""
    cutoff = _newest_first(run)
    best: dict[int, tuple[tuple, Mapping[str, Any]]] = {}
    for h in history:
        if h["dataset_version"] is None:
            continue
        selected = h["run_id"] == run["run_id"]
        order = (_newest_first(h), selected)
        if not selected and order[0] > cutoff:
            continue  # a later run: the report of an older run shows the history up to it
        version = int(h["dataset_version"])
        if version not in best or order > best[version][0]:
            best[version] = (order, h)
    points = tuple(TrendPoint(version, _float(h["metric_value"]), h["status"], h["run_id"],
                              h["run_id"] == run["run_id"])
                   for version, (_, h) in sorted(best.items()))
    return Trend(row.key, row.check, row.label, row.metric_name, row.threshold, parse_threshold(row.threshold),
                 points, anomaly_bounds)


def assemble(*, suite: str, location: str, run: Mapping[str, Any], check_rows: Sequence[Mapping[str, Any]],
             history: Sequence[Mapping[str, Any]], score_rows: Sequence[Mapping[str, Any]], verdict: Verdict,
             engine_version: str, generated_at: datetime, runs_recorded: int = 0,
             anomaly_bounds: Mapping[str, Sequence[AnomalyBound]] | None = None,
             drift: Sequence[ColumnDrift] = ()) -> Report:
    """The page's content. ``run``: the ``dq_runs`` row; ``check_rows``/``score_rows``: its rows of
    ``dq_check_results``/``dq_scores``; ``history``: the ``dq_check_results`` rows of every run of
    the suite on the dataset (``CHECK_COLUMNS``), for the trends. ``anomaly_bounds`` (by
    constraint key) and ``drift``: the hooks, empty until something computes them."""
    constraints = failed_first(_constraint(r) for r in check_rows)
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    for h in history:
        by_key.setdefault(_key(h), []).append(h)
    anomaly_bounds = anomaly_bounds or {}
    trends = []
    for row in constraints:
        trend = _trend(row, by_key.get(row.key, ()), run, tuple(anomaly_bounds.get(row.key, ())))
        if trend.plottable:
            trends.append(trend)
    scores = sorted((ScoreRow(r["dimension"], _float(r["score"]), r.get("constraints"), r.get("left_out"))
                     for r in score_rows), key=lambda s: (s.dimension == "overall", s.dimension))
    return Report(suite=suite, location=location, run=_summary(run), verdict=verdict, constraints=constraints,
                  scores=tuple(scores), trends=tuple(trends), generated_at=generated_at,
                  engine_version=engine_version, drift=tuple(drift), runs_recorded=runs_recorded)


# --- HTML ------------------------------------------------------------------------------------------


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    if value != value:
        return "NaN"
    return f"{value:.6g}"


def _text(value: Any) -> str:
    """Any value as escaped text: ``None`` is a dash."""
    if value is None or value == "":
        return "–"
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ", timespec="seconds")
    return escape(str(value), quote=True)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; margin: 24px;
       color: #1d1d1f; background: #fff; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #555; margin-bottom: 16px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 10px; font-weight: 600; color: #fff; }
.PASSED, .CERTIFIED { background: #1e7d32; } .WARNING { background: #b26a00; }
.FAILED, .BLOCKED, .ERROR { background: #c62828; } .NOT_EVALUATED, .UNKNOWN { background: #757575; }
table { border-collapse: collapse; margin: 4px 0 8px; }
th, td { border: 1px solid #d0d0d0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.summary th { width: 11em; }
tr.failed td { background: #fdecea; } tr.failed.warning td { background: #fff4e0; }
tr.failed td.status { font-weight: 700; color: #b71c1c; } tr.failed.warning td.status { color: #8a5200; }
.verdict { padding: 10px 14px; border-radius: 6px; border: 2px solid; margin: 8px 0; max-width: 70em; }
.verdict.CERTIFIED { background: #e8f5e9; border-color: #1e7d32; }
.verdict.BLOCKED { background: #fdecea; border-color: #c62828; }
.verdict.UNKNOWN { background: #f2f2f2; border-color: #757575; }
.trends { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; border: 1px solid #d0d0d0; padding: 6px; width: 480px; }
figure.failed { border: 2px solid #c62828; } figure.failed.warning { border-color: #b26a00; }
figure img { width: 480px; height: auto; display: block; }
figcaption { font-size: 12px; margin-top: 4px; word-break: break-word; }
.msg { max-width: 40em; word-break: break-word; }
footer { color: #777; margin-top: 28px; font-size: 12px; }
"""


def _verdict_html(verdict: Verdict) -> str:
    state = "UNKNOWN" if verdict.certified is None else ("CERTIFIED" if verdict.certified else "BLOCKED")
    version = "" if verdict.version is None else f" version {verdict.version}"
    return (f'<div class="verdict {state}" id="verdict"><span class="badge {state}">{state}</span> '
            f"gate on{_text(version)}: {_text(verdict.reason)}</div>")


def _summary_html(report: Report) -> str:
    r = report.run
    rows = [
        ("status", f'<span class="badge {_text(r.status)}">{_text(r.status)}</span>'),
        ("dataset", _text(r.dataset)),
        ("dataset version", _text(r.dataset_version)),
        ("filter (where)", _text(r.dataset_filter)),
        ("rows verified", _text(r.row_count)),
        ("constraints", f"{_text(r.constraints_total)} ({_text(r.constraints_failed)} did not pass)"),
        ("run id", _text(r.run_id)),
        ("started / finished", f"{_text(r.started_at)} / {_text(r.finished_at)} (UTC)"),
        ("message", _text(r.message)),
        ("engine", f"dqengine {_text(r.engine_version)}, Spark {_text(r.spark_version)}, "
                   f"Deequ {_text(r.deequ_version)}"),
        ("metrics", f"{_text(report.location)} ({report.runs_recorded} run(s) of this suite on this dataset)"),
    ]
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="summary">{body}</table>'


def _constraints_html(rows: Sequence[ConstraintRow]) -> str:
    head = ("status", "severity", "check", "constraint", "dimension", "metric", "value", "threshold", "message",
            "score")
    out = ['<table class="constraints" id="constraints"><thead><tr>',
           "".join(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        classes = ["failed", r.severity if r.severity in ("error", "warning") else "other"] if not r.passed \
            else ["passed"]
        out.append(
            f'<tr class="{" ".join(classes)}" data-status="{_text(r.status)}">'
            f'<td class="status">{_text(r.status)}</td><td>{_text(r.severity)}</td><td>{_text(r.check)}</td>'
            f"<td>{_text(r.label)}</td><td>{_text(r.dimension)}</td><td>{_text(r.metric_name)}</td>"
            f'<td class="num">{_number(r.metric_value)}</td><td>{_text(r.threshold)}</td>'
            f'<td class="msg">{_text(r.message)}</td><td class="num">{_number(r.score)}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _scores_html(scores: Sequence[ScoreRow]) -> str:
    if not scores:
        return "<p>No scores recorded for this run (recorded before metrics layout 3).</p>"
    body = "".join(
        f'<tr><td>{_text(s.dimension)}</td><td class="num">{_number(s.score)}</td>'
        f'<td class="num">{_text(s.constraints)}</td><td class="num">{_text(s.left_out)}</td></tr>' for s in scores)
    return ('<table class="scores" id="scores"><thead><tr><th>dimension</th><th>score</th><th>constraints</th>'
            f"<th>left out</th></tr></thead><tbody>{body}</tbody></table>")


def _trends_html(report: Report, images: Mapping[str, bytes]) -> str:
    if not report.trends:
        return "<p>No constraint of this run has a numeric metric to draw.</p>"
    status = {r.key: r for r in report.constraints}
    figures = []
    for t in report.trends:
        row = status.get(t.key)
        kind = "passed" if row is None or row.passed else ("failed" if row.blocking else "failed warning")
        png = images.get(t.key)
        picture = (f'<img alt="{_text(t.label)} by dataset version" '
                   f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">' if png
                   else "<p>(no plot)</p>")
        threshold = f"threshold {_text(t.threshold)}" if t.threshold else "no threshold"
        drawn = "" if t.bounds or not t.threshold else " (not drawn: not a numeric bound)"
        figures.append(f'<figure class="{kind}">{picture}<figcaption>'
                       f"<b>{_text(t.check)}</b> / {_text(t.label)}: {_text(t.metric_name)}, {threshold}{drawn}; "
                       f"{len(t.points)} version(s)</figcaption></figure>")
    return f'<div class="trends">{"".join(figures)}</div>'


def _drift_html(drift: Sequence[ColumnDrift]) -> str:
    body = "".join(
        f'<tr class="{"failed" if d.drifted else "passed"}"><td>{_text(d.column)}</td><td>{_text(d.measure)}</td>'
        f'<td class="num">{_number(d.value)}</td><td class="num">{_number(d.threshold)}</td>'
        f"<td>{'drifted' if d.drifted else 'ok'}</td></tr>" for d in drift)
    return ('<h2>Drift per column</h2><table class="drift"><thead><tr><th>column</th><th>measure</th><th>value</th>'
            f"<th>threshold</th><th></th></tr></thead><tbody>{body}</tbody></table>")


def render_html(report: Report, images: Mapping[str, bytes]) -> str:
    """The page: ``images`` maps a trend's key to its PNG (embedded as a ``data:`` URI)."""
    r = report.run
    failed = [c for c in report.constraints if not c.passed]
    title = f"dqengine report: {r.suite} on {r.dataset} version {r.dataset_version}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No request may leave the page: everything it shows is in this file.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        "style-src 'unsafe-inline'\">",
        f"<title>{_text(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Suite {_text(r.suite)}: <span class=\"badge {_text(r.status)}\">{_text(r.status)}</span></h1>",
        f'<div class="sub">{_text(r.dataset)} version {_text(r.dataset_version)} · run {_text(r.run_id)} · '
        f"finished {_text(r.finished_at)} UTC</div>",
        _verdict_html(report.verdict),
        f"<h2>Constraints ({len(failed)} of {len(report.constraints)} did not pass)</h2>",
        _constraints_html(report.constraints),
        "<h2>Quality scores</h2>",
        _scores_html(report.scores),
        "<h2>Trends by dataset version</h2>",
        "<p>Each constraint's metric at each version of the dataset (the latest run of the version, up to this "
        "run; the ringed point is this run); dashed lines are the threshold's bounds.</p>",
        _trends_html(report, images),
    ]
    if report.drift:
        parts.append(_drift_html(report.drift))
    parts += [
        "<h2>Run</h2>",
        _summary_html(report),
        f"<footer>Generated by dqengine {_text(report.engine_version)} at "
        f"{_text(report.generated_at.isoformat(sep=' ', timespec='seconds'))}.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


# --- the file --------------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def report_file_name(suite: str, run_id: str) -> str:
    """``<suite>-<run id>.html``, with anything but letters, digits, ``_ . -`` as ``_``."""
    return f"{_UNSAFE.sub('_', suite).strip('.') or 'suite'}-{_UNSAFE.sub('_', run_id)}.html"


def check_out_dir(out: str) -> str:
    """``--out``: a directory (created if missing); an existing file or an empty value is exit 2."""
    if not out.strip():
        raise ConfigError("--out: empty; give the directory to write the report into")
    if os.path.exists(out) and not os.path.isdir(out):
        raise ConfigError(f"--out {out} is a file; give a directory (it is created if missing)")
    return os.path.abspath(out)


def write_report(html_text: str, out_dir: str, name: str) -> str:
    """Write the page into ``out_dir`` as ``name``, atomically: a temporary file in the same
    directory, renamed over the name when complete. Returns the file's path."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out_dir}: cannot create the directory ({exc.strerror}); "
                          "give a directory you can write to") from exc
    target = os.path.join(out_dir, name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html_text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # disk full, permissions...: a runtime failure (exit 3), in one line
            raise DQEngineError(f"cannot write the report {target}: {exc.strerror or exc}") from exc
        raise
    return target

