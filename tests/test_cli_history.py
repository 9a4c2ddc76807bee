"""`dqengine runs`, `dqengine history` and `--format json` on real recorded runs (tiny tables,
several Delta versions), through `main([...])` in-process and a few real `dqengine` processes."""
from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import timezone
from pathlib import Path

import pytest

from dqengine.checks import load_suite
from dqengine.cli import main
from dqengine.spark.runner import run_suite
from helpers import no_java_env

REPO = Path(__file__).resolve().parent.parent
DQENGINE = str(Path(sys.executable).with_name("dqengine"))
SUITE = """
suite: sensors
dataset: {{path: '{path}'}}
checks:
  - name: keys
    constraints:
      - is_unique: id
      - completeness: {{column: temperature, must_be_at_least: 0.5}}
  - name: physics
    severity: warning
    constraints:
      - between: {{column: temperature, min: -50, max: 1600}}
"""
SCHEMA = "id BIGINT, temperature DOUBLE"
VERSIONS = (
    [(1, 10.0), (2, 20.0)],                          # v0: PASSED, completeness 1
    [(1, 10.0), (2, None), (3, 30.0), (4, None)],    # v1: PASSED, completeness 0.5
    [(1, 2000.0), (1, None), (3, None)],             # v2: FAILED (unique, completeness 1/3), between warns
)


@pytest.fixture(scope="module")
def recorded(spark, tmp_path_factory):
    """Three runs, one per version of a tiny table: (suite path, dataset path, metrics directory)."""
    root = tmp_path_factory.mktemp("history")
    path, metrics = str(root / "readings"), str(root / "metrics")
    suite_file = root / "sensors.yml"
    suite_file.write_text(SUITE.format(path=path), encoding="utf-8")
    for version, rows in enumerate(VERSIONS):
        spark.createDataFrame(rows, SCHEMA).write.format("delta").mode("overwrite").save(path)
        run_suite(spark, load_suite(str(suite_file)), metrics=metrics, run_id=f"run-v{version}")
    return str(suite_file), path, metrics


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_runs_lists_newest_first_with_failed_constraints(recorded, capsys):
    suite, path, metrics = recorded
    code, out, err = _cli(capsys, "runs", suite, "--metrics", metrics)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"runs of suite sensors on {path}, newest first (3 shown)"
    assert lines[1].split() == ["run", "version", "status", "finished", "(UTC)", "rows", "failed", "constraints"]
    rows = [line.split(None, 6) for line in lines[3:]]  # run, version, status, date, time, rows, failed
    assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
        ("run-v2", "2", "FAILED", "3", "keys/is_unique(id), keys/completeness(temperature), "
                                       "physics/temperature between -50 and 1600"),
        ("run-v1", "1", "PASSED", "4", "-"),
        ("run-v0", "0", "PASSED", "2", "-"),
    ]

    code, out, err = _cli(capsys, "runs", suite, "--metrics", metrics, "--last", "2", "--format", "json")
    assert (code, err) == (0, out and err)  # the text went to stderr
    document = json.loads(out)
    assert err.splitlines()[0] == f"runs of suite sensors on {path}, newest first (2 shown)"
    assert (document["suite"], document["dataset"], document["metrics_location"]) == ("sensors", path, metrics)
    assert [(r["run_id"], r["dataset_version"], r["status"], r["row_count"], r["constraints_total"],
             r["constraints_failed"]) for r in document["runs"]] == [("run-v2", 2, "FAILED", 3, 3, 3),
                                                                     ("run-v1", 1, "PASSED", 4, 3, 0)]
    assert [(f["check"], f["label"], f["severity"], f["status"]) for f in document["runs"][0]["failed"]] == [
        ("keys", "is_unique(id)", "error", "FAILED"), ("keys", "completeness(temperature)", "error", "FAILED"),
        ("physics", "temperature between -50 and 1600", "warning", "FAILED")]
    assert document["runs"][0]["finished_at"].endswith("Z")


def test_history_every_metric_of_the_latest_run(recorded, capsys):
    suite, path, metrics = recorded
    code, out, err = _cli(capsys, "history", suite, "--metrics", metrics)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"metrics of suite sensors on {path}, one value per dataset version")
    by_metric = {line.split()[1]: line.split() for line in lines[3:]}
    assert by_metric["Completeness(temperature)"][2:4] == ["0.333333", "█▃▁"]
    assert by_metric["Completeness(temperature)"][4:] == ["completeness(temperature)"]
    assert by_metric["Size(*)"][2:] == ["3", "▁█▅", "-"]  # rows 2, 4, 3
    assert by_metric["Uniqueness(id)"][2:] == ["0.333333", "██▁", "is_unique(id)"]
    assert [line.split()[1] for line in lines[3:]] == [
        "Size(*)", "Uniqueness(id)", "Completeness(temperature)", "Compliance(temperature", ]


