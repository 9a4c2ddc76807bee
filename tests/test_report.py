"""``dqengine report`` on recorded runs: the page's content, the page in a real browser (headless
Chromium: every image loads, the failed constraints are visible and first), the bad inputs, and
the README's command on the demo."""
from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dqengine.checks import load_suite
from dqengine.cli import main
from dqengine.spark.runner import run_suite
from helpers import no_java_env

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
#: Suite text a page must show as text, never as markup: a satisfies label and allowed values.
EVIL = "<script>document.title='pwned'</script>"
EVIL_VALUE = "<img src=x onerror=document.title='pwned'>"

SUITE = """
suite: sensors
dataset: {{path: '{data}'}}
checks:
  - name: keys
    constraints:
      - is_unique: id
      - row_count: {{must_be_greater_than: 0}}
      - satisfies: {{expression: "id > 0", label: "{evil}"}}
  - name: physics
    constraints:
      - completeness: {{column: temperature, must_be_at_least: 0.9}}
  - name: ranges
    severity: warning
    constraints:
      - between: {{column: temperature, min: -50, max: 1600}}
      - mean: {{column: temperature, must_be_between: [1000, 1600]}}
      - allowed_values: {{column: status, values: ["{evil_value}", OK]}}
"""
#: Three versions: two good ones, then one with missing temperatures (completeness fails, error
#: severity) and a 2000 degree reading (between and mean fail, warning severity).
VERSIONS = [
    [(1, 1500.0, "OK"), (2, 1510.0, "OK"), (3, 1490.0, "OK"), (4, 1505.0, "OK")],
    [(1, 1500.0, "OK"), (2, 1510.0, "OK"), (3, 1490.0, "OK"), (4, 1505.0, "OK"), (5, 1520.0, "OK")],
    [(1, 1500.0, "OK"), (2, None, "OK"), (3, None, "OK"), (4, 2000.0, "OK")],
]
CONSTRAINTS = 7


@pytest.fixture(scope="module")
def recorded(spark, tmp_path_factory):
    """The suite run on each version, one run each (run-v0, run-v1, run-v2), in a local directory."""
    work = tmp_path_factory.mktemp("report")
    data, metrics = str(work / "readings"), str(work / "metrics")
    suite_file = work / "sensors.yml"
    suite_file.write_text(SUITE.format(data=data, evil=EVIL, evil_value=EVIL_VALUE), encoding="utf-8")
    suite = load_suite(str(suite_file))
    statuses = []
    for version, rows in enumerate(VERSIONS):
        spark.createDataFrame(rows, "id BIGINT, temperature DOUBLE, status STRING").write.format("delta") \
            .mode("overwrite").save(data)
        run = run_suite(spark, suite, version=version, metrics=metrics, run_id=f"run-v{version}")
        statuses.append(run.status.value)
    assert statuses == ["PASSED", "PASSED", "FAILED"]
    return {"work": work, "data": data, "metrics": metrics, "suite": str(suite_file)}


def _report(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- headless Chromium ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or \
    ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install "
                                                                "chromium; `make test` does it as root)")

#: Appended to a copy of the report: after the load event (images decoded), what the reader sees.
PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var rows = Array.prototype.slice.call(document.querySelectorAll('#constraints tbody tr'));
  var result = {
    title: document.title,
    images: imgs.length,
    broken: imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                .map(function (i) { return i.alt; }),
    widths: imgs.map(function (i) { return i.naturalWidth; }),
    rows: rows.map(function (r) {
      var box = r.getBoundingClientRect(), style = getComputedStyle(r), cell = getComputedStyle(r.cells[0]);
      return {status: r.getAttribute('data-status'), failed: r.classList.contains('failed'),
              top: box.top + window.scrollY,
              height: box.height, visible: style.visibility === 'visible' && style.display !== 'none' &&
              cell.visibility === 'visible' && parseFloat(cell.opacity) > 0,
              background: cell.backgroundColor, text: r.innerText};
    }),
    verdict: document.getElementById('verdict').innerText,
    scripts: document.scripts.length
  };
  var out = document.createElement('pre');
  out.id = 'dq-probe';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def _chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="dq-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", *args],
            capture_output=True, text=True, timeout=180)


