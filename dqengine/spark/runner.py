"""Run a suite: pin the data, plan, compute every metric pass by pass, judge, record.

Failure policy:

* anything wrong with the suite or the dataset (missing table, version, column; bad expression) is
  found before any metric is computed and raised as ``ConfigError``/``DatasetError``: nothing is
  recorded (exit 2);
* the metrics location is created (or checked) before any metric is computed, so an unwritable
  location fails in seconds, not after the scan;
* a failure while computing (Spark, Deequ) is recorded as a run with status ERROR and every
  constraint ERROR with the reason, when the metrics tables can still be written (exit 3);
* one metric failing (a wrong column type, say) fails only the constraints that need it;
* a run that was computed but could not be recorded raises ``RecordingError`` carrying the run,
  so that its summary can still be shown.
"""
from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Mapping

from dqengine._version import __version__
from dqengine.certify import score_failures
from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec, WindowColumn
from dqengine.checks.suite import ConstraintSpec, Suite
from dqengine.errors import ConfigError, DatasetError, RecordingError, first_line
from dqengine.identity import MetricScope, verdict_metric_name
from dqengine.planner import ROW_COUNT, Plan, plan_suite, row_violations
from dqengine.platforms import platform_for
from dqengine.progress import Progress
from dqengine.scores import score_results
from dqengine.results import (ConstraintResult, ConstraintStatus, Outcome, RunResult, RunStatus, StateRecord,
                              run_status)
from dqengine.spark.dataset import PinnedDataset, dataset_identity, pin_dataset, preflight
from dqengine.spark.providers import compute_plan, detail_rows
from dqengine.spark.quarantine import check_outputs, write_outputs
from dqengine.spark.reference import PinnedReference, pin_references
from dqengine.spark.session import ensure_classic_session
from dqengine.spark.states import PAYLOAD_FORMAT, StateCapture, record_kind
from dqengine.spark.store import MetricsLocation, MetricsStore, resolve_location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["run_suite", "new_run_id", "deequ_version"]

logger = logging.getLogger(__name__)

_RUN_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


def new_run_id() -> str:
    return uuid.uuid4().hex


def deequ_version(spark: "SparkSession") -> str:
    """The Deequ build actually on the classpath (from its jar name), else the platform's."""
    try:
        cls = spark._jvm.java.lang.Class.forName("com.amazon.deequ.analyzers.Size")
        location = str(cls.getProtectionDomain().getCodeSource().getLocation().toString())
        match = re.search(r"deequ[-_](\d[\w.\-]*?)\.jar", location)
        if match:
            return match.group(1)
    except Exception:  # a classpath without a code source (shaded, notebooks): fall back
        logger.debug("could not read the Deequ jar name", exc_info=True)
    return platform_for(spark.version).deequ_version


@dataclass(frozen=True)
class _Context:
    row_count: int | None
    schema: Mapping[str, str]
    outputs: Mapping[AnalyzerSpec, AnalyzerOutput]
    #: The run's start (UTC): what ``freshness`` measures age against unless it has an ``as_of``.
    started_at: datetime | None = None

    def output(self, spec: AnalyzerSpec) -> AnalyzerOutput:
        found = self.outputs.get(spec)
        if found is None:
            return AnalyzerOutput(error=f"{spec} was not computed")
        return replace(found, spec=spec)  # a verdict judged on it records its metric key


def _result(spec: ConstraintSpec, outcome: Outcome, metric_key: str | None = None) -> ConstraintResult:
    return ConstraintResult(
        check=spec.check, constraint_index=spec.index, constraint=spec.name, label=spec.label,
        columns=spec.columns, severity=spec.severity, dimension=spec.dimension,
        threshold=spec.threshold_text, status=outcome.status, metric_name=outcome.metric_name,
        metric_value=outcome.metric_value, message=outcome.message, constraint_id=spec.constraint_id,
        metric_key=metric_key, weight=spec.weight, row_fraction=spec.definition.row_fraction,
    )


def _verdict_key(plan: Plan, scope: MetricScope, ctx: _Context, outcome: Outcome) -> str | None:
    """The key of the metric a verdict is based on: its analyzer's metric (a histogram as a whole)."""
    if outcome.spec is None or outcome.spec not in ctx.outputs:
        return None
    name = verdict_metric_name(ctx.outputs[outcome.spec].records)
    return None if name is None else plan.metric_key(outcome.spec, name, scope)


