"""Find the suite's Delta table, pin the version to verify, and check the suite against its schema.

Everything here runs before any metric is computed. A table, version or column that does not
exist, or a ``where``/``satisfies`` expression Spark cannot parse or resolve, is a ``DatasetError``
(exit 2, nothing recorded), reported at the file:line:col of the suite that names it.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dqengine.checks.suite import Suite
from dqengine.config.models import DatasetModel, location_identity
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
    return location_identity(model.table, model.path)


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


_COMMIT_FILE = re.compile(r"/(\d{20})\.json(?=[,}])")
#: File systems where a commit file is there, whole, once its commit is (atomic rename): a local
#: path, ``file:`` and HDFS. Object stores (S3's log stores) go through Delta's own log reader.
_LISTED_SCHEMES = ("", "file", "hdfs")


def _listed_version(spark: "SparkSession", path: str) -> int | None:
    """The newest commit in a listing of ``path/_delta_log``, through Hadoop's file system, without
    a Spark job; None when a listing cannot say: an object store, no log there, or coordinated
    commits (commit files in ``_delta_log/_commits``, not yet backfilled)."""
    scheme = path.split(":", 1)[0].lower() if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path) else ""
    if scheme not in _LISTED_SCHEMES:
        return None  # an object store's log store may make a commit visible after the listing
    jvm = spark._jvm
    log = jvm.org.apache.hadoop.fs.Path(f"{path.rstrip('/')}/_delta_log")
    try:
        # the session's Hadoop settings (credentials set with spark.conf.set), as Delta reads them
        fs = log.getFileSystem(spark._jsparkSession.sessionState().newHadoopConf())
        commits = log.suffix("/_commits")  # Delta 3.3 makes it empty on every table
        if fs.exists(commits) and len(fs.listStatus(commits)) > 0:
            return None
        # One call brings every name over: a long log is not thousands of py4j round trips.
        # (commons-lang3 ships with Spark; "{p1,p2,...}")
        listing = jvm.org.apache.commons.lang3.ArrayUtils.toString(
            jvm.org.apache.hadoop.fs.FileUtil.stat2Paths(fs.listStatus(log)))
    except Exception:  # no such directory, no access: DeltaTable says what is wrong
        return None
    versions = [int(v) for v in _COMMIT_FILE.findall(listing)]
    return max(versions) if versions else None


def latest_version(spark: "SparkSession", suite: Suite) -> int:
    """The newest committed version, from the Delta log (no data is scanned).

    A local or HDFS path is answered by listing its log, which costs no Spark job; an object
    store or a metastore table (whose location and commits the catalog may own) by Delta's
    history."""
    if suite.dataset.table is None:
        listed = _listed_version(spark, dataset_identity(suite.dataset))
        if listed is not None:
            return listed
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
        selected = df.select(F.expr(text).alias("_dq_expr"))
        field = selected.schema["_dq_expr"]
    except (AnalysisException, ParseException) as exc:
        return f"{what} does not resolve against the dataset: {first_line(exc)}"
    # Deequ evaluates a Compliance predicate inside its one aggregation over all rows: an aggregate,
    # window or generator there fails the whole analysis (every constraint ERROR) or means
    # something else than per row. Spark's analyzed plan says which, whatever the spelling.
    found = _non_row_function(selected._jdf.queryExecution().analyzed(),
                              df._jdf.queryExecution().analyzed())
    if found is not None:
        kind, function = found
        return f"{what} uses {kind} ({function}); only row-level expressions are allowed"
    if not isinstance(field.dataType, BooleanType):
        return f"{what} must be a boolean expression, but it is {field.dataType.simpleString()}"
    return None


def _seq(seq) -> list:
    return [seq.apply(i) for i in range(seq.size())]


def _function_in(expression, class_name: str):
    """The first sub-expression (depth first) whose JVM class is ``class_name``, or None."""
    stack = [expression]
    while stack:
        node = stack.pop()
        if node.getClass().getSimpleName() == class_name:
            return node
        stack.extend(reversed(_seq(node.children())))
    return None


def _non_row_function(plan, base) -> tuple[str, str] | None:
    """("an aggregate function", "sum") if the analyzed ``plan`` aggregates, windows or generates
    rows above ``base`` (the dataset's own plan, which is not the user's expression), else None."""
    stack = [plan]
    while stack:
        node = stack.pop()
        if node.equals(base):
            continue
        name = node.nodeName()
        if name == "Aggregate":
            for expression in _seq(node.expressions()):
                agg = _function_in(expression, "AggregateExpression")
                if agg is not None:
                    return "an aggregate function", agg.aggregateFunction().prettyName()
            return "an aggregate function", "?"
        if name == "Window":
            for expression in _seq(node.expressions()):
                window = _function_in(expression, "WindowExpression")
                if window is not None:
                    function = window.windowFunction()
                    if function.getClass().getSimpleName() == "AggregateExpression":
                        function = function.aggregateFunction()
                    return "a window function", function.prettyName()
            return "a window function", "?"
        if name == "Generate":
            return "a generator function", node.generator().prettyName()
        stack.extend(_seq(node.children()))
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

    def problem(message: str) -> DatasetError:
        # A version given on the command line is not written anywhere in the suite file: no
        # file:line:col to point at, just the one line. dataset.version is, so point at it.
        if version is not None:
            return DatasetError(message)
        return DatasetError([suite.issue("dataset.version", message)])

    where = "--version" if version is not None else "dataset.version"
    if target > latest:
        raise problem(f"{where} {target} of {dataset_identity(model)} does not exist; the latest version "
                      f"is {latest}")
    reader = spark.read.format("delta").option("versionAsOf", target)
    try:
        df = reader.table(model.table) if model.table is not None else reader.load(dataset_identity(model))
        schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    except Exception as exc:
        raise problem(f"cannot read version {target} of {dataset_identity(model)}: {first_line(exc)} "
                      "(was it vacuumed?)") from None
    if model.where is not None:
        problem = check_expression(spark, df, model.where, "dataset.where")
        if problem:
            raise DatasetError([suite.issue("dataset.where", problem)])
        df = df.where(model.where)
    return PinnedDataset(dataset_identity(model), target, latest, df, schema)


def _did_you_mean(column: str, schema: dict[str, str]) -> str:
    """"did you mean 'Temperature'? " for a column that differs only in case or by a typo."""
    same_case = [c for c in schema if c.lower() == column.lower()]
    close = same_case or difflib.get_close_matches(column, list(schema), n=1, cutoff=0.8)
    return f"did you mean '{close[0]}'? " if close else ""


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
                       f"{_did_you_mean(column, pinned.schema)}columns: {available}")
            if tolerate_missing:
                dropped[key] = f"schema changed: {message}"
            else:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col, f"{spec.name}: {message}"))
        # A column of the wrong type fails Spark's analysis of the one aggregation Deequ runs for
        # the whole suite: found here, it is this constraint's problem and no other's.
        wrong_type = None if missing else spec.definition.type_problem(spec.params, pinned.schema)
        if wrong_type is not None:
            if tolerate_missing:
                dropped[key] = f"schema changed: {wrong_type}"
            else:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col, f"{spec.name}: {wrong_type}"))
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