def test_history_of_one_metric_by_label_key_or_name(recorded, capsys):
    suite, path, metrics = recorded
    code, out, err = _cli(capsys, "history", suite, "--metrics", metrics, "--metric", "completeness(temperature)")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    key = lines[0].rsplit(" ", 1)[-1]
    assert lines[0] == f"Completeness(temperature) (completeness(temperature)), metric_key {key}"
    assert lines[1] == "█▃▁  3 versions"
    assert [line.split()[:2] + line.split()[-1:] for line in lines[4:]] == [
        ["0", "1", "run-v0"], ["1", "0.5", "run-v1"], ["2", "0.333333", "run-v2"]]

    code, out, _ = _cli(capsys, "history", suite, "--metrics", metrics, "--metric", key[:10], "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert [m["metric_key"] for m in document["metrics"]] == [key]
    assert document["metrics"][0]["name"] == "Completeness"
    assert [(r["dataset_version"], r["value"], r["run_id"]) for r in document["metrics"][0]["rows"]] == [
        (0, 1.0, "run-v0"), (1, 0.5, "run-v1"), (2, pytest.approx(1 / 3), "run-v2")]
    code, again, _ = _cli(capsys, "history", suite, "--metrics", metrics, "--metric", "Completeness(TEMPERATURE)",
                          "--format", "json")
    assert code == 0 and json.loads(again) == document


def test_runs_and_history_through_spark_for_a_schema_location(spark, delta_table, write_suite, capsys):
    """A metastore schema is read through Spark (SparkRecords): the same rows, the same output."""
    path = delta_table([(1, 10.0), (2, None)], SCHEMA, name="readings")
    suite = str(write_suite(SUITE.format(path=path)))
    spark.sql("CREATE SCHEMA IF NOT EXISTS cli_history")
    try:
        run_suite(spark, load_suite(suite), metrics="cli_history", run_id="s0")
        code, out, err = _cli(capsys, "runs", suite, "--metrics", "cli_history", "--format", "json")
        assert code == 0, err
        document = json.loads(out)
        assert document["metrics_location"] == "cli_history"
        assert [(r["run_id"], r["dataset_version"], r["status"], r["constraints_failed"])
                for r in document["runs"]] == [("s0", 0, "PASSED", 0)]
        recorded = spark.sql(f"SELECT finished_at FROM cli_history.dq_runs WHERE run_id = 's0'").head()[0]
        assert document["runs"][0]["finished_at"] == recorded.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        code, out, _ = _cli(capsys, "history", suite, "--metrics", "cli_history", "--metric", "Completeness(temperature)")
        assert code == 0 and out.splitlines()[4].split()[:2] == ["0", "0.5"]
    finally:
        spark.sql("DROP SCHEMA cli_history CASCADE")


def test_history_unknown_metric_is_exit_2_naming_it(recorded, capsys):
    suite, _, metrics = recorded
    code, out, err = _cli(capsys, "history", suite, "--metrics", metrics, "--metric", "Mean(temperature)")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("dqengine: --metric 'Mean(temperature)': no metric of this suite has that key, "
                          "constraint label or name; known: ")
    assert "Completeness(temperature) [completeness(temperature)]" in err

    code, out, err = _cli(capsys, "history", suite, "--metrics", metrics, "--metric", "x", "--format", "json")
    assert code == 2 and json.loads(out) == {"error": err.strip(), "exit_code": 2}


def test_no_runs_yet_is_exit_1(recorded, tmp_path, capsys, write_suite):
    suite, path, metrics = recorded
    empty = str(tmp_path / "empty")
    for command in ("runs", "history"):
        code, out, err = _cli(capsys, command, suite, "--metrics", empty)
        assert (code, out) == (1, "")
        assert err == (f"dqengine: no runs of suite 'sensors' on {path} in {empty} yet; "
                       f"run `dqengine run {suite}` first\n")
    other = write_suite(SUITE.format(path=path).replace("suite: sensors", "suite: other"), name="other.yml")
    code, out, err = _cli(capsys, "runs", str(other), "--metrics", metrics, "--format", "json")
    message = (f"dqengine: no runs of suite 'other' on {path} in {metrics} yet; "
               f"run `dqengine run {other}` first")
    assert (code, err) == (1, message + "\n")
    assert json.loads(out) == {"error": message, "exit_code": 1}


def test_bad_arguments_are_exit_2(recorded, tmp_path, capsys):
    suite, _, metrics = recorded
    missing = str(tmp_path / "nope.yml")
    for command in ("runs", "history"):
        code, out, err = _cli(capsys, command, missing, "--metrics", metrics)
        assert (code, out, err) == (2, "", f"{missing}:1:1: suite file not found; check the path (relative paths "
                                           "start from the current directory)\n")
    for last in ("0", "-2", "many"):
        code, out, err = _cli(capsys, "runs", suite, "--metrics", metrics, "--last", last)
        shown = last if last != "many" else "'many'"
        assert code == 2 and out == ""
        assert err.splitlines()[-1] == f"dqengine runs: argument --last: {shown} is not a number of runs " \
                                       "(a whole number >= 1)"
    code, out, err = _cli(capsys, "runs", suite, "--metrics", metrics, "--last", "0", "--format", "json")
    assert code == 2 and json.loads(out) == {"error": err.splitlines()[-1], "exit_code": 2}


def test_run_gate_validate_json(spark, delta_table, write_suite, tmp_path, capsys):
    path = delta_table([(1, 10.0), (2, None)], SCHEMA, name="readings")
    suite = str(write_suite(SUITE.format(path=path)))
    metrics = str(tmp_path / "m")

    code, out, err = _cli(capsys, "run", suite, "--metrics", metrics, "--run-id", "j1", "--format", "json")
    assert code == 0
    run = json.loads(out)
    assert err.splitlines()[0].startswith(f"suite sensors on {path} version 0: PASSED (2 rows, run j1)")
    assert f"recorded in {metrics}" in err
    assert {k: run[k] for k in ("suite", "dataset", "dataset_version", "run_id", "status", "row_count",
                                "metrics_location", "recorded")} == {
        "suite": "sensors", "dataset": path, "dataset_version": 0, "run_id": "j1", "status": "PASSED",
        "row_count": 2, "metrics_location": metrics, "recorded": True}
    assert [(c["check"], c["label"], c["severity"], c["status"], c["metric_value"], c["threshold"])
            for c in run["constraints"]] == [
        ("keys", "is_unique(id)", "error", "PASSED", 1.0, "== 1"),
        ("keys", "completeness(temperature)", "error", "PASSED", 0.5, ">= 0.5"),
        ("physics", "temperature between -50 and 1600", "warning", "PASSED", 1.0, ">= 1")]
    assert all(c["metric_key"] and c["constraint_id"] for c in run["constraints"])
    assert {s["dimension"] for s in run["scores"]} >= {"overall"}

    code, out, err = _cli(capsys, "gate", suite, "--metrics", metrics, "--format", "json")
    assert code == 0 and err.splitlines() == [f"gate: {path} version 0: certified by run j1 (PASSED)", "0"]
    assert json.loads(out) == {"suite": "sensors", "certified": True, "dataset": path, "version": 0,
                               "reason": "certified by run j1 (PASSED)", "run_id": "j1", "run_version": 0,
                               "unchanged": []}
    code, out, _ = _cli(capsys, "gate", suite, "--metrics", metrics, "--format", "text")
    assert (code, out) == (0, "0\n")  # text mode as it always was

    delta_table([(3, 1.0)], SCHEMA, name="readings", mode="append")  # version 1, not checked
    code, out, err = _cli(capsys, "gate", suite, "--metrics", metrics, "--format", "json")
    blocked = json.loads(out)
    assert code == 1 and (blocked["certified"], blocked["version"]) == (False, 1)
    assert err == f"gate: BLOCKED {path} version 1: {blocked['reason']}\n"

    bad = write_suite("suite: x\n", name="bad.yml")
    code, out, err = _cli(capsys, "validate", suite, str(bad), "--format", "json")
    document = json.loads(out)
    assert code == 2 and document["valid"] is False
    assert document["files"][0] == {"file": suite, "valid": True, "constraints": 3,
                                    "fingerprint": load_suite(suite).fingerprint, "errors": []}
    assert document["files"][1]["valid"] is False and document["files"][1]["errors"]
    assert err.splitlines()[0].startswith(f"{suite}: valid (3 constraints")
    assert err.splitlines()[1:] == document["files"][1]["errors"]




@pytest.mark.multiprocess
def test_runs_and_history_processes_on_local_paths_start_no_jvm(recorded):
    suite, path, metrics = recorded
    env = no_java_env()
    for argv in (["runs", suite], ["history", suite, "--metric", "Size(*)", "--format", "json"]):
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-X", "importtime", DQENGINE, *argv, "--metrics", metrics],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - started
        assert done.returncode == 0, done.stderr[-2000:]
        imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                    if line.startswith("import time:")]
        assert "deltalake" in imported and not [m for m in imported if m.startswith(("pyspark", "py4j"))]
        assert elapsed < 10
    assert [r["value"] for r in json.loads(done.stdout)["metrics"][0]["rows"]] == [2.0, 4.0, 3.0]