def _explained(spec: ConstraintSpec, outcome: Outcome, df: "DataFrame | None",
               schema: Mapping[str, str]) -> Outcome:
    """A failed outcome with the rows its constraint's ``details`` ask for (the worst key, the
    first offending events): a Spark job of their own, run only for a failed constraint."""
    if df is None or outcome.status is not ConstraintStatus.FAILED:
        return outcome
    query = spec.definition.details(spec.params, schema, outcome)
    if query is None:
        return outcome
    try:
        rows = detail_rows(df, query)
    except Exception as exc:  # the verdict stands without its explanation
        logger.warning("details of %s failed: %s", spec.label, first_line(exc))
        return outcome
    return spec.definition.described(spec.params, outcome, rows)


def _evaluate(suite: Suite, ctx: _Context, dropped: Mapping[tuple[str, int], str], plan: Plan,
              scope: MetricScope, df: "DataFrame | None" = None) -> tuple[ConstraintResult, ...]:
    results = []
    for spec in suite.constraints:
        if (spec.check, spec.index) in dropped:
            results.append(_result(spec, Outcome(ConstraintStatus.ERROR, None, None,
                                                 dropped[(spec.check, spec.index)])))
            continue
        try:
            outcome = spec.definition.evaluate(spec.params, ctx)
            outcome = _explained(spec, outcome, df, ctx.schema)
        except Exception as exc:  # one broken verdict must not hide the others
            logger.exception("evaluating %s failed", spec.label)
            outcome = Outcome(ConstraintStatus.ERROR, None, None, f"evaluation failed: {exc}")
        results.append(_result(spec, outcome, _verdict_key(plan, scope, ctx, outcome)))
    return tuple(results)


def _state_records(plan: Plan, scope: MetricScope, outputs: Mapping[AnalyzerSpec, AnalyzerOutput],
                   capture: StateCapture, deequ: str) -> tuple[StateRecord, ...]:
    """One record per analyzer whose state Deequ kept, keyed as its metric (once per key: two
    ``satisfies`` with one expression and two labels compute one metric twice)."""
    records: dict[str, StateRecord] = {}
    for spec in plan.analyzers:
        state, output = capture.states.get(spec), outputs.get(spec)
        kind = record_kind(spec)
        name = verdict_metric_name(output.records) if output is not None else None
        if state is None or kind is None or name is None:
            continue
        key = plan.metric_key(spec, name, scope)
        first = output.records[0]
        records.setdefault(key, StateRecord(kind, key, first.entity, plan.instance(first.instance), name,
                                            state.payload, f"{PAYLOAD_FORMAT}@{deequ}", state.state_type))
    return tuple(records.values())


def _quarantine(spark: "SparkSession", suite: Suite, pinned: PinnedDataset, run_id: str,
                results: tuple[ConstraintResult, ...], dropped: Mapping[tuple[str, int], str],
                references: Mapping[str, PinnedReference], scope: MetricScope) -> tuple:
    """Write the quarantine/clean rows (``dqengine.spark.quarantine``): every row-level constraint
    but those whose metric could not be computed (ERROR), whose rows would not be judged either."""
    skip = set(dropped) | {(r.check, r.constraint_index) for r in results if r.status is ConstraintStatus.ERROR}
    violations = row_violations(suite, skip, pinned.schema)
    lookups = tuple(dict.fromkeys(lookup for c in suite.constraints if (c.check, c.index) not in skip
                                  for lookup in c.definition.reference_lookups(c.params)))
    windows: dict[tuple, dict[str, WindowColumn]] = {}  # the window columns the violations read
    for c in suite.constraints:
        if (c.check, c.index) in skip or c.definition.row_violation(c.params, pinned.schema) is None:
            continue
        for column in c.definition.window_columns_for(c.params, pinned.schema):
            windows.setdefault(column.window, {})[column.name] = column
    return write_outputs(spark, suite, pinned.df, pinned.version, run_id, violations, lookups, references, scope,
                         tuple(tuple(columns.values()) for columns in windows.values()))


