"""Compute a set of ``AnalyzerSpec`` with Deequ in one analysis run, and read back every metric.

The analyzers are built with pydeequ's wrappers (which construct the JVM objects) and run through
Deequ's ``AnalysisRunBuilder``: Deequ fuses scan-shareable analyzers into one pass over the data
and groups the frequency-based ones by column set. We read Deequ's metric map ourselves rather
than pydeequ's ``successMetricsAsDataFrame``, which drops failed metrics: a metric that could not
be computed must surface as an ERROR with its reason.

Deequ fuses the scan-shareable analyzers into one Spark aggregation, so one analyzer that fails
at Spark analysis or execution time fails the whole pass: every analyzer in it reports that
error. The analyzers of a failed pass are then recomputed in halves (group testing), so only the
ones that fail on their own stay failed; with one bad analyzer among n that costs about
2·log2(n) extra passes, and nothing when no pass fails; at worst (every analyzer fails on its own,
e.g. data files vacuumed after the version was pinned) 2n-2 passes, each failing fast.
"""
from __future__ import annotations

import logging
import os
import re
from typing import TYPE_CHECKING, Any, Callable, Iterable

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec
from dqengine.platforms import platform_for
from dqengine.results import MetricRecord

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from dqengine.spark.states import StateCapture

__all__ = ["compute_metrics", "SUPPORTED_ANALYZERS", "jvm_analyzer", "metric_output"]

logger = logging.getLogger(__name__)

_EMPTY_STATE = "com.amazon.deequ.analyzers.runners.EmptyStateException"


def _pydeequ_analyzers(spark_version: str) -> Any:
    # pydeequ reads SPARK_VERSION when it is imported and refuses to import without it. The engine
    # sets it from the running session so that users never have to.
    os.environ["SPARK_VERSION"] = platform_for(spark_version).spark
    import pydeequ.analyzers as analyzers

    return analyzers


def _column(name: str) -> str:
    """Deequ resolves column names as expressions: quote anything but a plain identifier."""
    if name.replace("_", "a").isalnum() and not name[0].isdigit():
        return name
    return "`" + name.replace("`", "``") + "`"


def _factories(pa: Any, jvm: Any) -> dict[str, Callable[[AnalyzerSpec], Any]]:
    def cols(spec: AnalyzerSpec) -> list[str]:
        return [_column(c) for c in spec.columns]

    def one(spec: AnalyzerSpec) -> str:
        return _column(spec.columns[0])

    def wrap(obj: Any) -> Any:
        return obj._set_jvm(jvm)._analyzer_jvm

    return {
        "Size": lambda s: wrap(pa.Size(s.param("where"))),
        "ColumnCount": lambda s: jvm.com.amazon.deequ.analyzers.ColumnCount(),
        "Completeness": lambda s: wrap(pa.Completeness(one(s))),
        "Uniqueness": lambda s: wrap(pa.Uniqueness(cols(s))),
        "Distinctness": lambda s: wrap(pa.Distinctness(cols(s))),
        "CountDistinct": lambda s: wrap(pa.CountDistinct(cols(s))),
        "ApproxCountDistinct": lambda s: wrap(pa.ApproxCountDistinct(one(s))),
        "Minimum": lambda s: wrap(pa.Minimum(one(s))),
        "Maximum": lambda s: wrap(pa.Maximum(one(s))),
        "Mean": lambda s: wrap(pa.Mean(one(s))),
        "Sum": lambda s: wrap(pa.Sum(one(s))),
        "StandardDeviation": lambda s: wrap(pa.StandardDeviation(one(s))),
        "ApproxQuantile": lambda s: wrap(pa.ApproxQuantile(one(s), s.param("quantile"),
                                                           s.param("relative_error", 0.01))),
        "Compliance": lambda s: wrap(pa.Compliance(s.param("instance"), s.param("predicate"))),
        "PatternMatch": lambda s: wrap(pa.PatternMatch(one(s), s.param("regex"))),
        "MinLength": lambda s: wrap(pa.MinLength(one(s))),
        "MaxLength": lambda s: wrap(pa.MaxLength(one(s))),
        "DataType": lambda s: wrap(pa.DataType(one(s))),
        "Correlation": lambda s: wrap(pa.Correlation(*cols(s))),
        "Entropy": lambda s: wrap(pa.Entropy(one(s))),
    }


#: Every analyzer kind a constraint type may ask for; a test holds the registry to this list.
SUPPORTED_ANALYZERS = frozenset(_factories(None, None))


_JVM_OBJECT_NAME = re.compile(r"org\.apache\.spark\.sql\.types\.(\w+)\$@[0-9a-f]+")


def _first_line(text: str | None) -> str:
    text = _JVM_OBJECT_NAME.sub(r"\1", (text or "").strip())
    return text.splitlines()[0] if text else "no reason given"


