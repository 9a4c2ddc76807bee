# Databricks notebook source
# MAGIC %md
# MAGIC # Run a dqengine suite and ask the gate
# MAGIC Runs on a single-user (dedicated) or job cluster with the Deequ jar installed as a Maven
# MAGIC library (`com.amazon.deequ:deequ:2.1.0-spark-3.5`) and the dqengine wheel as a library.
# MAGIC Spark Connect (serverless, shared access mode) is refused: Deequ needs the driver JVM.

# COMMAND ----------

dbutils.widgets.text("suite", "/Workspace/Shared/dqengine/conf/sensor_readings.yml", "Suite file")
dbutils.widgets.text("metrics", "main.quality", "Metrics location (catalog.schema or path)")
dbutils.widgets.text("version", "", "Delta version (empty: latest)")

suite_path = dbutils.widgets.get("suite")
metrics = dbutils.widgets.get("metrics")
version = int(dbutils.widgets.get("version")) if dbutils.widgets.get("version") else None

# COMMAND ----------

from dqengine import load_suite
from dqengine.report import format_run
from dqengine.spark.gate import decide
from dqengine.spark.runner import run_suite
from dqengine.spark.store import register_views

suite = load_suite(suite_path)  # every config problem is reported here, before any Spark work
run = run_suite(spark, suite, version=version, metrics=metrics)
print(format_run(run))

# COMMAND ----------

decision = decide(spark, suite, version=run.dataset_version, metrics=metrics)
print(decision.reason)
if not decision.certified:
    raise Exception(f"dqengine gate blocked {decision.dataset} version {decision.version}: {decision.reason}")
dbutils.jobs.taskValues.set(key="certified_version", value=decision.version)

# COMMAND ----------

# The constraints that did not pass in recent runs. For a catalog.schema location the three
# tables are views there already; for a path, register_views makes them temporary views.
views = register_views(spark, metrics)
display(spark.sql(f"""
    SELECT run_id, `check`, label, status, metric_value, threshold, message
    FROM {views['dq_check_results']}
    WHERE status <> 'PASSED'
    ORDER BY finished_at DESC
    LIMIT 50"""))
