"""Deequ's column profiler and constraint suggestion rules on one pinned version of a table.

One Deequ run (``ConstraintSuggestionRunBuilder`` with ``Rules.DEFAULT``, the rules pydeequ's
``DEFAULT`` lists) profiles every column and applies the rules; both of its results, the column
profiles and the suggestions, come back as Deequ's own JSON. :mod:`dqengine.suggest` turns them into
a suite.

Deequ's profiler names a column that is not a plain identifier in backticks (`` `t.val` ``), and
its suggestions then name that spelling, which is no column of the table: the columns are profiled
under plain aliases (``c0``, ``c1``, ...) and the JSON is given back their real names.
"""
from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from dqengine.platforms import platform_for

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["profile_and_suggest"]


def profile_and_suggest(spark: "SparkSession", df: "DataFrame") -> tuple[dict[str, Any], dict[str, Any], int]:
    """(column profiles, constraint suggestions, rows profiled), as Deequ writes them in JSON."""
    os.environ["SPARK_VERSION"] = platform_for(spark.version).spark  # pydeequ reads it at import
    from pydeequ.suggestions import DEFAULT

    from pyspark.sql import functions as F

    jvm = spark._jvm  # type: ignore[attr-defined]
    names = list(df.columns)
    aliased = df.select(*[F.col("`" + n.replace("`", "``") + "`").alias(f"c{i}") for i, n in enumerate(names)])
    real = {f"c{i}": n for i, n in enumerate(names)}
    builder = jvm.com.amazon.deequ.suggestions.ConstraintSuggestionRunBuilder(aliased._jdf)
    rules = DEFAULT()
    rules._set_jvm(jvm)
    for rule in rules.rule_jvm:  # pydeequ builds each rule with Deequ's default arguments
        rule._set_jvm(jvm)
        builder.addConstraintRule(rule.rule_jvm)
    result = builder.run()
    to_json = jvm.com.amazon.deequ.suggestions.ConstraintSuggestionResult
    profiles = json.loads(to_json.getColumnProfilesAsJson(result))
    suggestions = json.loads(to_json.getConstraintSuggestionsAsJson(result))
    for profile in profiles.get("columns", []):
        profile["column"] = real.get(profile.get("column"), profile.get("column"))
    for suggestion in suggestions.get("constraint_suggestions", []):
        alias = suggestion.get("column_name")
        suggestion["column_name"] = real.get(alias, alias)
        # the code keeps the alias (it is read for numbers and values only); the description,
        # which a suite may quote, names the real column
        description = suggestion.get("description") or ""
        if alias in real and description.startswith(f"'{alias}'"):
            suggestion["description"] = repr(real[alias]) + description[len(alias) + 2:]
    return profiles, suggestions, int(result.numRecordsUsedForProfiling())


def confirm_unique(spark: "SparkSession", dataset: dict[str, Any], version: int,
                   items: list) -> tuple[list, list[str]]:
    """Deequ's uniqueness candidates rest on a HyperLogLog estimate: check each exactly on the
    profiled version (one dqengine run of just those ``is_unique`` constraints, not recorded).
    Returns the suggestions with the candidates that hold (their comment saying so) and a line
    for each that does not, for the file's list of what was left out."""
    import dataclasses

    from dqengine.checks import parse_suite
    from dqengine.spark.runner import run_suite

    candidates = [s for s in items if s.constraint == "is_unique"]
    if not candidates:
        return items, []
    where = "table" if "table" in dataset else "path"
    text = (f"suite: uniqueness_candidates\ndataset: {{{where}: {json.dumps(dataset[where])}, version: {version}}}\n"
            "checks:\n  - name: candidates\n    severity: warning\n    constraints:\n"
            + "".join(f"      - is_unique: {s.params}\n" for s in candidates))
    run = run_suite(spark, parse_suite(text, "<suggest>"), version=version, record=False, states=False)
    verdicts = {s: r for s, r in zip(candidates, run.constraints)}
    kept, dropped = [], []
    for s in items:
        r = verdicts.get(s)
        if r is None:
            kept.append(s)
        elif r.status.value == "PASSED":
            kept.append(dataclasses.replace(s, observed=f"uniqueness 1 on this version (exact); {s.observed.split(' (')[0]}"))
        else:
            value = "?" if r.metric_value is None else f"{r.metric_value:.6g}"
            dropped.append(f"UniqueIfApproximatelyUniqueRule on {json.loads(s.params)}: not unique on version "
                           f"{version} (exact uniqueness {value}; Deequ's {s.observed.split(' (')[0]})")
    return kept, dropped
