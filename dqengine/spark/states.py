"""Deequ's analyzer states of a run, as bytes to store, and metrics computed back from them.

A Deequ analyzer computes a *state* (counts, sums, a sketch) and derives its metric from it;
states of two pieces of data merge, which is how Deequ verifies appends incrementally. Deequ
keeps them behind ``StatePersister``/``StateLoader``: ``InMemoryStateProvider`` holds the state
objects, ``HdfsStateProvider`` serialises each kind of state to a file (a few longs and doubles,
or a sketch's bytes).

Nothing is serialised here: the run hands Deequ an ``InMemoryStateProvider``
(``AnalysisRunner.run(..., saveStatesWith)``, which only keeps references to states Deequ
computes anyway); afterwards one ``AnalysisRunner.runOnAggregatedStates`` over the analyzers
whose states we store loads them from memory and saves them with an ``HdfsStateProvider`` in a
driver-local temporary directory (no data is read), and the files are read back as bytes. The
payload is exactly the file Deequ wrote; loading writes it back where ``HdfsStateProvider`` looks
for it and lets ``runOnAggregatedStates`` compute the metrics.

Cost: nothing in the scan; one small file per state, written through Hadoop's local file
system. Where Hadoop has no native library (a pip-installed pyspark) each file write forks a
``chmod``: about 20 ms, so 0.3-0.7 s for 18 analyzers and 5-6 s for 300 on a loaded 2-core machine
(measured on 1M rows and on 300 columns); with the native library (Databricks, EMR) far less.
So the files are written by a background thread while the run's later passes compute, and only
reading ``StateCapture.states`` waits for them. ``dqengine run --no-states`` leaves them out.

Which states are stored: the analyzers whose ``HdfsStateProvider`` state is one small file.
The frequency-based ones (Uniqueness, Distinctness, CountDistinct, Entropy) are not: their state
is a table of every distinct value (as large as the column), which ``HdfsStateProvider`` writes
as Parquet, and ``ColumnCount`` has no state Deequ can persist. ApproxQuantile (a quantile
summary) and ApproxCountDistinct (HyperLogLog++ registers) are stored as ``sketch`` records, the
others as ``state`` records.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.errors import first_line
from dqengine.results import StateRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["CapturedState", "StateCapture", "STATE_KINDS", "SKETCH_KINDS", "PAYLOAD_FORMAT", "record_kind",
           "metrics_from_states", "match_states"]

logger = logging.getLogger(__name__)

#: How a payload is to be read: the bytes of the file Deequ's HdfsStateProvider writes for it.
PAYLOAD_FORMAT = "deequ.HdfsStateProvider"
#: Analyzer kinds whose state is a sketch (stored as ``sketch`` records).
SKETCH_KINDS = frozenset({"ApproxQuantile", "ApproxCountDistinct"})
#: Analyzer kinds whose state HdfsStateProvider writes as one small file (stored as ``state``).
STATE_KINDS = frozenset({"Size", "Completeness", "Compliance", "PatternMatch", "Sum", "Mean", "Minimum",
                         "Maximum", "MinLength", "MaxLength", "DataType", "Correlation",
                         "StandardDeviation"})


def record_kind(spec: AnalyzerSpec) -> str | None:
    """``sketch``, ``state``, or None for an analyzer whose state is not stored."""
    if spec.kind in SKETCH_KINDS:
        return "sketch"
    if spec.kind in STATE_KINDS:
        return "state"
    return None


@dataclass(frozen=True)
class CapturedState:
    payload: bytes
    #: Deequ's class of the state, e.g. ``NumMatchesAndCount``, ``ApproxQuantileState``
    state_type: str


def _some(jvm: Any, value: Any) -> Any:
    return jvm.scala.Option.apply(value)


def _seq(jvm: Any, items: Iterable[Any]) -> Any:
    return jvm.PythonUtils.toSeq(list(items))


def _hdfs_provider(spark: "SparkSession", directory: str) -> Any:
    """An HdfsStateProvider writing ``<directory>/s-<id>.bin`` on the driver's own disk."""
    prefix = Path(directory, "s").as_uri()
    return spark._jvm.com.amazon.deequ.analyzers.HdfsStateProvider(spark._jsparkSession, prefix, 1, True)


