"""``dqengine`` command line; the same behaviour from ``jobs/*.py`` under spark-submit.

Exit codes: 0 passed / certified / valid; 1 an error-severity check failed or the gate refused;
2 bad suite, arguments, dataset or column (nothing recorded); 3 runtime failure; 130 / 143
interrupted by SIGINT (Ctrl-C) / SIGTERM (nothing recorded).

stdout carries only the engine's own output (the run summary; the gate's version), so that
``VERSION=$(dqengine gate ...)`` captures exactly the version: logs, the JVM's and Ivy's chatter
go to stderr. ``--format json`` (validate, run, gate, runs, history) prints one JSON document
on stdout instead (``dqengine.documents``, ``dqengine.history``) and that text on stderr; a
failure is ``{"error": ..., "exit_code": ...}`` there, with the same exit code. ``run`` reports
its passes on stderr only when stderr is a terminal (``dqengine.progress``).
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from typing import Callable, Iterator, Sequence

from dqengine._version import __version__
from dqengine.errors import (
    EXIT_CHECKS_FAILED,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_RUNTIME,
    ConfigError,
    DQEngineError,
    RecordingError,
    first_line,
)

__all__ = ["main", "build_parser"]

logger = logging.getLogger("dqengine")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors are config errors: exit 2, one line
        self.print_usage(sys.stderr)
        raise ConfigError(f"{self.prog}: {message}")  # "dqengine run: ..." names the command


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="dqengine", description="Data-quality suites on Delta tables, with a training gate.")
    parser.add_argument("--version", action="version", version=f"dqengine {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="validate suite files without starting Spark")
    p.add_argument("suites", nargs="+", metavar="SUITE")
    _add_format(p)

    p = sub.add_parser("run", help="run a suite and record the results")
    p.add_argument("suite", metavar="SUITE")
    p.add_argument("--version", dest="dataset_version", type=_version, help="Delta version to verify")
    p.add_argument("--metrics", help="metrics location: a directory, or a catalog.schema prefix "
                                     "(default: $DQENGINE_METRICS, else ./dq_metrics)")
    p.add_argument("--run-id", help="id of this run; re-running with the same id replaces its rows "
                                    "(default: a new UUID)")
    p.add_argument("--no-states", dest="states", action="store_false",
                   help="do not store Deequ's analyzer states with the run (each costs a small file "
                        "write, ~20 ms where Hadoop has no native library)")
    _add_format(p)

    p = sub.add_parser("gate", help="print the certified Delta version, or exit 1 with the reason")
    p.add_argument("suite", metavar="SUITE")
    p.add_argument("--version", dest="dataset_version", type=_version,
                   help="version the training job wants (default: the suite's dataset.version, else the "
                        "table's latest)")
    p.add_argument("--metrics", help="metrics location, as for run")
    _add_format(p)

    p = sub.add_parser("schema", help="print the JSON Schema of suite files")

    p = sub.add_parser("suggest", help="profile a table with Deequ and write a starter suite, each threshold "
                                       "commented with the value observed")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--table", help="metastore table to profile")
    source.add_argument("--path", help="Delta table path to profile")
    p.add_argument("--version", dest="dataset_version", type=_version,
                   help="Delta version to profile (default: the latest); the suite pins it")
    p.add_argument("--out", required=True, metavar="FILE", help="suite file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    _add_look_back_parsers(sub)

    p = sub.add_parser("report", help="write a self-contained HTML report of a run: the gate's verdict, failed "
                                      "constraints first, trends by dataset version, scores")
    p.add_argument("suite", metavar="SUITE")
    p.add_argument("--run", dest="run_id", metavar="RUN_ID",
                   help="the run to report (default: the suite's latest run on its dataset, by finished_at)")
    p.add_argument("--metrics", help="metrics location, as for run")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="directory to write <suite>-<run id>.html into (created if missing)")
    return parser


def _add_format(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: one JSON document on stdout for scripts, the text on stderr (default: text)")


def _add_look_back_parsers(sub: "argparse._SubParsersAction") -> None:
    """``runs`` and ``history``: read what runs recorded (no JVM for a local metrics directory)."""
    from dqengine.history import DEFAULT_LAST

    p = sub.add_parser("runs", help="list the suite's recent runs, newest first")
    p.add_argument("suite", metavar="SUITE")
    p.add_argument("--last", type=_count, default=DEFAULT_LAST, metavar="N",
                   help=f"how many runs (default {DEFAULT_LAST})")
    p.add_argument("--metrics", help="metrics location, as for run")
    _add_format(p)

    p = sub.add_parser("history", help="a metric's value per dataset version, with a sparkline")
    p.add_argument("suite", metavar="SUITE")
    p.add_argument("--metric", metavar="KEY|NAME",
                   help="a metric_key (or its first characters), a constraint label, or a Deequ metric "
                        "name such as Completeness(temperature); default: every metric of the latest run")
    p.add_argument("--metrics", help="metrics location, as for run")
    _add_format(p)


def _whole_number(what: str, minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``minimum``, else a one-line usage error naming ``what``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (a whole number >= {minimum})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is not {what} (a whole number >= {minimum})")
        return value

    return parse


_count = _whole_number("a number of runs", 1)
_version = _whole_number("a Delta version", 0)


def _validate(args: argparse.Namespace) -> int:
    from dqengine.checks import load_suite

    issues = []
    files = []
    for path in args.suites:
        try:
            suite = load_suite(path)
            print(f"{path}: valid ({len(suite.constraints)} constraints, fingerprint {suite.fingerprint[:12]})")
            files.append({"file": path, "valid": True, "constraints": len(suite.constraints),
                          "fingerprint": suite.fingerprint, "errors": []})
        except ConfigError as exc:
            issues.append(exc)
            files.append({"file": path, "valid": False, "constraints": None, "fingerprint": None,
                          "errors": str(exc).splitlines()})
    _document(args, lambda: _documents().validate_document(files))
    if issues:
        for exc in issues:
            print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


def _quiet_unless_verbose(spark: object, args: argparse.Namespace) -> None:
    """Spark's warnings go to stderr; without -v only its errors do."""
    if not args.verbose:
        spark.sparkContext.setLogLevel("ERROR")  # type: ignore[attr-defined]