def _run_process(suite: str, metrics: str, tty: bool, cwd: Path) -> tuple[int, str]:
    """``dqengine run`` with stderr a pipe, or a pseudo-terminal; what stderr got."""
    env = {**os.environ, "DQENGINE_IVY_DIR": str(REPO / ".ivy2"), "PYTHONPATH": str(REPO)}
    argv = [DQENGINE, "run", suite, "--metrics", metrics]
    if not tty:
        done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
        return done.returncode, done.stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.multiprocess
def test_run_progress_only_when_stderr_is_a_terminal(spark, delta_table, write_suite, tmp_path):
    path = delta_table([(1, 10.0), (2, 20.0)], SCHEMA, name="readings")
    suite = str(write_suite(SUITE.format(path=path)))

    code, quiet = _run_process(suite, str(tmp_path / "m1"), tty=False, cwd=tmp_path)
    assert code == 0, quiet[-2000:]
    assert not [line for line in quiet.splitlines() if line.startswith(("pass ", "recording run"))]
    assert "Stage " not in quiet  # no Spark console progress bar

    code, watched = _run_process(suite, str(tmp_path / "m2"), tty=True, cwd=tmp_path)
    assert code == 0, watched[-2000:]
    lines = [line.strip() for line in watched.splitlines()]
    passes = [line for line in lines if line.startswith("pass ")]
    assert passes and passes[0].startswith("pass 1/") and "deequ_scan/fused" in "".join(passes)
    assert any(line.startswith("recording run ") for line in lines)


