"""Databricks job integration: hand the verified version from the quality task to the next tasks.

A job's tasks run in separate processes, and the table can get a new commit between them. The
quality task publishes the version it verified as a task value, and the gate and train tasks ask
for exactly that version (``--version {{tasks.quality.values.dataset_version}}`` in
``databricks.yml``), so a commit landing between tasks cannot fail the job spuriously or make
training read a version that was never checked.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from dqengine.results import RunResult

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["publish_task_values", "TASK_VALUE_KEYS"]

logger = logging.getLogger(__name__)

#: The task values a run publishes: the verified version and the run that verified it.
TASK_VALUE_KEYS = ("dataset_version", "run_id")


def _dbutils(spark: "SparkSession") -> Any:
    try:
        from databricks.sdk.runtime import dbutils  # the runtime's own, in wheel and notebook tasks

        return dbutils
    except ImportError:
        from pyspark.dbutils import DBUtils  # type: ignore[import-not-found]  # older runtimes

        return DBUtils(spark)


def publish_task_values(spark: "SparkSession", run: RunResult) -> bool:
    """Set the task values of this run when running as a Databricks job task; else do nothing."""
    if not os.environ.get("DATABRICKS_RUNTIME_VERSION"):
        return False
    try:
        task_values = _dbutils(spark).jobs.taskValues
        task_values.set(key="dataset_version", value=run.dataset_version)
        task_values.set(key="run_id", value=run.run_id)
    except Exception as exc:  # outside a job (an interactive cluster) there are no task values
        logger.warning("could not publish the task values (%s); later tasks must pass --version", exc)
        return False
    return True