def run_suite(spark: "SparkSession", suite: Suite, *, version: int | None = None,
              metrics: str | MetricsLocation | None = None, run_id: str | None = None,
              record: bool = True, states: bool = True, progress: Progress | None = None) -> RunResult:
    """Verify the suite's dataset at one pinned Delta version and record the run.

    ``states``: also record Deequ's analyzer states (``state``/``sketch`` rows), which a later
    run can merge instead of rescanning; each costs a small file write (see
    ``dqengine.spark.states``). ``progress``: called with one short line per step (each pass,
    the recording), for a person watching (``dqengine.progress``).
    """
    ensure_classic_session(spark)
    fresh = run_id is None  # a run id made here is new: its rows need not replace any
    run_id = run_id or new_run_id()
    if not _RUN_ID.match(run_id):
        raise ConfigError(f"--run-id {run_id!r}: use 1-128 letters, digits, '_', '.', ':' or '-'")
    location = metrics if isinstance(metrics, MetricsLocation) else resolve_location(metrics)
    started = datetime.now(timezone.utc)

    store = MetricsStore(spark, location) if record else None  # checks the location first
    if store is not None:
        check_outputs(suite, store.location)  # a quarantine among the metrics: config error
    pinned: PinnedDataset = pin_dataset(spark, suite, version)
    has_history = store is not None and store.has_runs(suite.name, pinned.identity)
    references, reference_issues = pin_references(spark, suite, pinned.schema)
    try:
        dropped = preflight(spark, suite, pinned, tolerate_missing=has_history)
    except DatasetError as exc:  # every problem at once: the dataset's and the references'
        raise (DatasetError(list(exc.issues) + reference_issues) if exc.issues and reference_issues else exc)
    if reference_issues:
        raise DatasetError(reference_issues)
    plan = plan_suite(suite, skip=dropped, schema=pinned.schema)
    if store is not None:
        store.ensure_writable()  # before the scan: a location we cannot write fails in seconds

    status = RunStatus.PASSED  # judged once every verdict and score is known
    message = ""
    row_count: int | None = None
    scope = MetricScope(pinned.identity, suite.dataset.where)
    deequ = deequ_version(spark)
    state_records: tuple[StateRecord, ...] = ()
    capture: StateCapture | None = None
    try:
        from pyspark.sql import functions as F

        df = pinned.df
        for name, expression in plan.derived_columns:  # expressions come from registry code
            df = df.withColumn(name, F.expr(expression))
        capture = StateCapture() if store is not None and states else None
        outputs = compute_plan(df, plan, states=capture, references=references, progress=progress)
        size = outputs[ROW_COUNT].value()
        row_count = int(size) if size is not None else None
        results = _evaluate(suite, _Context(row_count, pinned.schema, outputs, started), dropped, plan, scope, df)
        metric_records = plan.metric_records(outputs, scope)
        if capture is not None:
            state_records = _state_records(plan, scope, outputs, capture, deequ)
        if store is not None and (suite.quarantine is not None or suite.clean is not None):
            try:  # the verdicts stand; a run whose quarantine is not written is not certified
                metric_records += _quarantine(spark, suite, pinned, run_id, results, dropped, references, scope)
            except Exception as exc:
                logger.exception("run %s: writing the quarantine failed", run_id)
                status = RunStatus.ERROR
                message = f"cannot write the quarantine/clean rows: {first_line(exc)}"
    except Exception as exc:
        if capture is not None:
            capture.wait()  # its temporary files gone before the run is reported
        logger.exception("run %s failed while computing metrics", run_id)
        message = f"run failed while computing metrics: {first_line(exc)}"
        status = RunStatus.ERROR
        results = tuple(_result(spec, Outcome(ConstraintStatus.ERROR, None, None, message))
                        for spec in suite.constraints)
        metric_records = ()
    scores = score_results(results)
    below: tuple[str, ...] = ()
    if status is not RunStatus.ERROR:
        below = score_failures(suite.min_score, scores.as_mapping())
        status = run_status(results, below)
        failed = [r for r in results if r.status is not ConstraintStatus.PASSED]
        message = (f"{len(results) - len(failed)} of {len(results)} constraints passed"
                   + (f"; blocking: {', '.join(f'{r.check}/{r.label}' for r in failed if r.blocking)}"
                      if any(r.blocking for r in failed) else "")
                   + (f"; {'; '.join(below)}" if below else ""))

    unfiltered = _unfiltered_rows(spark, suite, pinned.version) if suite.dataset.where and row_count == 0 else None
    run = RunResult(
        run_id=run_id, suite=suite.name, suite_fingerprint=suite.fingerprint,
        dataset=dataset_identity(suite.dataset), dataset_version=pinned.version,
        started_at=started, finished_at=datetime.now(timezone.utc), status=status,
        row_count=row_count, engine_version=__version__, spark_version=spark.version,
        deequ_version=deequ, constraints=results, metrics=metric_records, states=state_records,
        message=message, extra={"dataset_filter": suite.dataset.where or "",
                                "metrics_location": str(store.location) if store is not None else ""},
        unfiltered_row_count=unfiltered, scores=tuple(scores), score_failures=below,
    )
    if store is not None:
        if progress is not None:
            progress(f"recording run {run_id} in {store.location}...")
        try:
            store.write(run, fresh=fresh)
        except Exception as exc:
            raise RecordingError(f"{first_line(exc)}", run) from exc
    return run


def _unfiltered_rows(spark: "SparkSession", suite: Suite, version: int) -> int:
    """Rows of the version before the suite's ``where``; Delta answers a count from its log."""
    reader = spark.read.format("delta").option("versionAsOf", version)
    model = suite.dataset
    df = reader.table(model.table) if model.table is not None else reader.load(dataset_identity(model))
    return df.count()