README = (REPO / "README.md").read_text(encoding="utf-8")


def _readme_section(title: str) -> str:
    return README.split(f"### {title}\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]


def _shape(value):
    """A JSON value's structure: the keys of objects (recursively), one element of lists."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__ if value is not None else "null"


@pytest.mark.multiprocess
def test_readme_runs_history_and_json_examples_work_as_written(spark, tmp_path, monkeypatch, capsys):
    """README's shell lines, in a real shell, from a directory holding conf/sensor_readings.yml
    and two recorded runs of the demo data (with defects, then clean); no JVM on the way."""
    from dqengine.demo import write_sample_table

    work = tmp_path / "work"
    (work / "conf").mkdir(parents=True)
    shutil.copy(REPO / "conf" / "sensor_readings.yml", work / "conf")
    monkeypatch.chdir(work)
    suite = load_suite("conf/sensor_readings.yml")
    for defects in (True, False):
        write_sample_table(spark, str(work / "demo_data" / "sensor_readings"), defects=defects)  # the JVM's
        # working directory is not the test's: a relative path would land elsewhere
        run_suite(spark, suite, metrics=str(work / "dq_metrics"))  # README's default ./dq_metrics

    looking_back, json_output = _readme_section("Looking back: runs and history"), _readme_section("JSON output")
    blocks = [re.search(r"```sh\n(.*?)```", text, re.S).group(1) for text in (looking_back, json_output)]
    env = no_java_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    outputs = []
    for block in blocks:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=work, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    dataset = str(work / "demo_data" / "sensor_readings")
    text, documents = outputs
    assert f"runs of suite sensor_readings on {dataset}, newest first (2 shown)" in text
    assert "Completeness(temperature) (completeness(temperature)), metric_key " in text
    assert documents.startswith("PASSED\n{")  # the newest run's status, then the history document
    document = json.loads(documents.split("\n", 1)[1])
    assert [row["value"] for row in document["metrics"][0]["rows"]] == [0.9605, 1.0]

    # the README's sample output and JSON document are what the commands print, up to ids and times
    example = re.search(r"```text\n(.*?)```", looking_back, re.S).group(1).splitlines()
    assert main(["runs", "conf/sensor_readings.yml"]) == 0
    real_runs = capsys.readouterr().out.splitlines()
    assert example[1] == real_runs[1]
    assert example[4].split()[1:3] == real_runs[4].split()[1:3] == ["0", "FAILED"]
    assert example[4].split("2000  ", 1)[1] == real_runs[4].split("2000  ", 1)[1]
    assert main(["history", "conf/sensor_readings.yml", "--metric", "completeness(temperature)"]) == 0
    real_history = capsys.readouterr().out.splitlines()
    assert example[6].rsplit(" ", 1)[0] == real_history[0].rsplit(" ", 1)[0]
    assert example[7:10] == real_history[1:4]
    assert [line.split()[:2] for line in example[10:]] == [line.split()[:2] for line in real_history[4:]]
    sample = json.loads(re.search(r"```json\n(.*?)```", json_output, re.S).group(1))
    assert _shape(sample) == _shape(document)
