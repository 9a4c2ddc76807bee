"""``dqengine report``'s page from hand-made rows, pure Python: order, escaping, thresholds, the file."""
from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest

from dqengine import html_report as hr
from dqengine.config.models import Threshold
from dqengine.errors import ConfigError

T0 = datetime(2026, 3, 2, 6, 0)


def _run(run_id: str, version: int, minutes: int, status: str = "PASSED", **kw) -> dict:
    row = {c: None for c in hr.RUN_COLUMNS}
    row.update(run_id=run_id, suite="s", dataset="/d", dataset_version=version, status=status,
               started_at=T0 + timedelta(minutes=minutes - 1), finished_at=T0 + timedelta(minutes=minutes),
               row_count=10, constraints_total=3, constraints_failed=0, message="ok")
    row.update(kw)
    return row


def _check(run: dict, check: str, index: int, status: str, value: float | None, *, severity: str = "error",
           threshold: str = ">= 0.9", label: str | None = None, message: str = "m", cid: str | None = None) -> dict:
    return {"run_id": run["run_id"], "dataset_version": run["dataset_version"], "finished_at": run["finished_at"],
            "check": check, "constraint_index": index, "constraint": "completeness",
            "label": label or f"completeness(c{index})", "column": f"c{index}", "severity": severity,
            "dimension": "completeness", "status": status, "metric_name": "Completeness", "metric_value": value,
            "threshold": threshold, "message": message, "constraint_id": cid or f"{check}-{index}", "score": value}


def _assemble(run, history, verdict=hr.Verdict(False, 2, "failed: run r2 ..."), **kw) -> hr.Report:
    mine = [h for h in history if h["run_id"] == run["run_id"]]
    return hr.assemble(suite="s", location="/m", run=run, check_rows=mine, history=history,
                       score_rows=kw.pop("score_rows", []), verdict=verdict, engine_version="9.9",
                       generated_at=datetime(2026, 3, 3, tzinfo=timezone.utc), **kw)


