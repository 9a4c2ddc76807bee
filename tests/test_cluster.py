"""spark-submit on a real standalone cluster: a master and two workers on 127.0.0.1.

The daemons come from the pyspark installation (``sbin/spark-daemon.sh``; the wheel has no
start-master.sh) and are stopped whatever happens. The jobs are chained by a shell pipeline,
exactly as a scheduler would: run -> gate -> train, training only if the gate passed.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from helpers import read_view

from dqengine import metrics_schema as ms
from dqengine.spark.jars import resolved_jars

pytestmark = pytest.mark.multiprocess  # starts more JVMs: `make test-quick` leaves it out

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    import pyspark

    home = Path(pyspark.__file__).parent
    base = tmp_path_factory.mktemp("cluster")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYSPARK_", "SPARK_"))}
    env.update(SPARK_HOME=str(home), SPARK_LOG_DIR=str(base / "logs"), SPARK_PID_DIR=str(base / "pids"),
               SPARK_IDENT_STRING=f"dqtest{os.getpid()}", SPARK_NO_DAEMONIZE="", SPARK_LOCAL_IP="127.0.0.1",
               PYSPARK_PYTHON=sys.executable, PYSPARK_DRIVER_PYTHON=sys.executable)
    env.pop("SPARK_NO_DAEMONIZE")
    daemon = str(home / "sbin" / "spark-daemon.sh")
    port, ui = _free_port(), _free_port()
    master = f"spark://127.0.0.1:{port}"
    started = []

    def daemon_cmd(action: str, cls: str, instance: int, *args: str) -> None:
        subprocess.run(["bash", daemon, action, cls, str(instance), *args], env=env, check=True,
                       capture_output=True, timeout=60)

    workers = [base / "work1", base / "work2"]
    try:
        daemon_cmd("start", "org.apache.spark.deploy.master.Master", 1,
                   "--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui))
        started.append(("org.apache.spark.deploy.master.Master", 1))
        for i, work in enumerate(workers, start=1):
            daemon_cmd("start", "org.apache.spark.deploy.worker.Worker", i, "--host", "127.0.0.1",
                       "--cores", "1", "--memory", "1g", "--webui-port", str(_free_port()),
                       "--work-dir", str(work), master)
            started.append(("org.apache.spark.deploy.worker.Worker", i))
        deadline = time.time() + 90
        alive = 0
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=5) as resp:
                    state = json.load(resp)
                alive = sum(1 for w in state.get("workers", []) if w.get("state") == "ALIVE")
                if alive == 2:
                    break
            except OSError:
                pass
            time.sleep(1)
        assert alive == 2, f"workers did not register: {list((base / 'logs').glob('*'))}"
        yield {"master": master, "env": env, "workers": workers, "ui": ui}
    finally:
        for cls, instance in reversed(started):
            subprocess.run(["bash", daemon, "stop", cls, str(instance)], env=env, capture_output=True, timeout=60)


def test_run_gate_train_chain_on_a_standalone_cluster(cluster, spark, delta_table, write_suite, tmp_path):
    jars = ",".join(resolved_jars(os.environ["DQENGINE_IVY_DIR"]))
    data = delta_table([(1, 1500.0), (1, 1500.0), (2, None)], "id BIGINT, temperature DOUBLE", name="heats")
    suite = write_suite(f"""
        suite: cluster
        dataset: {{path: '{data}'}}
        checks:
          - name: keys
            constraints:
              - is_unique: id
              - completeness: {{column: temperature, must_be_at_least: 0.5}}
    """)
    metrics = tmp_path / "metrics"
    model = tmp_path / "model.txt"
    submit = (f"{Path(sys.executable).parent / 'spark-submit'} --master {cluster['master']} "
              f"--deploy-mode client --jars {jars} --conf spark.ui.enabled=false "
              "--conf spark.sql.shuffle.partitions=2 --conf spark.cores.max=2 --conf spark.executor.cores=1 "
              "--conf spark.executor.memory=512m")
    chain = (f"set -o pipefail; {submit} {REPO}/jobs/run_suite.py {suite} --metrics {metrics} "
             f"&& VERSION=$({submit} {REPO}/jobs/gate.py {suite} --metrics {metrics} | tail -n 1) "
             f"&& {submit} {REPO}/jobs/train_example.py {suite} --version \"$VERSION\" --metrics {metrics} "
             f"--out {model}")

    def run_chain() -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", chain], env=cluster["env"], capture_output=True, text=True,
                              timeout=600)

    # Version 0 has a duplicate id and version 1 is clean: the run certifies version 1 and the
    # chain trains on it. (A failed run stopping the chain through spark-submit is held by
    # tests/test_submit.py on a local master; here each application costs a cluster start-up.)
    delta_table([(1, 1500.0), (2, 1490.0), (3, None)], "id BIGINT, temperature DOUBLE", name="heats")
    passed = run_chain()
    assert passed.returncode == 0, passed.stdout[-3000:] + passed.stderr[-3000:]
    assert model.read_text() == f"trained on {data} version 1: 3 rows\n"

    runs = read_view(spark, str(metrics), ms.RUNS)
    assert [(r.dataset_version, r.status) for r in runs.collect()] == [(1, "PASSED")]
    checks = read_view(spark, str(metrics), ms.CHECK_RESULTS).collect()
    assert len(checks) == 2
    # executors ran on both workers: each work dir holds an executor directory of some application
    for work in cluster["workers"]:
        assert list(work.glob("app-*/*/stderr")), f"no executor ran on {work}"
