"""Benchmark: the suites of bench/suites/ on the generated sensor table, every contender in one run.

    .venv/bin/python bench/generate.py --rows 1000000
    .venv/bin/python bench/bench_suites.py --data bench_data/sensor_readings-1000000 [--suites P,A,B,C,D]

For each suite the contenders (bench/contenders.py: floor, naive, hand-fused, pydeequ, dqengine,
dqengine metrics-only) run in one local[2] SparkSession (dqengine's get_spark, UI off, few shuffle
partitions) on the same Delta version. Spark start-up is not timed. Each contender runs once to
warm up, and its verdicts (passed or not, per constraint) must equal dqengine's: a contender that
disagrees is printed with the constraints it disagrees on and marked invalid, and its time does not
count. Then ``--runs`` timed rounds, round-robin with the order rotated each round, so that no
contender always runs first or after the same one; a run whose verdicts differ invalidates it too.

Prints, per suite, the median seconds and the ratios to the floor, to dqengine and to the fastest
peer (naive, hand-fused, pydeequ, GX), then the issue-#10 targets those ratios meet or miss, and
writes JSON (with the machine: cores, CPU, memory, load average before and after, versions), a
Markdown table and a PNG bar chart to ``bench/results/suites-<UTC time>.*``. Not a test: the
numbers depend on the machine and what else runs on it (the JSON records the load average).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import contenders as C  # noqa: E402
from dqengine.checks import Suite, load_suite  # noqa: E402

SUITES_DIR = REPO / "bench" / "suites"
RESULTS = REPO / "bench" / "results"


# --- targets of issue #10: ratios within one run ----------------------------------------------

def targets(suite: str, medians: dict[str, float], rows: int) -> list[dict]:
    """The targets that apply to ``suite``, each with its measured value and whether it is met."""
    engine = medians.get(C.ENGINE)
    if engine is None:
        return []
    peers = {n: medians[n] for n in ("naive", "hand-fused", "pydeequ", "GX lean") if n in medians}
    out = []

    def add(text: str, value: float | None, limit: float, at_most: bool = True) -> None:
        if value is None:
            return
        met = value <= limit if at_most else value >= limit
        out.append({"target": text, "value": round(value, 3), "limit": limit, "met": met})

    floor = medians.get("floor")
    if suite == "P":
        add("dqengine / fastest peer <= 0.8", engine / min(peers.values()) if peers else None, 0.8)
        add("dqengine / floor (bare scan) <= 3", engine / floor if floor else None, 3.0)
    if suite == "C":
        add("dqengine / floor <= 1.5", engine / floor if floor else None, 1.5)
    if suite == "A":
        add("dqengine / pydeequ <= 0.6", engine / peers["pydeequ"] if "pydeequ" in peers else None, 0.6)
    if suite == "B":
        add("dqengine / pydeequ <= 0.7", engine / peers["pydeequ"] if "pydeequ" in peers else None, 0.7)
        add("naive / dqengine >= 2", peers["naive"] / engine if "naive" in peers else None, 2.0, at_most=False)
        if rows <= 100_000:
            add("dqengine on 100K rows <= 2 s", engine, 2.0)
    return out


# --- machine and versions -----------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git() -> str:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine(spark) -> dict:
    from dqengine._version import __version__
    from dqengine.spark.runner import deequ_version

    conf = spark.sparkContext.getConf()
    return {
        "cores": os.cpu_count(), "cpu": _cpu_model(), "memory_gib": _memory_gib(),
        "os": platform.platform(), "python": platform.python_version(),
        "versions": {"dqengine": __version__, "git": _git(), "pyspark": spark.version,
                     "delta-spark": _version("delta-spark"), "pydeequ": _version("pydeequ"),
                     "deequ": deequ_version(spark)},
        "spark": {"master": spark.sparkContext.master,
                  "shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
                  "driver_memory": conf.get("spark.driver.memory", "default")},
    }


# --- one suite ------------------------------------------------------------------------------------

def _disagreements(suite: Suite, got: list[bool], want: list[bool]) -> list[str]:
    if len(got) != len(want):
        return [f"{len(got)} verdicts for {len(want)} constraints"]
    return [f"{s.check}/{s.label}: {'passed' if g else 'did not pass'}, dqengine says "
            f"{'passed' if w else 'not passed'}" for s, g, w in zip(suite.constraints, got, want) if g != w]


def _timed(spark, contender: C.Contender, suite: Suite, path: str, version: int, group: str):
    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup(group, contender.name)
    start = time.perf_counter()
    verdicts = contender.run(spark, suite, path, version)
    elapsed = time.perf_counter() - start
    return elapsed, verdicts, len(tracker.getJobIdsForGroup(group))


def bench_suite(spark, name: str, path: str, version: int, runs: int, names: list[str],
                metrics_root: Path, log=print) -> dict:
    suite = load_suite(SUITES_DIR / f"{name}.yml")
    field = C.contenders(metrics_root, names)
    engine = next((c for c in field if c.name == C.ENGINE), None)
    if engine is None:
        raise SystemExit("the dqengine contender is the reference for verdicts: keep it in --contenders")
    field.sort(key=lambda c: c is not engine)  # the engine's warm-up gives the reference verdicts
    log(f"\n== suite {name}: {len(suite.constraints)} constraints, {path} version {version}")
    times: dict[str, list[float]] = {c.name: [] for c in field}
    jobs: dict[str, int] = {}
    reference: list[bool] = []
    for contender in field:  # warm-up, and the verdicts every contender must agree on
        try:
            elapsed, verdicts, n = _timed(spark, contender, suite, path, version, f"{name}-{contender.name}-warm")
        except Exception as exc:  # one broken contender must not stop the others; the engine must work
            if contender is engine:
                raise
            contender.invalid = (f"no translation for {exc}" if isinstance(exc, C.UnsupportedConstraint)
                                 else f"failed: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__}")
            log(f"  {contender.name}: INVALID ({contender.invalid})")
            continue
        jobs[contender.name] = n
        if contender is engine:
            reference = verdicts
        elif verdicts is not None and (wrong := _disagreements(suite, verdicts, reference)):
            contender.invalid = f"verdicts differ from dqengine's on {len(wrong)} constraint(s)"
            log(f"  {contender.name}: INVALID, {contender.invalid}:\n    " + "\n    ".join(wrong[:20]))
            continue
        log(f"  warm-up {contender.name}: {elapsed:.2f} s, {n} Spark jobs")
    failed = [f"{s.check}/{s.label}" for s, v in zip(suite.constraints, reference) if not v]
    log(f"  dqengine: {len(reference) - len(failed)} of {len(reference)} pass; not passing: {', '.join(failed) or '-'}")
    valid = [c for c in field if c.invalid is None]
    for r in range(runs):
        order = valid[r % len(valid):] + valid[:r % len(valid)]
        for contender in order:
            if contender.invalid is not None:
                continue
            elapsed, verdicts, _ = _timed(spark, contender, suite, path, version, f"{name}-{contender.name}-{r}")
            if verdicts is not None and verdicts != reference:
                contender.invalid = f"verdicts changed in timed run {r + 1}: " + "; ".join(
                    _disagreements(suite, verdicts, reference)[:5])
                log(f"  {contender.name}: INVALID, {contender.invalid}")
                continue
            times[contender.name].append(elapsed)
        log(f"  round {r + 1}/{runs}: " + ", ".join(f"{c.name} {times[c.name][-1]:.2f}"
                                                    for c in order if c.invalid is None and times[c.name]))
    medians = {c.name: statistics.median(times[c.name]) for c in field if c.invalid is None and times[c.name]}
    rows = [{"contender": c.name, "peer": c.peer, "valid": c.invalid is None, "invalid_reason": c.invalid,
             "median_s": round(medians[c.name], 3) if c.name in medians else None,
             "runs_s": [round(t, 3) for t in times[c.name]], "spark_jobs": jobs.get(c.name)} for c in field]
    return {"suite": name, "constraints": len(suite.constraints), "failing": failed, "medians": medians,
            "contenders": rows, "verdicts": reference}


GX_PYTHON = REPO / ".venv-gx" / "bin" / "python"


def bench_gx(result: dict, args, data: Path, log=print) -> None:
    """GX lean on suite P, in its own process (.venv-gx), after the others: adds its row to ``result``.

    Its own JVM, so it cannot be interleaved with the contenders of this session; it gets its own
    warm-up and the same number of timed runs, Spark start-up excluded as for the others.
    """
    if not GX_PYTHON.exists():
        log("  GX lean skipped: no .venv-gx (bench/gx/setup_gx.sh creates it when PyPI is reachable)")
        return
    out = Path(tempfile.mkdtemp(prefix="dqbench-gx-")) / "gx.json"
    command = [str(GX_PYTHON), str(REPO / "bench" / "gx" / "gx_lean.py"), "--data", str(data),
               "--version", str(args.version), "--runs", str(args.runs), "--json", str(out),
               "--shuffle-partitions", str(args.shuffle_partitions), "--driver-memory", args.driver_memory]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    row = {"contender": "GX lean", "peer": True, "valid": False, "invalid_reason": None, "median_s": None,
           "runs_s": [], "spark_jobs": None, "separate_process": True}
    if done.returncode != 0:
        row["invalid_reason"] = f"gx_lean.py exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
    else:
        gx = json.loads(out.read_text(encoding="utf-8"))
        row.update(runs_s=gx["runs_s"], great_expectations=gx["great_expectations"])
        if gx["verdicts"] != result["verdicts"]:
            row["invalid_reason"] = f"verdicts differ from dqengine's: {gx['verdicts']} != {result['verdicts']}"
        else:
            row.update(valid=True, median_s=gx["median_s"])
            result["medians"]["GX lean"] = gx["median_s"]
    log(f"  GX lean (own process): " + (f"median {row['median_s']:.2f} s" if row["valid"]
                                       else f"INVALID, {row['invalid_reason']}"))
    result["contenders"].append(row)


def ratios(result: dict) -> None:
    """Adds × floor, × dqengine and × fastest peer to each contender row."""
    medians = result["medians"]
    floor, engine = medians.get("floor"), medians.get(C.ENGINE)
    peers = [m for r in result["contenders"] if r["peer"] and (m := medians.get(r["contender"])) is not None]
    fastest = min(peers) if peers else None
    for row in result["contenders"]:
        m = medians.get(row["contender"])
        row["x_floor"] = round(m / floor, 2) if m and floor else None
        row["x_dqengine"] = round(m / engine, 2) if m and engine else None
        row["x_fastest_peer"] = round(m / fastest, 2) if m and fastest else None


def table(result: dict, markdown: bool = False) -> str:
    head = ("contender", "median s", "× floor", "× dqengine", "× fastest peer", "Spark jobs")

    def cells(row: dict) -> tuple[str, ...]:
        if not row["valid"]:
            return (row["contender"], "INVALID", "", "", "", "")
        f = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731
        return (row["contender"], f"{row['median_s']:.2f}", f(row["x_floor"]), f(row["x_dqengine"]),
                f(row["x_fastest_peer"]), str(row["spark_jobs"] if row["spark_jobs"] is not None else ""))

    body = [cells(r) for r in result["contenders"]]
    notes = [f"{r['contender']}: {r['invalid_reason']}" for r in result["contenders"] if not r["valid"]]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in body] + [""] * bool(notes)
                         + [f"- INVALID {n}" for n in notes])
    widths = [max(len(h), *(len(c[i]) for c in body)) for i, h in enumerate(head)]
    fmt = lambda cs: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cs, widths)))  # noqa: E731
    return "\n".join([fmt(head)] + [fmt(c) for c in body] + [f"  INVALID {n}" for n in notes])


def chart(report: dict, out: Path) -> bool:
    """A PNG: one panel per suite, a bar per contender (median seconds). False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (it comes with dqengine: pip install -e .)",
              file=sys.stderr)
        return False
    results = report["suites"]
    fig, axes = plt.subplots(len(results), 1, figsize=(8, 1.0 + 1.9 * len(results)), squeeze=False)
    for ax, result in zip(axes[:, 0], results):
        rows = [r for r in result["contenders"] if r["valid"] and r["median_s"] is not None]
        names = [r["contender"] for r in rows]
        values = [r["median_s"] for r in rows]
        colours = ["#1f77b4" if n.startswith(C.ENGINE) else "#999999" if n == "floor" else "#ff7f0e" for n in names]
        ax.barh(names, values, color=colours)
        ax.invert_yaxis()
        for y, r in enumerate(rows):
            label = f" {r['median_s']:.2f} s" + (f"  ({r['x_floor']:.1f}× floor)" if r["x_floor"] else "")
            ax.text(r["median_s"], y, label, va="center", fontsize=8)
        ax.set_xlim(0, max(values) * 1.45 if values else 1)
        ax.set_title(f"suite {result['suite']} ({result['constraints']} constraints)", fontsize=10, loc="left")
        ax.tick_params(labelsize=8)
    m, t = report["machine"], report["table"]
    fig.suptitle(f"median of {report['runs']} runs, {t['rows']:,} rows (version {t['version']}); "
                 f"{m['cores']} cores, load {report['load_average'][0]}→{report['load_average'][1]}"
                 + ("\n" + "\n".join(textwrap.wrap(report["label"], 100)) if report.get("label") else ""),
                 fontsize=9)
    axes[-1, 0].set_xlabel("seconds (Spark start-up excluded)", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a table written by bench/generate.py")
    parser.add_argument("--chart", type=Path, metavar="RESULT_JSON",
                        help="only draw the PNG of an earlier result (beside it), then exit")
    parser.add_argument("--version", type=int, default=0, help="Delta version to verify (0: the table, "
                        "1: after the 1%% append, 2: after the deletes)")
    parser.add_argument("--suites", default="P,A,B,C,D", help="comma-separated names in bench/suites/")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per contender (after one warm-up)")
    parser.add_argument("--contenders", default=",".join(C.NAMES))
    parser.add_argument("--shuffle-partitions", type=int, default=4)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the JSON, Markdown and PNG")
    parser.add_argument("--label", default="", help="a note stored with the results (e.g. 'loaded machine')")
    parser.add_argument("--no-gx", dest="gx", action="store_false",
                        help="leave out GX lean on suite P (it runs when .venv-gx exists)")
    args = parser.parse_args(argv)
    if args.chart is not None:
        return 0 if chart(json.loads(args.chart.read_text(encoding="utf-8")), args.chart.with_suffix(".png")) else 1
    if args.data is None:
        parser.error("--data is required")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    data = args.data.resolve()
    meta_file = data.with_name(data.name + ".json")
    if not (data / "_delta_log").is_dir() or not meta_file.exists():
        parser.error(f"{args.data} is not a table written by bench/generate.py (run it first)")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    names = [s.strip() for s in args.suites.split(",") if s.strip()]
    missing = [n for n in names if not (SUITES_DIR / f"{n}.yml").exists()]
    if missing:
        parser.error(f"no suite {', '.join(missing)} in {SUITES_DIR.relative_to(REPO)}")

    from generate import bench_session

    spark = bench_session("dqengine-bench-suites", args.driver_memory, args.shuffle_partitions)
    load_before = round(os.getloadavg()[0], 2)
    metrics_root = Path(tempfile.mkdtemp(prefix="dqbench-metrics-"))
    results = []
    try:
        for name in names:
            result = bench_suite(spark, name, str(data), args.version, args.runs,
                                 [n.strip() for n in args.contenders.split(",")], metrics_root)
            if name == "P" and args.gx:
                bench_gx(result, args, data)
            ratios(result)
            result["targets"] = targets(name, result["medians"], meta["rows"])
            results.append(result)
            print(f"\nsuite {name}: median of {args.runs} runs, seconds\n" + table(result))
            for t in result["targets"]:
                print(f"  target {t['target']}: {t['value']} -> {'met' if t['met'] else 'MISSED'}")
            shutil.rmtree(metrics_root, ignore_errors=True)
            metrics_root.mkdir()
    finally:
        C.stop_pydeequ(spark)
        shutil.rmtree(metrics_root, ignore_errors=True)
    load_after = round(os.getloadavg()[0], 2)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "benchmark": "suites", "at": stamp, "label": args.label, "runs": args.runs, "warmups": 1,
        "load_average": [load_before, load_after], "machine": machine(spark),
        "table": {"path": str(data), "rows": meta["rows"], "seed": meta["seed"], "version": args.version,
                  "checksum": meta["versions"]["0"]["actual"]["checksum"]},
        "suites": results,
    }
    spark.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.out / f"suites-{stamp}"
    Path(f"{base}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    m = report["machine"]
    md = [f"Suites on {meta['rows']:,} rows (version {args.version}), median of {args.runs} runs after a "
          f"warm-up, Spark start-up excluded; {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
          f"load average {load_before} before / {load_after} after; {stamp}"
          + (f"; {args.label}" if args.label else "") + "."]
    for result in results:
        md += ["", f"**{result['suite']}** ({result['constraints']} constraints)", "", table(result, markdown=True)]
        md += [f"- target {t['target']}: {t['value']} ({'met' if t['met'] else 'missed'})" for t in result["targets"]]
    Path(f"{base}.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    written = [f"{base}.json", f"{base}.md"] + ([f"{base}.png"] if chart(report, Path(f"{base}.png")) else [])
    print(f"\nload average {load_before} before / {load_after} after; written: "
          + ", ".join(str(Path(w).relative_to(REPO)) if Path(w).is_relative_to(REPO) else w for w in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