def _failure(throwable: Any) -> tuple[str, bool]:
    """(message, undefined) for a Deequ metric failure, looking through its cause chain."""
    seen = throwable
    while seen is not None:
        if seen.getClass().getName() == _EMPTY_STATE:
            return _first_line(seen.getMessage()), True
        seen = seen.getCause()
    # Deequ wraps the real error (e.g. Spark's AnalysisException); the innermost message says most.
    innermost = throwable
    while innermost.getCause() is not None:
        innermost = innermost.getCause()
    return _first_line(innermost.getMessage() or throwable.getMessage()), False


def _plain_instance(instance: str, spec: AnalyzerSpec) -> str:
    """Deequ's instance names the columns as we passed them (quoted): record the plain names."""
    if spec.columns and instance == ",".join(_column(c) for c in spec.columns):
        return ",".join(spec.columns)
    return instance


def _records(metric: Any, spec: AnalyzerSpec) -> tuple[MetricRecord, ...]:
    flat = metric.flatten()
    out = []
    for i in range(flat.size()):
        m = flat.apply(i)
        value_try = m.value()
        value = float(value_try.get()) if value_try.isSuccess() else None
        error = None if value_try.isSuccess() else _first_line(value_try.failed().get().getMessage())
        out.append(MetricRecord(entity=m.entity().toString(), instance=_plain_instance(m.instance(), spec),
                                name=m.name(), value=value, error=error))
    return tuple(out)


def _analysis(df: "DataFrame", specs: list[AnalyzerSpec],
              states: "StateCapture | None" = None) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """One Deequ analysis run over ``specs``: Deequ fuses them into as few passes as it can.

    ``states``: also keep Deequ's state of each analyzer (see ``dqengine.spark.states``).
    """
    jvm = df.sparkSession._jvm
    factories = _factories(_pydeequ_analyzers(df.sparkSession.version), jvm)
    builder = jvm.com.amazon.deequ.analyzers.runners.AnalysisRunBuilder(df._jdf)
    jvm_analyzers = {}
    for spec in specs:
        jvm_analyzer = factories[spec.kind](spec)
        jvm_analyzers[spec] = jvm_analyzer
        builder.addAnalyzer(jvm_analyzer)
    logger.info("running %d Deequ analyzers in one analysis", len(specs))
    metric_map = (builder.run() if states is None else states.run(df, jvm_analyzers)).metricMap()
    outputs: dict[AnalyzerSpec, AnalyzerOutput] = {}
    for spec, jvm_analyzer in jvm_analyzers.items():
        found = metric_map.get(jvm_analyzer)
        if found.isEmpty():
            outputs[spec] = AnalyzerOutput(error="Deequ returned no metric for this analyzer")
            continue
        outputs[spec] = metric_output(found.get(), spec)
    return outputs


def jvm_analyzer(spark: Any, spec: AnalyzerSpec) -> Any:
    """The Deequ analyzer object (in the JVM) for ``spec``, as ``_analysis`` builds it."""
    return _factories(_pydeequ_analyzers(spark.version), spark._jvm)[spec.kind](spec)


def metric_output(metric: Any, spec: AnalyzerSpec) -> AnalyzerOutput:
    """A Deequ ``Metric`` (JVM object) as our ``AnalyzerOutput``: its values, or why there are none."""
    value_try = metric.value()
    if value_try.isSuccess():
        return AnalyzerOutput(records=_records(metric, spec))
    message, undefined = _failure(value_try.failed().get())
    return AnalyzerOutput(
        records=(MetricRecord(metric.entity().toString(), _plain_instance(metric.instance(), spec),
                              metric.name(), None, message),),
        error=None if undefined else message,
        undefined=undefined,
    )


def _failed(outputs: dict[AnalyzerSpec, AnalyzerOutput], specs: list[AnalyzerSpec]) -> list[AnalyzerSpec]:
    return [s for s in specs if outputs[s].error is not None]


def _isolate(df: "DataFrame", specs: list[AnalyzerSpec],
             states: "StateCapture | None" = None) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """Recompute analyzers that failed together, in halves, until each failure stands alone."""
    outputs: dict[AnalyzerSpec, AnalyzerOutput] = {}
    half = len(specs) // 2
    for part in (specs[:half], specs[half:]):
        found = _analysis(df, part, states)
        outputs.update(found)
        still = _failed(found, part)
        if len(still) > 1:
            outputs.update(_isolate(df, still, states))
    return outputs


def compute_metrics(df: "DataFrame", specs: Iterable[AnalyzerSpec],
                    states: "StateCapture | None" = None) -> dict[AnalyzerSpec, AnalyzerOutput]:
    """Every analyzer's metrics; one ``AnalyzerOutput`` per distinct spec.

    All of them in one Deequ analysis; if several fail, they are recomputed apart (see the module
    docstring) so that a constraint Spark cannot compute does not take the others down with it.
    ``states``: also keep Deequ's state of each analyzer (``dqengine.spark.states``).
    """
    unique = list(dict.fromkeys(specs))
    outputs = _analysis(df, unique, states)
    failed = _failed(outputs, unique)
    if len(failed) > 1:
        logger.info("%d analyzers failed together; recomputing them apart", len(failed))
        outputs.update(_isolate(df, failed, states))
    return outputs