@contextlib.contextmanager
def _interruptible() -> Iterator[Callable[[], None]]:
    """While a command runs, SIGINT (Ctrl-C) and SIGTERM stop it at once: ``interrupted``, exit
    128+signal, nothing recorded. The handler ends the JVM we launched and leaves without
    unwinding: a Deequ pass would otherwise go on until its Spark jobs end, and a cancelled pass
    comes back as failed metrics that must not be recorded. A run is one Delta commit, so
    stopping anywhere, even during the commit, leaves the whole run or nothing of it.

    Yields a function that installs the handler again (pyspark installs its own SIGINT handler
    when the session starts); the previous handlers are restored afterwards, so ``main()`` called
    in-process leaves the caller's handlers as they were."""

    def handler(signum: int, frame: object) -> None:
        print("interrupted", file=sys.stderr, flush=True)
        try:
            from pyspark import SparkContext

            process = getattr(SparkContext._gateway, "proc", None)  # None under spark-submit
            if process is not None:
                process.terminate()  # Spark's shutdown hooks remove its temporary directories
                try:
                    process.wait(timeout=5)
                except Exception:
                    process.kill()
                    process.wait(timeout=5)  # reaped before we go: no JVM outlives the command
        finally:
            os._exit(128 + signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread may
        yield lambda: None
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}

    def install() -> None:
        for signum in previous:
            signal.signal(signum, handler)

    install()
    try:
        yield install
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _run(args: argparse.Namespace) -> int:
    from dqengine.checks import load_suite
    from dqengine.databricks import publish_task_values
    from dqengine.report import format_run
    from dqengine.results import RunStatus
    from dqengine.progress import progress_to
    from dqengine.spark.dataset import dataset_identity
    from dqengine.spark.runner import run_suite
    from dqengine.spark.session import get_spark, small_local_table
    from dqengine.spark.store import resolve_location

    suite = load_suite(args.suite)  # before Spark starts
    location = resolve_location(args.metrics)
    progress = progress_to(sys.stderr)
    model = suite.dataset
    pinned = args.dataset_version if args.dataset_version is not None else model.version
    brief = model.table is None and small_local_table(dataset_identity(model), pinned)
    with _interruptible() as reinstall:
        spark = get_spark(f"dqengine:{suite.name}", extra_conf=_progress_conf(progress), brief=brief)
        reinstall()
        _quiet_unless_verbose(spark, args)
        try:
            run = run_suite(spark, suite, version=args.dataset_version, metrics=location, run_id=args.run_id,
                            states=args.states, progress=progress)
        except RecordingError as exc:  # computed, not recorded: the summary first, then why
            print(format_run(exc.run))
            print(f"dqengine: {exc}", file=sys.stderr)
            _document(args, lambda: _documents().run_document(exc.run, None, error=f"dqengine: {exc}"))
            return EXIT_RUNTIME
    print(format_run(run))
    recorded = run.extra.get('metrics_location', location)
    print(f"recorded in {recorded}")
    _document(args, lambda: _documents().run_document(run, str(recorded)))
    publish_task_values(spark, run)
    if run.status is RunStatus.ERROR:
        return EXIT_RUNTIME
    return EXIT_OK if run.status.certifies else EXIT_CHECKS_FAILED