def _murmur(spark: "SparkSession") -> Any:
    return getattr(getattr(spark._jvm.scala.util.hashing, "MurmurHash3$"), "MODULE$")


def _state_file(directory: str, murmur: Any, jvm_analyzer: Any) -> str:
    """Where HdfsStateProvider keeps the state of ``jvm_analyzer``.

    It names the file ``<prefix>-<MurmurHash3.stringHash(analyzer.toString, 42)>.bin``; should a
    Deequ release name it otherwise, no state is found (a warning says so) and the round-trip
    test fails.
    """
    return os.path.join(directory, f"s-{murmur.stringHash(jvm_analyzer.toString(), 42)}.bin")


def _run_on_states(df: "DataFrame", analyzers: Iterable[Any], loader: Any, persister: Any = None) -> Any:
    """Deequ's ``AnalysisRunner.runOnAggregatedStates``: metrics from the states ``loader`` has
    (no data is read; ``df`` gives the schema), saving them with ``persister`` if given."""
    jvm = df.sparkSession._jvm
    analysis = jvm.com.amazon.deequ.analyzers.Analysis(_seq(jvm, analyzers))
    save = jvm.scala.Option.empty() if persister is None else _some(jvm, persister)
    return jvm.com.amazon.deequ.analyzers.runners.AnalysisRunner.runOnAggregatedStates(
        df._jdf.schema(), analysis, _seq(jvm, [loader]), save,
        jvm.org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK(), jvm.scala.Option.empty(),
        jvm.scala.Option.empty())


class StateCapture:
    """Collects the states of the analyzers of a run (see the module docstring).

    ``run`` replaces ``AnalysisRunBuilder.run()`` for one analysis; ``states`` then holds the
    payload of every analyzer whose state Deequ computed and we store. Capturing never fails a
    run: a state that cannot be serialised is logged and left out.
    """

    def __init__(self) -> None:
        self._states: dict[AnalyzerSpec, CapturedState] = {}
        self._pending: list[threading.Thread] = []
        #: Analyzers computed for the plan's own use (its helpers): their states are not stored.
        self.skip: set[AnalyzerSpec] = set()

    @property
    def states(self) -> dict[AnalyzerSpec, CapturedState]:
        """Every captured state, once the files of each analysis are written and read back."""
        self.wait()
        return self._states

    def wait(self) -> None:
        while self._pending:
            self._pending.pop(0).join()

    def run(self, df: "DataFrame", analyzers: Mapping[AnalyzerSpec, Any]) -> Any:
        """Deequ's ``AnalysisRunner.run`` over ``analyzers`` (spec -> JVM analyzer), saving states."""
        spark = df.sparkSession
        jvm = spark._jvm
        memory = jvm.com.amazon.deequ.analyzers.InMemoryStateProvider()
        analysis = jvm.com.amazon.deequ.analyzers.Analysis(_seq(jvm, analyzers.values()))
        context = jvm.com.amazon.deequ.analyzers.runners.AnalysisRunner.run(
            df._jdf, analysis, jvm.scala.Option.empty(), _some(jvm, memory),
            jvm.org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK())
        wanted = {spec: a for spec, a in analyzers.items()
                  if record_kind(spec) is not None and spec not in self.skip}
        if wanted:
            # In the background, while the next passes run: each state file costs a fork of
            # ``chmod`` (see the module docstring), 0.7 s of suite C's 58 constraints on 1M rows.
            from pyspark import InheritableThread  # closes its JVM thread's connection when done

            thread = InheritableThread(target=self._serialise, args=(df, memory, wanted),
                                       name="dqengine-states", daemon=True)
            thread.start()
            self._pending.append(thread)
        return context

    def _serialise(self, df: "DataFrame", memory: Any, analyzers: Mapping[AnalyzerSpec, Any]) -> None:
        """Write the states to files with Deequ, then read them back (a background thread: a
        failure is logged, never raised; those states are left out)."""
        spark = df.sparkSession
        try:
            with tempfile.TemporaryDirectory(prefix="dqengine-states-") as directory:
                # One call for all of them: Deequ loads each state from memory and saves it to disk
                # (a call per analyzer costs ~20 ms of round trips: 6 s for 300 columns).
                _run_on_states(df, analyzers.values(), memory, _hdfs_provider(spark, directory))
                self._read_back(directory, memory, analyzers, spark)
        except Exception as exc:  # py4j wraps whatever Deequ or Hadoop raised
            logger.warning("analyzer states not stored: %s", first_line(exc))

    def _read_back(self, directory: str, memory: Any, analyzers: Mapping[AnalyzerSpec, Any],
                   spark: "SparkSession") -> None:
        murmur = _murmur(spark)
        types: dict[str, str] = {}
        for spec, analyzer in analyzers.items():
            path = _state_file(directory, murmur, analyzer)
            if not os.path.exists(path):
                # Not popped: an analysis recomputing this analyzer apart may have stored its state.
                if memory.load(analyzer).isDefined():  # else: no rows, or only nulls, so no state
                    logger.warning("state of %s not stored: HdfsStateProvider did not write %s", spec, path)
                continue
            with open(path, "rb") as fh:
                payload = fh.read()
            if spec.kind not in types:  # one kind of analyzer, one class of state
                types[spec.kind] = memory.load(analyzer).get().getClass().getSimpleName()
            self._states[spec] = CapturedState(payload, types[spec.kind])