class _Text(HTMLParser):
    """The page's visible text and its tags, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Text:
    parser = _Text()
    parser.feed(page)
    return parser


# --- thresholds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, bounds", [
    (">= 0.98", (0.98,)), ("== 1", (1.0,)), ("<= 0.01", (0.01,)), ("> 0", (0.0,)), ("< 1893456000", (1893456000.0,)),
    ("between 0 and 1000", (0.0, 1000.0)), ("between -0.5 and 0.5", (-0.5, 0.5)), ("<= 1e-05", (1e-05,)),
    (">= 1.5e+16", (1.5e16,)), ("  >=   3 ", (3.0,)),
    ("", ()), (None, ()), ("between 1 and ?", ()), ("~ 3", ()), (">= x", ()), ("between 1", ()), (">= nan", ()),
    (">= inf", ()), ("1 row per key", ()), (">= 1 and more", ()),
])
def test_threshold_text_gives_the_numeric_bounds_it_can(text, bounds):
    assert hr.parse_threshold(text) == bounds


@pytest.mark.parametrize("threshold", [
    Threshold(op=">=", value=0.98), Threshold(op="==", value=1), Threshold(op="<", value=-3.25),
    Threshold(op="between", value=-50, upper=1600), Threshold(op="<=", value=1e-7), Threshold(op=">", value=2.5e20),
])
def test_every_threshold_the_engine_writes_parses_to_its_bounds(threshold):
    """What dqengine.config.models.Threshold records (str) is what the report reads back."""
    expected = (threshold.value,) if threshold.upper is None else (threshold.value, threshold.upper)
    assert hr.parse_threshold(str(threshold)) == pytest.approx(expected)


# --- the run and the order -----------------------------------------------------------------------


def test_select_run_latest_by_finished_at_or_the_one_named():
    runs = [_run("a", 0, 1), _run("c", 1, 3), _run("b", 2, 2)]
    assert hr.select_run(runs, None, suite="s", suite_file="s.yml", dataset="/d", location="/m")["run_id"] == "c"
    assert hr.select_run(runs, "b", suite="s", suite_file="s.yml", dataset="/d", location="/m")["run_id"] == "b"


def test_select_run_without_runs_or_with_an_unknown_id():
    with pytest.raises(hr.NoRunsYet) as no_runs:
        hr.select_run([], None, suite="s", suite_file="conf/s.yml", dataset="/d", location="/m")
    assert str(no_runs.value) == "no runs of suite 's' on /d in /m yet; run `dqengine run conf/s.yml` first"
    assert no_runs.value.exit_code == 1
    with pytest.raises(ConfigError) as unknown:
        hr.select_run([_run("a", 0, 1)], "zz", suite="s", suite_file="s.yml", dataset="/d", location="/m")
    assert str(unknown.value) == ("--run zz: no run zz of suite 's' on /d in /m; the latest is a "
                                  "(leave out --run for it)")
    assert unknown.value.exit_code == 2


def test_failed_constraints_come_first_blocking_before_warnings():
    run = _run("r", 0, 1)
    rows = [_check(run, "a", 0, "PASSED", 1.0), _check(run, "a", 1, "FAILED", 0.5, severity="warning"),
            _check(run, "b", 0, "ERROR", None), _check(run, "b", 1, "PASSED", 1.0),
            _check(run, "c", 0, "FAILED", 0.2), _check(run, "c", 1, "NOT_EVALUATED", None, severity="warning")]
    report = _assemble(run, rows)
    assert [(c.check, c.constraint_index) for c in report.constraints] == [
        ("c", 0), ("b", 0), ("a", 1), ("c", 1), ("a", 0), ("b", 1)]
    page = hr.render_html(report, {})
    statuses = re.findall(r'<tr class="([^"]*)" data-status="([A-Z_]+)"', page)
    assert statuses == [("failed error", "FAILED"), ("failed error", "ERROR"), ("failed warning", "FAILED"),
                        ("failed warning", "NOT_EVALUATED"), ("passed", "PASSED"), ("passed", "PASSED")]
    assert "Constraints (4 of 6 did not pass)" in page


# --- trends ---------------------------------------------------------------------------------------


def test_trend_one_point_per_version_up_to_the_report_run():
    r0, r1, r1b, r2 = _run("r0", 0, 1), _run("r1", 1, 2), _run("r1b", 1, 3), _run("r2", 2, 4, "FAILED")
    history = [_check(r0, "k", 0, "PASSED", 1.0), _check(r1, "k", 0, "PASSED", 0.97),
               _check(r1b, "k", 0, "PASSED", 0.95), _check(r2, "k", 0, "FAILED", 0.5)]
    [latest] = _assemble(r2, history).trends
    assert [(p.dataset_version, p.value, p.run_id, p.selected) for p in latest.points] == [
        (0, 1.0, "r0", False), (1, 0.95, "r1b", False), (2, 0.5, "r2", True)]  # r1b re-ran version 1 later
    assert latest.bounds == (0.9,) and latest.threshold == ">= 0.9"
    [older] = _assemble(r1, history).trends  # a report of r1 ends at r1: neither r1b nor r2 is there
    assert [(p.dataset_version, p.run_id, p.selected) for p in older.points] == [(0, "r0", False), (1, "r1", True)]


def test_trend_follows_the_constraint_id_and_skips_constraints_without_numbers():
    r0, r1 = _run("r0", 0, 1), _run("r1", 1, 2)
    history = [_check(r0, "k", 0, "PASSED", 1.0, cid="x"), _check(r1, "renamed", 3, "PASSED", 0.9, cid="x"),
               _check(r0, "k", 1, "PASSED", None, cid="y"), _check(r1, "k", 1, "PASSED", None, cid="y")]
    trends = _assemble(r1, history).trends
    assert [(t.key, [p.value for p in t.points]) for t in trends] == [("x", [1.0, 0.9])]


def test_trend_of_rows_without_constraint_id_is_keyed_by_check_position_and_type():
    r0, r1 = _run("r0", 0, 1), _run("r1", 1, 2)
    history = [{**_check(r, "k", 0, "PASSED", v), "constraint_id": None} for r, v in ((r0, 1.0), (r1, 0.9))]
    [trend] = _assemble(r1, history).trends
    assert trend.key == "k#0#completeness" and [p.value for p in trend.points] == [1.0, 0.9]


# --- escaping and self-containment -----------------------------------------------------------------


def test_every_user_string_is_escaped():
    evil = "<script>alert('x')</script>"
    run = _run("r-1", 0, 1, "FAILED", message=f"run {evil}", dataset_filter=f"plant = '{evil}'")
    run["dataset"] = f"/d/{evil}"
    rows = [_check(run, f"check {evil}", 0, "FAILED", 0.5, label=f"satisfies({evil})", message=f"why {evil}",
                   threshold=f">= 1 {evil}")]
    verdict = hr.Verdict(False, 0, f"failed: {evil}")
    scores = [{"run_id": "r-1", "dimension": f"dim {evil}", "score": 0.5, "constraints": 1, "left_out": 0}]
    drift = [hr.ColumnDrift(f"col {evil}", f"psi {evil}", 0.3, 0.2, True)]
    report = _assemble(run, rows + [{**rows[0], "run_id": "r-0", "dataset_version": 0}], verdict=verdict,
                       score_rows=scores, drift=drift)
    report = hr.Report(**{**report.__dict__, "suite": f"s {evil}", "location": f"/m/{evil}"})
    page = hr.render_html(report, {report.trends[0].key: b"\x89PNG fake"})
    parsed = _parse(page)
    assert "script" not in parsed.tags  # not one <script> element: the page has none of its own either
    assert "<script>" not in page
    text = "".join(parsed.text)
    for shown in (f"check {evil}", f"satisfies({evil})", f"why {evil}", f"failed: {evil}", f"dim {evil}",
                  f"col {evil}", f"/d/{evil}", f"run {evil}", f"plant = '{evil}'"):
        assert shown in text, shown  # shown as text, exactly as the user wrote it
    assert 'alt="satisfies(&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;) by dataset version"' in page


def test_the_page_loads_nothing_from_elsewhere():
    run = _run("r", 0, 1)
    report = _assemble(run, [_check(run, "k", 0, "PASSED", 1.0)])
    page = hr.render_html(report, {report.trends[0].key: b"\x89PNG..."})
    sources = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in page and "@import" not in page and "url(" not in page and "<script" not in page
    assert "default-src 'none'; img-src data:" in page  # a browser refuses anything else, should any slip in


def test_hooks_show_only_when_there_is_something_in_them():
    run = _run("r", 0, 1)
    rows = [_check(run, "k", 0, "PASSED", 1.0)]
    plain = hr.render_html(_assemble(run, rows), {})
    assert "Drift per column" not in plain
    bounds = {"k-0": [hr.AnomalyBound(0, 0.9, 1.1)]}
    report = _assemble(run, rows, anomaly_bounds=bounds, drift=[hr.ColumnDrift("temperature", "psi", 0.1, 0.2, False)])
    assert report.trends[0].anomaly_bounds == (hr.AnomalyBound(0, 0.9, 1.1),)
    assert "Drift per column" in hr.render_html(report, {})


def test_verdict_states():
    run = _run("r", 3, 1)
    for verdict, shown in ((hr.Verdict(True, 3, "certified by run r (PASSED)"), "CERTIFIED"),
                           (hr.Verdict(False, 3, "failed: ..."), "BLOCKED"),
                           (hr.Verdict(None, 3, "the gate cannot decide: gone"), "UNKNOWN")):
        page = hr.render_html(_assemble(run, [], verdict=verdict), {})
        assert f'<div class="verdict {shown}" id="verdict">' in page
        assert verdict.reason in "".join(_parse(page).text)


def test_plot_is_a_png_with_thresholds_bands_and_odd_labels():
    """The PNG itself (Agg, no display): a between threshold, a point without a value, a label
    matplotlib would read as mathtext, and the anomaly hook."""
    from dqengine.plots import trend_png

    points = (hr.TrendPoint(0, 5.0, "PASSED", "a"), hr.TrendPoint(1, None, "ERROR", "b"),
              hr.TrendPoint(2, 2000.0, "FAILED", "c", True))
    trend = hr.Trend("k", "$x$ check", "mean($price^{", "Mean", "between 0 and 1000", (0.0, 1000.0), points,
                     (hr.AnomalyBound(0, 1.0, 9.0), hr.AnomalyBound(2, None, 12.0)))
    png = trend_png(trend)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    flat = hr.Trend("k", "c", "l", "Size", "== 7", (7.0,), (hr.TrendPoint(4, 7.0, "PASSED", "a", True),))
    assert trend_png(flat).startswith(b"\x89PNG")


# --- the file -------------------------------------------------------------------------------------


def test_file_name_keeps_only_safe_characters():
    assert hr.report_file_name("sensor_readings", "3f2a-1b.x:9") == "sensor_readings-3f2a-1b.x_9.html"
    assert hr.report_file_name("../a b/<c>", "r") == "_a_b_c_-r.html"


def test_out_dir_checks(tmp_path):
    existing = tmp_path / "file.html"
    existing.write_text("x")
    with pytest.raises(ConfigError) as exc:
        hr.check_out_dir(str(existing))
    assert str(exc.value) == f"--out {existing} is a file; give a directory (it is created if missing)"
    with pytest.raises(ConfigError, match="^--out: empty; give the directory to write the report into$"):
        hr.check_out_dir(" ")
    assert hr.check_out_dir(str(tmp_path / "new")) == str(tmp_path / "new")
    with pytest.raises(ConfigError, match="cannot create the directory"):
        hr.write_report("<p>", str(existing / "below"), "r.html")


def test_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "out"
    path = hr.write_report("<p>one</p>", str(out), "r.html")
    assert path == str(out / "r.html") and (out / "r.html").read_text() == "<p>one</p>"
    assert os.stat(path).st_mode & 0o777 == 0o644

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(hr.os, "replace", broken_replace)
    with pytest.raises(hr.DQEngineError) as exc:
        hr.write_report("<p>two</p>", str(out), "r.html")
    assert str(exc.value) == f"cannot write the report {out / 'r.html'}: disk full" and exc.value.exit_code == 3
    assert sorted(os.listdir(out)) == ["r.html"] and (out / "r.html").read_text() == "<p>one</p>"
