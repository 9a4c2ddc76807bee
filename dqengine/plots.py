"""The report's trend plots: a constraint's metric by dataset version, as PNG bytes.

matplotlib is imported inside the functions (importing dqengine stays cheap) and draws with the
Agg backend through its object API (``Figure`` on a ``FigureCanvasAgg``): no display, no pyplot
and its global state, so a notebook's or another caller's matplotlib backend is left as it was.
Text taken from the suite is never drawn (labels go in the HTML caption, escaped): matplotlib
would read a ``$`` in a check name as mathtext.
"""
from __future__ import annotations

import io
import math

from dqengine.html_report import Trend

__all__ = ["trend_png", "STATUS_COLOURS"]

#: marker colour of a point by the constraint's status in that run
STATUS_COLOURS = {"PASSED": "#1e7d32", "FAILED": "#c62828", "ERROR": "#6a1b9a", "NOT_EVALUATED": "#757575"}
_LINE = "#1f4e9c"
_THRESHOLD = "#c62828"
_ANOMALY = "#90a4ae"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _bound_text(value: float) -> str:
    return f"{value:.6g}"


def trend_png(trend: Trend, *, width: float = 4.8, height: float = 2.6, dpi: int = 100) -> bytes:
    """The trend as a PNG: the metric's value at each version (markers coloured by status, the
    report's run ringed), the threshold's bounds as dashed lines (the allowed band of a
    ``between`` shaded), and the anomaly bounds as a grey band where there are any."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    points = [p for p in trend.points if _finite(p.value)]
    xs = [p.dataset_version for p in points]
    ys = [float(p.value) for p in points]  # type: ignore[arg-type]
    ax.plot(xs, ys, color=_LINE, linewidth=1.5, zorder=2)
    ax.scatter(xs, ys, c=[STATUS_COLOURS.get(p.status, "#757575") for p in points], s=30, zorder=3)
    selected = [p for p in points if p.selected]
    if selected:
        ax.scatter([p.dataset_version for p in selected], [p.value for p in selected], s=140,
                   facecolors="none", edgecolors="#000000", linewidths=1.5, zorder=4)
    # Versions where the metric could not be computed (ERROR, NOT_EVALUATED): a mark on the axis.
    missing = [p.dataset_version for p in trend.points if not _finite(p.value)]
    if missing:
        ax.scatter(missing, [0] * len(missing), marker="x", color=STATUS_COLOURS["ERROR"], s=30, zorder=3,
                   transform=ax.get_xaxis_transform(), clip_on=False)

    bands = [b for b in trend.anomaly_bounds if _finite(b.lower) or _finite(b.upper)]
    if bands:
        bx = [b.dataset_version for b in bands]
        lower = [b.lower if _finite(b.lower) else math.nan for b in bands]
        upper = [b.upper if _finite(b.upper) else math.nan for b in bands]
        ax.fill_between(bx, lower, upper, color=_ANOMALY, alpha=0.3, linewidth=0, zorder=1)

    handles = [Line2D([], [], color=_LINE, marker="o", markerfacecolor=STATUS_COLOURS["PASSED"],
                      label="metric (green passed, red failed)")]
    for bound in trend.bounds:
        ax.axhline(bound, color=_THRESHOLD, linestyle="--", linewidth=1.2, zorder=1)
    if len(trend.bounds) == 2:
        ax.axhspan(min(trend.bounds), max(trend.bounds), color=_THRESHOLD, alpha=0.06, zorder=0)
    if trend.bounds:
        handles.append(Line2D([], [], color=_THRESHOLD, linestyle="--",
                              label="threshold " + " / ".join(_bound_text(b) for b in trend.bounds)))
    if bands:
        handles.append(Line2D([], [], color=_ANOMALY, linewidth=6, alpha=0.5, label="expected range"))
    if missing:
        handles.append(Line2D([], [], color=STATUS_COLOURS["ERROR"], marker="x", linestyle="none",
                              label="no value (error, not evaluated)"))

    versions = sorted(set(xs + missing + [b.dataset_version for b in bands]))
    if 0 < len(versions) <= 12:  # a tick at each version there is, and none between or beyond
        ax.set_xticks(versions)
        ax.set_xlim(versions[0] - 0.5, versions[-1] + 0.5)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    # Every value and every bound inside the axes, off its edges: a value just below its bound
    # (0.9995 under >= 1) must show below the line, however close.
    values = ys + list(trend.bounds) + [v for b in bands for v in (b.lower, b.upper) if _finite(v)]
    if values:
        low, high = min(values), max(values)
        pad = (high - low) * 0.12 if high > low else (abs(low) * 0.05 or 0.5)
        ax.set_ylim(low - pad, high + pad)
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.set_xlabel("dataset version")
    ax.set_ylabel("value")
    ax.grid(True, color="#e0e0e0", linewidth=0.6)
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.85)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