def metrics_from_states(df: "DataFrame", payloads: Mapping[AnalyzerSpec, bytes]) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """What Deequ computes from stored states alone, by ``AnalysisRunner.runOnAggregatedStates``.

    ``payloads``: spec -> the payload a run stored for it. ``df`` only gives the schema the
    analyzers' preconditions are checked against; no data is read.
    """
    from dqengine.spark.deequ import _factories, _pydeequ_analyzers, _records

    spark = df.sparkSession
    jvm = spark._jvm
    factories = _factories(_pydeequ_analyzers(spark.version), jvm)
    analyzers = {spec: factories[spec.kind](spec) for spec in payloads}
    with tempfile.TemporaryDirectory(prefix="dqengine-states-") as directory:
        murmur = _murmur(spark)
        for spec, analyzer in analyzers.items():
            with open(_state_file(directory, murmur, analyzer), "wb") as fh:
                fh.write(payloads[spec])
        metric_map = _run_on_states(df, analyzers.values(), _hdfs_provider(spark, directory)).metricMap()
    out: dict[AnalyzerSpec, AnalyzerOutput] = {}
    for spec, analyzer in analyzers.items():
        found = metric_map.get(analyzer)
        if found.isEmpty():
            out[spec] = AnalyzerOutput(error="Deequ computed no metric from the stored state")
        elif found.get().value().isSuccess():
            out[spec] = AnalyzerOutput(records=_records(found.get(), spec))
        else:
            out[spec] = AnalyzerOutput(error=first_line(found.get().value().failed().get().getMessage()))
    return out


def match_states(plan: Any, scope: Any, stored: Iterable[StateRecord]) -> dict[AnalyzerSpec, StateRecord]:
    """The stored state of each analyzer of ``plan`` (a ``dqengine.planner.Plan``), found by key.

    A state row is keyed as its analyzer's Deequ metric, whose name (``Completeness``,
    ``ApproxQuantile-0.5``, ``Histogram``) Deequ gives only once it has run; the row keeps it, so
    each analyzer's key is computed with each stored name. ``scope``: the run's ``MetricScope``.
    """
    stored = list(stored)
    by_key = {s.key: s for s in stored}
    names = sorted({s.name for s in stored})
    out: dict[AnalyzerSpec, StateRecord] = {}
    for spec in plan.analyzers:
        for name in names:
            found = by_key.get(plan.metric_key(spec, name, scope))
            if found is not None:
                out[spec] = found
                break
    return out
