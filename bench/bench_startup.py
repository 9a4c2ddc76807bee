"""Benchmark: how long a user waits for a cold `dqengine run` and a cold `dqengine gate` process.

    .venv/bin/python bench/bench_startup.py [--repeat 3] [--rows 10000]

Generates a Delta table (``--rows`` rows, written with delta-rs, so this script starts no JVM of
its own) and a 10-constraint suite on it, then times real subprocesses, wall clock from start to
exit, the median of ``--repeat`` each:

* ``run``: ``dqengine run`` (starts Spark, computes, records one run);
* ``gate (no JVM)``: ``dqengine gate`` on local paths: reads the Delta log and ``dq_records``
  without Spark;
* ``gate (Spark)``: the same question answered through Spark (``DQENGINE_GATE_SPARK=1``), as for
  a metastore table or a remote path.

Prints a table and writes it as JSON under ``bench/results/``. Not a test: the numbers depend on
the machine. Targets: run <= 15 s, gate <= 8 s.

    .venv/bin/python bench/bench_startup.py --jit bench_data/sensor_readings-10000000 [--repeat 2]

instead times cold ``dqengine run`` processes of suite P on a generated table (version 0) with the
JVM's quick compiler only (``DQENGINE_JIT=quick``) and with its full tiers (``full``): where the
quick compiler stops paying is what ``dqengine.spark.session.BRIEF_RUN_BYTES`` is set from.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"run": 15.0, "gate (no JVM)": 8.0, "gate (Spark)": 8.0}

SUITE = """\
suite: startup_bench
dataset:
  path: '{path}'
checks:
  - name: keys
    constraints:
      - is_primary_key: [reading_id]
      - is_complete: sensor_id
      - row_count: {{must_be: {rows}}}
  - name: physics
    constraints:
      - completeness: {{column: temperature, must_be_at_least: 0.99}}
      - between: {{column: temperature, min: 1400, max: 1600}}
      - non_negative: pressure
      - mean: {{column: temperature, must_be_between: [1450, 1550]}}
      - max: {{column: pressure, must_be_at_most: 100}}
      - allowed_values: {{column: status, values: [OK, WARN, FAIL]}}
      - pattern: {{column: sensor_id, regex: '^S-[0-9]{{3}}$'}}
"""


def _table(path: Path, rows: int) -> None:
    from arro3.core import Array, DataType, Table
    from deltalake import write_deltalake

    ids = list(range(rows))
    write_deltalake(str(path), Table.from_pydict({
        "reading_id": Array(ids, DataType.int64()),
        "sensor_id": Array([f"S-{i % 20:03d}" for i in ids], DataType.string()),
        "temperature": Array([1480.0 + (i * 7919 % 400) / 10 for i in ids], DataType.float64()),
        "pressure": Array([(i * 104729 % 500) / 10 for i in ids], DataType.float64()),
        "status": Array(["OK" if i % 10 else "WARN" for i in ids], DataType.string()),
    }))


def _time(command: list[str], env: dict[str, str], expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != expect:
        sys.exit(f"{' '.join(command)} exited {done.returncode}, expected {expect}:\n{done.stderr[-3000:]}")
    return elapsed


def _jit(data: Path, repeat: int) -> None:
    """Cold runs of suite P on ``data`` with the quick and the full JIT, and the table's size."""
    from deltalake import DeltaTable

    size = sum(DeltaTable(str(data), version=0).get_add_actions(flatten=True).column("size_bytes").to_pylist())
    work = Path(tempfile.mkdtemp(prefix="dqjit-"))
    suite = work / "P.yml"
    text = (REPO / "bench" / "suites" / "P.yml").read_text(encoding="utf-8")
    suite.write_text(text.replace("path: bench_data/sensor_readings-1000000", f"path: '{data.resolve()}'"),
                     encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))
    times: dict[str, list[float]] = {"quick": [], "full": []}
    for _ in range(repeat):  # alternating, so a drift in the machine's load hits both
        for jit in times:
            metrics = work / f"metrics-{jit}"
            command = [sys.executable, "-m", "dqengine.cli", "run", str(suite), "--version", "0",
                       "--metrics", str(metrics)]
            times[jit].append(_time(command, {**env, "DQENGINE_JIT": jit}, expect=1))  # P fails 3 rules
    load = round(os.getloadavg()[0], 2)
    print(f"cold `dqengine run` of suite P, {data.name} version 0 ({size / 2**20:.0f} MiB of data files), "
          f"median of {repeat} ({os.cpu_count()} cores, load average {load} after)")
    results = []
    for jit, values in times.items():
        print(f"DQENGINE_JIT={jit:<6}{statistics.median(values):>10.2f} s  {[round(v, 2) for v in values]}")
        results.append({"jit": jit, "median_s": round(statistics.median(values), 3),
                        "runs_s": [round(v, 3) for v in values]})
    _write("startup-jit", {"table": str(data), "data_bytes": size, "repeat": repeat, "load_average_1min": load,
                           "results": results})


def _write(kind: str, document: dict) -> None:
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"{kind}-{stamp}.json"
    out.write_text(json.dumps({"benchmark": kind, "cpu_count": os.cpu_count(), "python": platform.python_version(),
                               "at": stamp, **document}, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="processes timed per command (median)")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--jit", type=Path, metavar="TABLE", help="time suite P's cold runs on TABLE, quick vs full JIT")
    args = parser.parse_args()
    if args.jit is not None:
        _jit(args.jit, args.repeat)
        return

    work = Path(tempfile.mkdtemp(prefix="dqstartup-"))
    data, metrics, suite = work / "readings", work / "metrics", work / "suite.yml"
    _table(data, args.rows)
    suite.write_text(SUITE.format(path=data, rows=args.rows), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))
    env.pop("DQENGINE_GATE_SPARK", None)
    cli = [sys.executable, "-m", "dqengine.cli"]
    commands = {
        "run": (cli + ["run", str(suite), "--metrics", str(metrics)], env),
        "gate (no JVM)": (cli + ["gate", str(suite), "--metrics", str(metrics)], env),
        "gate (Spark)": (cli + ["gate", str(suite), "--metrics", str(metrics)], {**env, "DQENGINE_GATE_SPARK": "1"}),
    }
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {}
    for name, (command, command_env) in commands.items():  # run first: the gates need its record
        times[name] = [_time(command, command_env, expect=0) for _ in range(args.repeat)]

    load = (round(load_before, 2), round(os.getloadavg()[0], 2))  # other work on the machine skews the numbers
    print(f"cold processes, {args.rows} rows, 10 constraints, median of {args.repeat} "
          f"({os.cpu_count()} cores, load average {load[0]} before / {load[1]} after, "
          f"{platform.python_implementation()} {platform.python_version()})")
    print(f"{'command':<16}{'median s':>10}{'min s':>8}{'max s':>8}{'target s':>10}  ok")
    results = []
    for name, values in times.items():
        median = statistics.median(values)
        ok = median <= TARGETS[name]
        print(f"{name:<16}{median:>10.2f}{min(values):>8.2f}{max(values):>8.2f}{TARGETS[name]:>10.1f}  "
              f"{'yes' if ok else 'NO'}")
        results.append({"command": name, "median_s": round(median, 3), "runs_s": [round(v, 3) for v in values],
                        "target_s": TARGETS[name], "within_target": ok})
    _write("startup", {"rows": args.rows, "constraints": 10, "repeat": args.repeat, "load_average_1min": load,
                       "results": results})


if __name__ == "__main__":
    main()