def browse(report: Path, work: Path) -> dict:
    """What headless Chromium shows of ``report``: the probe's findings from the dumped DOM. The
    copy's Content-Security-Policy also allows the probe's inline script (nothing else changes:
    images must still be data: URIs)."""
    page = report.read_text(encoding="utf-8")
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert csp in page
    probed = page.replace(csp, csp + "; script-src 'unsafe-inline'").replace("</body>", PROBE + "</body>")
    copy = work / f"probe-{report.name}"
    copy.write_text(probed, encoding="utf-8")
    done = _chromium("--dump-dom", "--virtual-time-budget=5000", copy.as_uri())
    found = re.search(r'<pre id="dq-probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the probe did not run (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def screenshot(report: Path, png: Path) -> None:
    done = _chromium(f"--screenshot={png}", "--window-size=1400,2200", "--hide-scrollbars", report.as_uri())
    assert png.exists() and png.stat().st_size > 20_000, done.stderr[-2000:]


def _assert_seen_right(seen: dict, failed: int, images: int) -> None:
    """Every image decoded; the ``failed`` rows that did not pass come first, visible and highlighted."""
    assert seen["images"] == images
    assert seen["broken"] == [] and all(w > 100 for w in seen["widths"])
    rows = seen["rows"]
    assert [r["failed"] for r in rows] == [True] * failed + [False] * (len(rows) - failed)
    assert all(r["visible"] and r["height"] > 0 for r in rows)
    tops = [r["top"] for r in rows]
    assert tops == sorted(tops)  # shown in this order on screen, failed first
    passed_background = {r["background"] for r in rows if not r["failed"]}
    assert not passed_background & {r["background"] for r in rows if r["failed"]}  # highlighted
    assert seen["scripts"] == 1  # the probe only: a check name's <script> stayed text
    assert seen["title"].startswith("dqengine report: ") and "pwned" not in seen["title"]


# --- the report -----------------------------------------------------------------------------------


@needs_chromium
def test_report_of_the_latest_run_in_a_browser(recorded, capsys, tmp_path):
    out = tmp_path / "out"
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--out", str(out))
    assert (code, stderr) == (0, "")
    path = out / "sensors-run-v2.html"
    assert stdout == f"{path}\n"
    assert os.listdir(out) == [path.name]  # no temporary file left beside it
    page = path.read_text(encoding="utf-8")

    # the run, the verdict: the gate's own decision about version 2
    assert "<h1>Suite sensors: <span class=\"badge FAILED\">FAILED</span></h1>" in page
    assert (f'<div class="verdict BLOCKED" id="verdict"><span class="badge BLOCKED">BLOCKED</span> gate on version '
            f"2: failed: run run-v2 of version 2 is FAILED: ") in page
    # failed first: the blocking completeness, then the two warnings, then what passed
    order = re.findall(r'<tr class="([^"]*)" data-status="[A-Z_]+"><td class="status">([A-Z_]+)</td><td>(\w+)</td>'
                       r"<td>([^<]*)</td><td>([^<]*)</td>", page)
    assert [(c, s, sev, check, label) for c, s, sev, check, label in order] == [
        ("failed error", "FAILED", "error", "physics", "completeness(temperature)"),
        ("failed warning", "FAILED", "warning", "ranges", "temperature between -50 and 1600"),
        ("failed warning", "FAILED", "warning", "ranges", "mean(temperature)"),
        ("passed", "PASSED", "error", "keys", "is_unique(id)"),
        ("passed", "PASSED", "error", "keys", "row_count"),
        ("passed", "PASSED", "error", "keys", html.escape(EVIL)),
        ("passed", "PASSED", "warning", "ranges", f"status in [{html.escape(EVIL_VALUE)}, OK]"),
    ]
    assert '<td class="num">0.5</td><td>&gt;= 0.9</td>' in page  # the failed metric and its threshold
    assert "<script" not in page and "<img src=x" not in page  # the suite's text stays text
    # scores of the run
    scores = re.findall(r'<tr><td>(\w+)</td><td class="num">([0-9.]+)</td><td class="num">(\d+)</td>', page)
    assert scores == [("completeness", "0.75", "2"), ("consistency", "1", "1"), ("distribution", "0", "1"),
                      ("uniqueness", "1", "1"), ("validity", "0.875", "2"), ("overall", "0.725", "7")]
    # a trend per constraint, each over the three versions
    assert page.count('src="data:image/png;base64,') == CONSTRAINTS
    assert page.count("; 3 version(s)</figcaption>") == CONSTRAINTS

    seen = browse(path, tmp_path)
    _assert_seen_right(seen, failed=3, images=CONSTRAINTS)
    assert seen["verdict"].startswith("BLOCKED gate on version 2: failed: run run-v2")
    # shown exactly as written in the suite
    assert seen["rows"][5]["text"].split("\t")[3] == EVIL
    assert seen["rows"][6]["text"].split("\t")[3] == f"status in [{EVIL_VALUE}, OK]"
    screenshot(path, REPO_SHOTS / "report-latest.png" if REPO_SHOTS else tmp_path / "report.png")


#: Set DQENGINE_REPORT_SHOTS=DIR to keep the screenshots for a look (they go to tmp_path otherwise).
REPO_SHOTS = Path(os.environ["DQENGINE_REPORT_SHOTS"]) if os.environ.get("DQENGINE_REPORT_SHOTS") else None


def test_report_of_an_older_run_ends_its_history_there(recorded, capsys, tmp_path):
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--run", "run-v0",
                                   "--out", str(tmp_path / "new" / "dir"))
    assert (code, stderr) == (0, "")
    path = Path(stdout.strip())
    assert path == tmp_path / "new" / "dir" / "sensors-run-v0.html"
    page = path.read_text(encoding="utf-8")
    assert '<span class="badge PASSED">PASSED</span>' in page
    # version 0 passed and its data is unchanged: the gate certifies it by that run
    assert ('<div class="verdict CERTIFIED" id="verdict"><span class="badge CERTIFIED">CERTIFIED</span> gate on '
            "version 0: certified by run run-v0 (PASSED)</div>") in page
    assert f"Constraints (0 of {CONSTRAINTS} did not pass)" in page
    assert page.count("; 1 version(s)</figcaption>") == CONSTRAINTS  # nothing after run-v0


