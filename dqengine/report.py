"""Human-readable summaries of a run. Pure Python."""
from __future__ import annotations

from dqengine.results import ConstraintStatus, RunResult
from dqengine.scores import Score

__all__ = ["format_run"]

_MARK = {
    ConstraintStatus.PASSED: "ok",
    ConstraintStatus.FAILED: "FAIL",
    ConstraintStatus.ERROR: "ERROR",
    ConstraintStatus.NOT_EVALUATED: "N/A",
}


def _metric(value: float | None) -> str:
    if value is None:
        return "-"
    if value != value:  # NaN
        return "NaN"
    return f"{value:.6g}"


def _score(s: Score) -> str:
    """``validity 0.9583 (3, 1 left out)``: the score, the constraints it averages, those left out."""
    value = "-" if s.score is None else f"{s.score:.4f}"
    counted = f"{s.constraints}" + (f", {s.left_out} left out" if s.left_out else "")
    return f"{s.dimension} {value} ({counted})"


def format_run(run: RunResult) -> str:
    header = ("check", "severity", "constraint", "status", "metric", "threshold")
    rows = [
        (r.check, r.severity, r.label, _MARK[r.status], _metric(r.metric_value), r.threshold)
        for r in run.constraints
    ]
    widths = [min(max(len(str(x)) for x in col), 48) for col in zip(header, *rows)]

    def line(cells: tuple) -> str:
        return "  ".join(str(c)[:w].ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [
        f"suite {run.suite} on {run.dataset} version {run.dataset_version}: {run.status.value}"
        f" ({run.row_count if run.row_count is not None else '?'} rows, run {run.run_id})"
        + (f"; {run.headline_note}" if run.headline_note else ""),
        line(header),
        line(tuple("-" * w for w in widths)),
        *(line(r) for r in rows),
    ]
    if run.scores:
        out.append("")
        out.append("scores: " + ", ".join(_score(s) for s in run.scores))
        out.extend(f"  {failure}" for failure in run.score_failures)
    problems = [r for r in run.constraints if r.status is not ConstraintStatus.PASSED]
    if problems:
        out.append("")
        out.extend(f"  {r.check}/{r.label}: {r.message}" for r in problems)
    if run.message and run.status.value == "ERROR":
        out.append(f"  {run.message}")
    return "\n".join(out)
