"""Deequ's column profiler and constraint suggestion rules on one pinned version of a table.

One Deequ run (``ConstraintSuggestionRunBuilder`` with ``Rules.DEFAULT``, the rules pydeequ's
``DEFAULT`` lists) profiles every column and applies the rules; both of its results, the column
profiles and the suggestions, come back as Deequ's own JSON. :mod:`dqengine.suggest` turns them into
a suite.
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

    jvm = spark._jvm  # type: ignore[attr-defined]
    builder = jvm.com.amazon.deequ.suggestions.ConstraintSuggestionRunBuilder(df._jdf)
    rules = DEFAULT()
    rules._set_jvm(jvm)
    for rule in rules.rule_jvm:  # pydeequ builds each rule with Deequ's default arguments
        rule._set_jvm(jvm)
        builder.addConstraintRule(rule.rule_jvm)
    result = builder.run()
    to_json = jvm.com.amazon.deequ.suggestions.ConstraintSuggestionResult
    return (json.loads(to_json.getColumnProfilesAsJson(result)),
            json.loads(to_json.getConstraintSuggestionsAsJson(result)),
            int(result.numRecordsUsedForProfiling()))