def test_report_through_spark_for_a_metastore_location(spark, recorded, capsys, tmp_path):
    """A schema location is read through Spark (SparkRecords) and the gate is the Spark gate."""
    spark.sql("CREATE SCHEMA IF NOT EXISTS report_tests")
    suite = load_suite(recorded["suite"])
    run_suite(spark, suite, version=2, metrics="report_tests", run_id="spark-v2")
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", "report_tests", "--out", str(tmp_path))
    assert (code, stderr) == (0, "")
    page = Path(stdout.strip()).read_text(encoding="utf-8")
    assert Path(stdout.strip()).name == "sensors-spark-v2.html"
    assert "BLOCKED</span> gate on version 2: failed: run spark-v2 of version 2 is FAILED" in page
    assert "report_tests (1 run(s) of this suite on this dataset)" in page
    assert page.count("; 1 version(s)</figcaption>") == CONSTRAINTS


def test_a_dataset_that_is_gone_is_reported_without_a_verdict(spark, capsys, tmp_path, write_suite):
    """The run is history: its report is still written; the gate's verdict says why there is none."""
    data, metrics = str(tmp_path / "gone"), str(tmp_path / "m")
    spark.createDataFrame([(1,)], "id BIGINT").write.format("delta").save(data)
    suite = write_suite(f"""
        suite: gone
        dataset: {{path: '{data}'}}
        checks:
          - name: keys
            constraints:
              - is_unique: id
    """)
    run_suite(spark, load_suite(str(suite)), metrics=metrics, run_id="last")
    shutil.rmtree(data)
    code, stdout, stderr = _report(capsys, str(suite), "--metrics", metrics, "--out", str(tmp_path / "o"))
    assert (code, stderr) == (0, "")
    page = Path(stdout.strip()).read_text(encoding="utf-8")
    assert (f'<div class="verdict UNKNOWN" id="verdict"><span class="badge UNKNOWN">UNKNOWN</span> gate on version 0: '
            f"the gate cannot decide: {suite}:2:17: path &#x27;{data}&#x27; is not a Delta table (no commits in "
            f"{data}/_delta_log); point dataset at an existing Delta table</div>") in page


# --- bad inputs: exact message, exit code, nothing written ----------------------------------------


def test_unknown_suite_file(recorded, capsys, tmp_path):
    missing = tmp_path / "nope.yml"
    code, stdout, stderr = _report(capsys, str(missing), "--metrics", recorded["metrics"], "--out", str(tmp_path / "o"))
    assert (code, stdout) == (2, "")
    assert stderr == f"{missing}:1:1: suite file not found; check the path (relative paths start from the current " \
                     f"directory)\n"
    assert not (tmp_path / "o").exists()


def test_no_runs_yet(recorded, capsys, tmp_path):
    empty = tmp_path / "empty_metrics"
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", str(empty), "--out", str(tmp_path / "o"))
    assert (code, stdout) == (1, "")
    assert stderr == (f"dqengine: no runs of suite 'sensors' on {recorded['data']} in {empty} yet; "
                      f"run `dqengine run {recorded['suite']}` first\n")
    assert not (tmp_path / "o").exists() and not empty.exists()  # reading creates nothing


def test_run_id_that_does_not_exist(recorded, capsys, tmp_path):
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--run", "run-v9",
                                   "--out", str(tmp_path / "o"))
    assert (code, stdout) == (2, "")
    assert stderr == (f"dqengine: --run run-v9: no run run-v9 of suite 'sensors' on {recorded['data']} in "
                      f"{recorded['metrics']}; the latest is run-v2 (leave out --run for it)\n")
    assert not (tmp_path / "o").exists()