def _lazy_spark(args: argparse.Namespace, app: str, reinstall: Callable[[], None]) -> Callable[[], object]:
    """The session, started on first call only (the look-back commands and the gate need none on
    local paths), then the same one; quiet unless -v, our signal handlers put back."""
    sessions: list = []

    def spark() -> object:
        if not sessions:
            from dqengine.spark.session import get_spark

            sessions.append(get_spark(app, brief=True))
            reinstall()
            _quiet_unless_verbose(sessions[0], args)
        return sessions[0]

    return spark


def _gate_decision(suite, version: int | None, location, spark: Callable[[], object]):
    """The gate's decision: without a JVM when the dataset and the metrics are local paths
    (``dqengine.fastgate``), else through Spark; the one rule either way (``dqengine.certify``)."""
    from dqengine import fastgate

    if fastgate.applies(suite, location) and os.environ.get("DQENGINE_GATE_SPARK") != "1":
        return fastgate.decide(suite, version=version, location=location)
    from dqengine.spark.gate import decide

    return decide(spark(), suite, version=version, metrics=location)


def _gate(args: argparse.Namespace) -> int:
    from dqengine.checks import load_suite
    from dqengine.spark.store import resolve_location

    suite = load_suite(args.suite)
    location = resolve_location(args.metrics)
    with _interruptible() as reinstall:
        decision = _gate_decision(suite, args.dataset_version, location,
                                  _lazy_spark(args, f"dqengine-gate:{suite.name}", reinstall))
    _document(args, lambda: _documents().gate_document(decision, suite.name))
    if decision.certified:
        # The reason first, the version last: spark-submit merges a Python job's stderr into its
        # stdout, and there `... | tail -n 1` still yields exactly the version.
        print(f"gate: {decision.dataset} version {decision.version}: {decision.reason}", file=sys.stderr, flush=True)
        print(decision.version, flush=True)
        return EXIT_OK
    print(f"gate: BLOCKED {decision.dataset} version {decision.version}: {decision.reason}", file=sys.stderr)
    return EXIT_CHECKS_FAILED


def _documents():
    from dqengine import documents

    return documents


def _document(args: argparse.Namespace, build: Callable[[], dict]) -> None:
    """Keep the command's JSON document for ``main`` to print (``--format json`` only)."""
    if getattr(args, "format", "text") == "json":
        args.document = build()


def _progress_conf(progress: object) -> dict[str, str]:
    """Spark's console progress bar (stage progress on stderr) only for a person watching."""
    return {"spark.ui.showConsoleProgress": "true"} if progress is not None else {}


def _open_look_back(args: argparse.Namespace, reinstall: Callable[[], None]):
    """The suite, its dataset identity, and the reader of its metrics location (``runs``, ``history``)."""
    from dqengine.checks import load_suite
    from dqengine.spark.dataset import dataset_identity
    from dqengine.spark.store import open_records, resolve_location

    suite = load_suite(args.suite)
    location = resolve_location(args.metrics)

    records = open_records(location, _lazy_spark(args, f"dqengine-{args.command}:{suite.name}", reinstall))
    store = getattr(records, "store", None)  # through Spark: a bare word settled to a schema or directory
    return suite, dataset_identity(suite.dataset), str(store.location if store else records.location), records


def _recorded_runs(records, suite, dataset: str, where: str, columns: list[str], suite_file: str) -> list[dict]:
    from dqengine import metrics_schema as ms
    from dqengine.history import NoRuns

    runs = records.rows(ms.RUNS, columns, suite=suite.name, dataset=dataset)
    if not runs:
        raise NoRuns(suite.name, dataset, where, suite_file)
    return runs


def _runs(args: argparse.Namespace) -> int:
    from dqengine import metrics_schema as ms
    from dqengine.history import format_runs, recent_runs, runs_document

    with _interruptible() as reinstall:
        suite, dataset, where, records = _open_look_back(args, reinstall)
        runs = _recorded_runs(records, suite, dataset, where,
                              ["run_id", "dataset_version", "status", "started_at", "finished_at", "row_count",
                               "constraints_total"], args.suite)
        checks = records.rows(ms.CHECK_RESULTS, ["run_id", "check", "constraint_index", "label", "severity",
                                                 "status", "constraint_id"], suite=suite.name, dataset=dataset)
    summaries = recent_runs(runs, checks, args.last)
    print(format_runs(suite.name, dataset, summaries))
    _document(args, lambda: runs_document(suite.name, dataset, where, summaries))
    return EXIT_OK


