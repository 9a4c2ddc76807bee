"""Pin the reference tables a suite looks keys up in (``referential_integrity``), as the dataset
is pinned: before any metric is computed.

Each reference (a metastore table or a Delta path) is read at one version for the whole run: its
``version:`` if the suite gives one, else the latest when the run starts, so commits that land on
the reference during the run change nothing. A suite reads one version of a reference. A reference
that does not exist, a version it does not have, a key column it lacks, or a key column whose type
cannot be compared with the dataset's, is a ``DatasetError`` at the constraint's file:line:col
(exit 2, nothing recorded).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from dqengine.checks.base import NUMERIC, ReferenceSource, type_family
from dqengine.checks.suite import Suite
from dqengine.errors import ConfigIssue, first_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["PinnedReference", "pin_references"]


@dataclass(frozen=True)
class PinnedReference:
    identity: str
    version: int
    df: "DataFrame"
    #: column name -> Spark type name
    schema: dict[str, str]


def _what(source: ReferenceSource) -> str:
    return f"table '{source.table}'" if source.table is not None else f"path '{source.identity}'"


def _pin(spark: "SparkSession", source: ReferenceSource) -> PinnedReference | str:
    """The reference read at its pinned version, or why it cannot be."""
    from delta.tables import DeltaTable

    try:
        if source.table is not None:
            if not spark.catalog.tableExists(source.table):
                return (f"reference table '{source.table}' not found in the metastore; check reference.table "
                        "(catalog.schema.table) or use reference.path")
            table = DeltaTable.forName(spark, source.table)
        else:
            table = DeltaTable.forPath(spark, source.identity)
        latest = int(table.history(1).select("version").head()[0])
    except Exception as exc:  # AnalysisException (not a Delta table) and py4j's wrappers of it
        return (f"reference {_what(source)} is not a Delta table ({first_line(exc)}); point the reference "
                "at an existing Delta table")
    version = latest if source.version is None else source.version
    if version > latest:
        return (f"reference.version {version} of {source.identity} does not exist; the latest version is "
                f"{latest}")
    reader = spark.read.format("delta").option("versionAsOf", version)
    try:
        df = reader.table(source.table) if source.table is not None else reader.load(source.identity)
        schema = {f.name: f.dataType.simpleString() for f in df.schema.fields}
    except Exception as exc:
        return f"cannot read version {version} of reference {source.identity}: {first_line(exc)} (was it vacuumed?)"
    return PinnedReference(source.identity, version, df, schema)


def _comparable(left: str, right: str) -> bool:
    a, b = type_family(left), type_family(right)
    return a == b or (a in NUMERIC and b in NUMERIC)


def pin_references(spark: "SparkSession", suite: Suite, schema: Mapping[str, str],
                   skip: Mapping[tuple[str, int], str] | None = None
                   ) -> tuple[dict[str, PinnedReference], list[ConfigIssue]]:
    """Every reference of the suite, pinned, by identity; and every problem found, at the
    file:line:col of the constraint that names it (the caller raises them with preflight's)."""
    pinned: dict[str, PinnedReference] = {}
    failed: dict[str, str] = {}
    first: dict[str, tuple[ReferenceSource, str]] = {}
    issues: list[ConfigIssue] = []
    for spec in suite.constraints:
        if skip and (spec.check, spec.index) in skip:
            continue
        for lookup in spec.definition.reference_lookups(spec.params):
            source = lookup.reference
            identity = source.identity

            def issue(message: str) -> None:
                issues.append(ConfigIssue(spec.file, spec.line, spec.col, f"{spec.name}: {message}"))

            if identity in first and first[identity][0].version != source.version:
                other, where = first[identity]
                shown = lambda v: "the latest version" if v is None else f"version {v}"  # noqa: E731
                issue(f"reference {identity} is read at {shown(source.version)} here and at "
                      f"{shown(other.version)} at {where}; a suite reads one version of a reference: give "
                      "both the same reference.version")
                continue
            first.setdefault(identity, (source, spec.where))
            if identity not in pinned and identity not in failed:
                found = _pin(spark, source)
                if isinstance(found, str):
                    failed[identity] = found
                    issue(found)
                    continue
                pinned[identity] = found
            if identity in failed:
                continue  # reported once, at the first constraint that names it
            ref = pinned[identity]
            for column, ref_column in zip(lookup.columns, lookup.reference_columns):
                if ref_column not in ref.schema:
                    close = [c for c in ref.schema if c.lower() == ref_column.lower()] or \
                        difflib.get_close_matches(ref_column, list(ref.schema), n=1, cutoff=0.8)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    issue(f"reference column '{ref_column}' not found in {identity} version {ref.version}; "
                          f"{hint}columns: {', '.join(ref.schema)}")
                elif column in schema and not _comparable(schema[column], ref.schema[ref_column]):
                    issue(f"column '{column}' is {schema[column]} but reference column '{ref_column}' of "
                          f"{identity} is {ref.schema[ref_column]}: keys of different types never match "
                          "without a cast; compare columns of the same type")
    return pinned, issues
