"""Find the suite's Delta table, pin the version to verify, and check the suite against its schema.

Everything here runs before any metric is computed. A table, version or column that does not
exist, or a ``where``/``satisfies`` expression Spark cannot parse or resolve, is a ``DatasetError``
(exit 2, nothing recorded), reported at the file:line:col of the suite that names it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqengine.checks.suite import Suite
from dqengine.config.models import DatasetModel
from dqengine.errors import ConfigIssue, DatasetError, first_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["PinnedDataset", "dataset_identity", "latest_version", "pin_dataset", "check_expression",
           "preflight"]


@dataclass(frozen=True)
class PinnedDataset:
    identity: str
    version: int
    latest_version: int
    df: "DataFrame"
    #: column name -> Spark type name, in table order (before the filter; the filter keeps columns)
    schema: dict[str, str]


def dataset_identity(model: DatasetModel) -> str:
    """What the metrics tables call the dataset: the table name, or the absolute path."""
    if model.table is not None:
        return model.table
    path = model.path or ""
    if "://" in path or path.startswith("dbfs:"):
        return path.rstrip("/")
    return os.path.abspath(path)


def _source_key(model: DatasetModel) -> str:
    return "dataset.table" if model.table is not None else "dataset.path"


def _delta_table(spark: "SparkSession", suite: Suite):
    from delta.tables import DeltaTable
    from pyspark.sql.utils import AnalysisException

    model = suite.dataset
    key = _source_key(model)
    try:
        if model.table is not None:
            if not spark.catalog.tableExists(model.table):
                raise DatasetError([suite.issue(key, f"table '{model.table}' not found in the metastore; "
                                                     "check dataset.table (catalog.schema.table) or use "
                                                     "dataset.path")])
            return DeltaTable.forName(spark, model.table)
        return DeltaTable.forPath(spark, dataset_identity(model))
    except DatasetError:
        raise
    except AnalysisException as exc:
        what = f"table '{model.table}'" if model.table else f"path '{dataset_identity(model)}'"
        raise DatasetError([suite.issue(key, f"{what} is not a Delta table ({first_line(exc)}); point "
                                             "dataset at an existing Delta table")]) from None


def latest_version(spark: "SparkSession", suite: Suite) -> int:
    """The newest committed version, read from the Delta log (no data is scanned)."""
    table = _delta_table(spark, suite)
    return int(table.history(1).select("version").head()[0])


def check_expression(spark: "SparkSession", df: "DataFrame", text: str, what: str) -> str | None:
    """Why ``text`` is not a safe boolean expression over ``df``, or None when it is.

    The text goes only through Spark's SQL parser: a statement (``1=1; DROP TABLE x``) does not
    parse as an expression, and a subquery, which could read another table, is refused.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType
    from pyspark.sql.utils import AnalysisException, ParseException

    jvm = spark._jvm
    try:
        parsed = spark._jsparkSession.sessionState().sqlParser().parseExpression(text)
    except Exception as exc:  # py4j raises the JVM ParseException wrapped
        return f"{what} is not a valid Spark SQL expression: {_first_parse(exc)}"
    if jvm.org.apache.spark.sql.catalyst.expressions.SubqueryExpression.hasSubquery(parsed):
        return f"{what} contains a subquery; only expressions over the dataset's own columns are allowed"
    try:
        field = df.select(F.expr(text).alias("_dq_expr")).schema["_dq_expr"]
    except (AnalysisException, ParseException) as exc:
        return f"{what} does not resolve against the dataset: {first_line(exc)}"
    if not isinstance(field.dataType, BooleanType):
        return f"{what} must be a boolean expression, but it is {field.dataType.simpleString()}"
    return None


def _first_parse(exc: BaseException) -> str:
    text = str(exc)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("An error occurred", "Traceback", ":")):
            return line
    return first_line(exc)


def pin_dataset(spark: "SparkSession", suite: Suite, version: int | None = None) -> PinnedDataset:
    """Resolve the dataset and fix the exact version to verify, before any data is read."""
    model = suite.dataset
    latest = latest_version(spark, suite)
    target = version if version is not None else (model.version if model.version is not None else latest)
    version_key = "dataset.version" if version is None else "dataset"
    where = "--version" if version is not None else "dataset.version"
    if target > latest:
        raise DatasetError([suite.issue(version_key, f"{where} {target} of {dataset_identity(model)} does not "
                                                     f"exist; the latest version is {latest}")])
    reader = spark.read.format("delta").option("versionAsOf", target)
    try:
        df = reader.table(model.table) if model.table is not None else reader.load(dataset_identity(model))
        schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    except Exception as exc:
        raise DatasetError([suite.issue(version_key, f"cannot read version {target} of "
                                                     f"{dataset_identity(model)}: {first_line(exc)} "
                                                     "(was it vacuumed?)")]) from None
    if model.where is not None:
        problem = check_expression(spark, df, model.where, "dataset.where")
        if problem:
            raise DatasetError([suite.issue("dataset.where", problem)])
        df = df.where(model.where)
    return PinnedDataset(dataset_identity(model), target, latest, df, schema)


def preflight(spark: "SparkSession", suite: Suite, pinned: PinnedDataset,
              tolerate_missing: bool = False) -> dict[tuple[str, int], str]:
    """Every column and expression the suite names must exist in the pinned version.

    A missing column is a config error (exit 2) — unless ``tolerate_missing``: once a suite has
    run on a dataset, a column that disappears is schema drift, not a typo, and the runner records
    the constraints on it as ERROR while the others still run. Returns those constraints, keyed
    by (check, index), with the reason.
    """
    issues: list[ConfigIssue] = []
    dropped: dict[tuple[str, int], str] = {}
    available = ", ".join(pinned.schema)
    for spec in suite.constraints:
        key = (spec.check, spec.index)
        missing = [c for c in spec.definition.checked_columns(spec.params) if c not in pinned.schema]
        for column in missing:
            message = (f"column '{column}' not found in {pinned.identity} version {pinned.version}; "
                       f"columns: {available}")
            if tolerate_missing:
                dropped[key] = f"schema changed: {message}"
            else:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col, f"{spec.name}: {message}"))
        pattern = getattr(spec.params, "regex", None)
        if pattern is not None:
            try:  # the engine that will run it: Java's
                spark._jvm.java.util.regex.Pattern.compile(pattern)
            except Exception as exc:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col,
                                          f"{spec.name}.regex is not a valid Java regular expression: "
                                          f"{_first_parse(exc)}"))
        expression = getattr(spec.params, "expression", None)
        if expression is not None:
            problem = check_expression(spark, pinned.df, expression, f"{spec.name}.expression")
            if problem and tolerate_missing and "does not resolve" in problem:
                dropped[key] = f"schema changed: {problem}"
            elif problem:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col, problem))
    if issues:
        raise DatasetError(issues)
    return dropped