def _history(args: argparse.Namespace) -> int:
    from dqengine import metrics_schema as ms
    from dqengine.history import (format_history, format_series, history_document, latest_run_series,
                                  metric_series, select_metric)

    with _interruptible() as reinstall:
        suite, dataset, where, records = _open_look_back(args, reinstall)
        _recorded_runs(records, suite, dataset, where, ["run_id"], args.suite)
        metrics = records.rows(ms.METRICS, ["run_id", "dataset_version", "entity", "instance", "name", "value",
                                            "finished_at", "metric_key"], suite=suite.name, dataset=dataset)
        checks = records.rows(ms.CHECK_RESULTS, ["label", "metric_key"], suite=suite.name, dataset=dataset)
    series = metric_series(metrics, checks)
    if args.metric is not None:
        chosen = [select_metric(args.metric, series)]
        print(format_series(chosen[0]))
    else:
        chosen = latest_run_series(series)
        print(format_history(suite.name, dataset, chosen))
    _document(args, lambda: history_document(suite.name, dataset, where, chosen))
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    import json

    from dqengine.schema import suite_json_schema

    print(json.dumps(suite_json_schema(), indent=2, sort_keys=True))
    return EXIT_OK


def _wants_json(argv: Sequence[str]) -> bool:
    """``--format json`` is among the arguments: read before parsing, so that a usage error too
    answers with a JSON document."""
    argv = list(argv)
    return "--format=json" in argv or any(a == "--format" and b == "json" for a, b in zip(argv, argv[1:]))


def _print_document(document: dict) -> None:
    from dqengine.documents import dumps

    print(dumps(document), flush=True)


