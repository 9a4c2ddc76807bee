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
