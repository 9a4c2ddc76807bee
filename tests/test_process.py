"""The gate workflow through real `dqengine` processes, as users run it from a shell.

What only a real process shows: what reaches stdout (the JVM and Ivy write to the process's file
descriptors, not to Python's sys.stdout), where the jars come from when no Makefile variable is
set, and what Ctrl-C and SIGTERM do. Each test starts the installed console script.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.multiprocess

REPO = Path(__file__).resolve().parent.parent
DQENGINE = str(Path(sys.executable).with_name("dqengine"))


def _user_env(home: Path) -> dict[str, str]:
    """A user's shell on an air-gapped host: no Makefile variables, an empty home, and a JVM whose
    every HTTP(S) connection goes to a closed port, so any Maven/Ivy download would fail."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DQENGINE_", "PYSPARK_", "SPARK_", "PYTEST_"))}
    env.update(HOME=str(home), PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
               JAVA_TOOL_OPTIONS="-Dhttp.proxyHost=127.0.0.1 -Dhttp.proxyPort=9 "
                                 "-Dhttps.proxyHost=127.0.0.1 -Dhttps.proxyPort=9")
    return env


@pytest.fixture
def sensor_suite(spark, delta_table, write_suite):
    def make(rows, name="readings"):
        data = delta_table(rows, "id BIGINT, temperature DOUBLE", name=name)
        return data, write_suite(f"""
            suite: sensors
            dataset: {{path: '{data}'}}
            checks:
              - name: keys
                constraints:
                  - is_unique: id
                  - row_count: {{must_be_greater_than: 0}}
              - name: physics
                severity: warning
                constraints:
                  - between: {{column: temperature, min: -50, max: 1600}}
        """, name=f"{name}.yml")
    return make


def test_readme_blocking_pipeline_in_a_real_shell(spark, sensor_suite, tmp_path):
    """README's `dqengine run ... && VERSION=$(dqengine gate ...) && python train.py` as one shell
    pipeline of real processes, started from another directory with no network."""
    data, suite = sensor_suite([(1, 1500.0), (2, 1510.0)])
    home, cwd = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir()
    cwd.mkdir()
    train = tmp_path / "train.py"
    train.write_text(
        "import sys\nfrom dqengine.spark.session import get_spark\n"
        "version = sys.argv[sys.argv.index('--data-version') + 1]\n"
        "spark = get_spark('train')\n"
        "rows = spark.read.format('delta').option('versionAsOf', int(version)).load(sys.argv[1]).count()\n"
        "print(f'trained on version {version}: {rows} rows')\n")
    script = (f"dqengine run {suite} --metrics {tmp_path}/m > run.out "
              f"&& VERSION=$(dqengine gate {suite} --metrics {tmp_path}/m) "
              f"&& printf '%s' \"$VERSION\" > version.txt "
              f"&& {sys.executable} {train} {data} --data-version \"$VERSION\"")
    done = subprocess.run(["bash", "-c", script], cwd=cwd, env=_user_env(home), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (cwd / "version.txt").read_text() == "0"  # exactly the version: one line, nothing else
    assert done.stdout == "trained on version 0: 2 rows\n"
    run_out = (cwd / "run.out").read_text()
    assert run_out.startswith("suite sensors on ") and ":: loading settings" not in run_out
    assert ":: loading settings" not in done.stderr  # no Ivy resolution at all: the jars were loaded
    assert not (home / ".ivy2").exists()  # nothing resolved into the user's home


def test_gate_blocks_in_the_shell_pipeline(spark, sensor_suite, tmp_path):
    _, suite = sensor_suite([(1, 1500.0), (1, 1510.0)], name="dup")  # duplicate key: FAILED
    home = tmp_path / "home"
    home.mkdir()
    script = (f"dqengine run {suite} --metrics {tmp_path}/m; "
              f"VERSION=$(dqengine gate {suite} --metrics {tmp_path}/m) && echo \"train on $VERSION\"; "
              f"echo \"gate exit $?\"")
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=_user_env(home), capture_output=True,
                          text=True, timeout=600)
    assert "train on" not in done.stdout and done.stdout.strip().endswith("gate exit 1"), done.stdout
    assert "gate: BLOCKED" in done.stderr


@pytest.fixture(scope="module")
def slow_suite(spark, tmp_path_factory):
    """One table for both signals: 1M rows whose exact distinct count of (sensor, value) takes a
    multi-second shuffle, so the run is certainly computing when the signal arrives."""
    work = tmp_path_factory.mktemp("slow")
    data = str(work / "big")
    spark.range(1_000_000).selectExpr("id", "id % 1000 AS sensor", "rand(7) * 100 AS value") \
        .write.format("delta").save(data)
    suite = work / "slow.yml"
    suite.write_text(f"""
suite: slow
dataset: {{path: '{data}'}}
checks:
  - name: c
    constraints:
      - is_unique: id
      - distinct_count: {{columns: [sensor, value], must_be_greater_than: 0}}
      - quantile: {{column: value, quantile: 0.5, must_be_between: [0, 100]}}
      - mean: {{column: value, must_be_between: [0, 100]}}
""")
    return suite


def _session_processes(sid: int, wait: float = 10.0) -> str:
    """Processes left in the command's session; a killed JVM may take a moment to be reaped."""
    deadline = time.monotonic() + wait
    while True:
        left = subprocess.run(["pgrep", "-s", str(sid)], capture_output=True, text=True).stdout.strip()
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_interrupt_stops_promptly_and_records_nothing(spark, tmp_path, slow_suite, signum, code):
    metrics = tmp_path / "m"
    env = _user_env(tmp_path)
    process = subprocess.Popen([DQENGINE, "-v", "run", str(slow_suite), "--metrics", str(metrics)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        for line in process.stderr:  # wait until Deequ is computing
            if "Deequ analyzers" in line:
                break
        else:
            pytest.fail(f"the run ended before computing: {process.wait()}")
        time.sleep(0.5)
        sent = time.monotonic()
        process.send_signal(signum)
        returncode = process.wait(timeout=60)
        elapsed = time.monotonic() - sent
        rest = process.stderr.read()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert returncode == code, rest[-2000:]
    assert elapsed < 10, f"took {elapsed:.1f}s to stop"
    assert "interrupted" in rest.splitlines()
    assert process.stdout.read() == ""
    runs = spark.read.format("delta").load(str(metrics / "dq_records")).where("record = 'run'").count()
    assert runs == 0  # nothing recorded
    # the JVM went with it: no process of this session is left
    assert _session_processes(process.pid) == ""


def test_usage_error_names_the_command_once():
    done = subprocess.run([DQENGINE, "run"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last == "dqengine run: the following arguments are required: SUITE", last
    assert "dqengine: dqengine" not in done.stderr