def _failed(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> tuple[int, str | None]:
    """Run the command: (exit code, None), or (exit code, the message printed on stderr) when it failed."""
    try:
        return handler(args), None
    except ConfigError as exc:
        message = str(exc) if exc.issues else f"dqengine: {exc}"
        code = exc.exit_code
    except DQEngineError as exc:
        message, code = f"dqengine: {exc}", exc.exit_code
    except Exception as exc:  # the last line of defence: one line, runtime exit code
        logger.debug("unexpected failure", exc_info=True)
        message, code = f"dqengine: internal error: {type(exc).__name__}: {first_line(exc)}", EXIT_RUNTIME
    print(message, file=sys.stderr)
    return code, message


def _suggest(args: argparse.Namespace) -> int:
    """Deequ's profiler and suggestion rules on one pinned version, written as a suite that
    ``validate`` accepts (read back before it is written); prints the file's path."""
    import json
    import tempfile
    from datetime import datetime, timezone

    from dqengine.checks import parse_suite
    from dqengine.errors import DatasetError
    from dqengine.suggest import suggestions_from_deequ, suite_name_for, suite_yaml

    out = os.path.abspath(args.out)
    if os.path.isdir(out):
        raise ConfigError(f"--out {args.out}: is a directory; give the suite file to write, e.g. "
                          f"{os.path.join(args.out, 'suite.yml')}")
    if os.path.exists(out) and not args.force:
        raise ConfigError(f"--out {args.out}: exists; pass --force to replace it, or give another file")
    if not os.path.isdir(os.path.dirname(out)):
        raise ConfigError(f"--out {args.out}: directory {os.path.dirname(out)} does not exist; create it first")
    where, value = ("table", args.table) if args.table is not None else ("path", args.path)
    dataset: dict = {where: value}
    probe_text = f"suite: probe\ndataset: {{{where}: {json.dumps(value)}}}\nchecks:\n  - name: c\n    constraints:\n" \
                 "      - row_count: {must_be_greater_than: 0}\n"
    try:
        probe = parse_suite(probe_text, f"--{where}")
    except ConfigError as exc:  # a table name our suites refuse: say it of the option
        raise ConfigError(f"--{where} {value}: " + "; ".join(i.message for i in exc.issues)) from None
    from dqengine.spark.dataset import pin_dataset
    from dqengine.spark.session import get_spark
    from dqengine.spark.suggest import confirm_unique, profile_and_suggest

    with _interruptible() as reinstall:
        spark = get_spark(f"dqengine-suggest:{value}")
        reinstall()
        _quiet_unless_verbose(spark, args)
        try:
            pinned = pin_dataset(spark, probe, args.dataset_version)
        except DatasetError as exc:
            raise DatasetError(f"--{where} {value}: " + ("; ".join(i.message for i in exc.issues)
                                                         if exc.issues else str(exc))) from None
        profiles, suggested, rows = profile_and_suggest(spark, pinned.df)
        items, left_out = suggestions_from_deequ(profiles, suggested, pinned.schema, rows)
        items, not_unique = confirm_unique(spark, dataset, pinned.version, items)
    left_out = not_unique + left_out
    dataset["version"] = pinned.version
    text = suite_yaml(name=suite_name_for(value), dataset=dataset, described=f"{value} version {pinned.version}",
                      rows=rows, generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      suggestions=items, left_out=left_out)
    parse_suite(text, out)  # what we write must load; a ConfigError here is ours, reported as is
    fd, temp = tempfile.mkstemp(prefix=".suggest-", suffix=".yml", dir=os.path.dirname(out))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    print(f"suggest: {len(items)} constraints from {rows} rows of {value} version {pinned.version}"
          + (f"; {len(left_out)} suggestion(s) left out, listed at the end with why" if left_out else ""),
          file=sys.stderr)
    print(out)
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    """The HTML page of one run (``dqengine.html_report``); prints the file's path. On local paths
    no JVM is started (the records and the gate are read with delta-rs)."""
    from datetime import datetime, timezone

    from dqengine import html_report
    from dqengine import metrics_schema as ms
    from dqengine.checks import load_suite
    from dqengine.errors import DatasetError
    from dqengine.plots import trend_png
    from dqengine.spark.dataset import dataset_identity
    from dqengine.spark.store import open_records, resolve_location

    suite = load_suite(args.suite)
    location = resolve_location(args.metrics)
    out_dir = html_report.check_out_dir(args.out)
    dataset = dataset_identity(suite.dataset)
    scope = {"suite": suite.name, "dataset": dataset}
    with _interruptible() as reinstall:
        spark = _lazy_spark(args, f"dqengine-report:{suite.name}", reinstall)  # none on local paths
        records = open_records(location, spark)
        runs = records.rows(ms.RUNS, html_report.RUN_COLUMNS, **scope)
        run = html_report.select_run(runs, args.run_id, suite=suite.name, suite_file=args.suite, dataset=dataset,
                                     location=str(location))
        history = records.rows(ms.CHECK_RESULTS, html_report.CHECK_COLUMNS, **scope)
        scores = records.rows(ms.SCORES, html_report.SCORE_COLUMNS, run_id=run["run_id"], **scope)
        # The gate's own decision about the version this run verified.
        version = run["dataset_version"]
        try:
            decision = _gate_decision(suite, version, location, spark)
            verdict = html_report.Verdict(decision.certified, decision.version, decision.reason)
        except DatasetError as exc:  # the dataset (or that version) is gone: report the run all the same
            verdict = html_report.Verdict(None, version, f"the gate cannot decide: {exc}")
    report = html_report.assemble(
        suite=suite.name, location=str(location), run=run,
        check_rows=[h for h in history if h["run_id"] == run["run_id"]], history=history, score_rows=scores,
        verdict=verdict, engine_version=__version__, generated_at=datetime.now(timezone.utc), runs_recorded=len(runs))
    page = html_report.render_html(report, {t.key: trend_png(t) for t in report.trends})
    print(html_report.write_report(page, out_dir, html_report.report_file_name(suite.name, run["run_id"])))
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Text mode prints what each command prints; ``--format json`` prints one JSON document on
    stdout instead (the command's, or ``{"error": ..., "exit_code": ...}`` when it failed, the
    same line as on stderr) and sends the text to stderr. The exit code is the same either way."""
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    try:
        args = build_parser().parse_args(argv)
    except ConfigError as exc:
        message = str(exc) if str(exc).startswith("dqengine") else f"dqengine: {exc}"
        print(message, file=sys.stderr)
        if as_json:
            _print_document(_documents().error_document(message, EXIT_CONFIG))
        return EXIT_CONFIG
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = {"validate": _validate, "run": _run, "gate": _gate, "schema": _schema, "runs": _runs,
               "history": _history, "report": _report, "suggest": _suggest}[args.command]
    if getattr(args, "format", "text") != "json":
        return _failed(handler, args)[0]
    with contextlib.redirect_stdout(sys.stderr):  # the text, for a person watching
        code, message = _failed(handler, args)
    document = getattr(args, "document", None) if message is None else None  # failed: the error, always
    if document is None:
        document = _documents().error_document(message or "dqengine: no result", code)
    _print_document(document)
    return code


if __name__ == "__main__":
    sys.exit(main())