def test_out_that_is_a_file(recorded, capsys, tmp_path):
    existing = tmp_path / "report.html"
    existing.write_text("mine", encoding="utf-8")
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--out", str(existing))
    assert (code, stdout) == (2, "")
    assert stderr == f"dqengine: --out {existing} is a file; give a directory (it is created if missing)\n"
    assert existing.read_text(encoding="utf-8") == "mine" and os.listdir(tmp_path) == ["report.html"]


def test_out_is_required(recorded, capsys):
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"])
    assert (code, stdout) == (2, "")
    assert stderr.splitlines()[-1] == "dqengine report: the following arguments are required: --out"


def test_a_failed_write_leaves_the_previous_report(recorded, capsys, tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--out", str(out))[0] == 0
    before = (out / "sensors-run-v2.html").read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    code, stdout, stderr = _report(capsys, recorded["suite"], "--metrics", recorded["metrics"], "--out", str(out))
    assert (code, stdout) == (3, "")
    assert stderr == f"dqengine: cannot write the report {out / 'sensors-run-v2.html'}: No space left on device\n"
    assert os.listdir(out) == ["sensors-run-v2.html"] and (out / "sensors-run-v2.html").read_bytes() == before


# --- a real process, and the README ---------------------------------------------------------------


@pytest.mark.multiprocess
def test_real_process_needs_no_jvm_on_local_paths(recorded, tmp_path):
    """`dqengine report` as users run it; java is made unreachable, so a JVM start would fail."""
    env = no_java_env()
    done = subprocess.run([str(Path(sys.executable).with_name("dqengine")), "report", recorded["suite"],
                           "--metrics", recorded["metrics"], "--out", "reports"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr[-3000:]
    assert done.stdout == f"{tmp_path / 'reports' / 'sensors-run-v2.html'}\n"
    page = (tmp_path / "reports" / "sensors-run-v2.html").read_text(encoding="utf-8")
    assert page.count("data:image/png") == CONSTRAINTS and 'class="verdict BLOCKED"' in page


def _readme_report_block() -> list[str]:
    part = README.split("### Report", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", part, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.strip().splitlines()]


@needs_chromium
def test_readme_report_command_on_the_demo(spark, tmp_path, monkeypatch, capsys):
    """The README's lines as written, from a checkout's root: `make demo` (its two runs, through
    dqengine.demo), then the report command; and the demo's defective run in the browser."""
    from dqengine import demo

    lines = _readme_report_block()
    assert lines == ["make demo",
                     ".venv/bin/dqengine report conf/sensor_readings.yml --metrics demo_data/dq_metrics --out reports"]
    (tmp_path / "conf").mkdir()
    shutil.copy(REPO / "conf" / "sensor_readings.yml", tmp_path / "conf")
    monkeypatch.chdir(tmp_path)
    # the demo's default relative paths, made absolute: the test's JVM did not start in tmp_path
    assert demo.main(["--data", str(tmp_path / "demo_data" / "sensor_readings"),
                      "--metrics", str(tmp_path / "demo_data" / "dq_metrics")]) == 0
    capsys.readouterr()
    command = shlex.split(lines[1])
    assert command[0] == ".venv/bin/dqengine"
    code, stdout, stderr = _report(capsys, *command[2:])
    assert (code, stderr) == (0, "")
    latest = Path(stdout.strip())
    assert latest.parent == tmp_path / "reports" and latest.name.startswith("sensor_readings-")
    assert 'class="verdict CERTIFIED"' in latest.read_text(encoding="utf-8")

    # the defective version 0: its run, found in dq_runs, reported with --run
    from dqengine.records import LocalRecords
    from dqengine.spark.store import resolve_location

    runs = LocalRecords(resolve_location("demo_data/dq_metrics")).rows("dq_runs", ["run_id", "dataset_version"])
    [first] = [r["run_id"] for r in runs if r["dataset_version"] == 0]
    code, stdout, stderr = _report(capsys, *command[2:], "--run", first)
    assert (code, stderr) == (0, "")
    broken = Path(stdout.strip())
    page = broken.read_text(encoding="utf-8")
    failed = len(re.findall(r'<tr class="failed', page))
    assert failed >= 8 and 'class="verdict BLOCKED"' in page
    seen = browse(broken, tmp_path)
    _assert_seen_right(seen, failed=failed, images=page.count('src="data:image/png;base64,'))
    screenshot(broken, REPO_SHOTS / "report-demo-v0.png" if REPO_SHOTS else tmp_path / "demo.png")
