# Databricks notebook source
# MAGIC %md
# MAGIC # Explore the dqengine metrics tables
# MAGIC The latest status of every suite recorded at a metrics location, one metric's trend over the
# MAGIC dataset's versions (plotted), and the constraints that did not pass in a run. Read-only: it
# MAGIC needs the dqengine wheel on the cluster, not the Deequ jar.

# COMMAND ----------

dbutils.widgets.text("suite", "/Workspace/Shared/dqengine/conf/sensor_readings.yml", "Suite file")
dbutils.widgets.text("metrics", "main.quality", "Metrics location (catalog.schema or path)")
dbutils.widgets.text("metric", "", "metric_key or its first characters (empty: the first failed, else the first)")
dbutils.widgets.text("run_id", "", "Run (empty: the suite's latest)")

suite_path = dbutils.widgets.get("suite")
metrics = dbutils.widgets.get("metrics")
metric_wanted = dbutils.widgets.get("metric").strip()
run_wanted = dbutils.widgets.get("run_id").strip()

# COMMAND ----------

from dqengine import load_suite
from dqengine.checks.base import sql_literal  # quotes any text safely into Spark SQL
from dqengine.spark.dataset import dataset_identity
from dqengine.spark.store import register_views

suite = load_suite(suite_path)
dataset = dataset_identity(suite.dataset)
views = register_views(spark, metrics)  # dq_runs, dq_check_results, dq_metrics, dq_scores as SQL names
scope = f"suite = {sql_literal(suite.name)} AND dataset = {sql_literal(dataset)}"

# COMMAND ----------

# MAGIC %md
# MAGIC ## Latest status of every suite at this location

# COMMAND ----------

latest_status = spark.sql(f"""
    SELECT suite, dataset, dataset_version, status, constraints_failed, finished_at, run_id
    FROM (SELECT *, row_number() OVER (PARTITION BY suite, dataset ORDER BY finished_at DESC) AS n
          FROM {views['dq_runs']})
    WHERE n = 1
    ORDER BY suite, dataset""")
display(latest_status)

# COMMAND ----------

# MAGIC %md
# MAGIC ## A metric's trend over dataset versions
# MAGIC One point per version: the value of the latest run of that version.

# COMMAND ----------

run = spark.sql(f"""
    SELECT run_id, dataset_version, status FROM {views['dq_runs']}
    WHERE {scope} {f"AND run_id = {sql_literal(run_wanted)}" if run_wanted else ""}
    ORDER BY finished_at DESC LIMIT 1""").head()
if run is None:
    raise ValueError(f"no run of suite {suite.name} on {dataset} in {metrics}"
                     + (f" with run_id {run_wanted}" if run_wanted else ""))
checks = spark.sql(f"""
    SELECT label, status, metric_key, threshold FROM {views['dq_check_results']}
    WHERE {scope} AND run_id = {sql_literal(run.run_id)} AND metric_key IS NOT NULL
    ORDER BY status = 'PASSED', `check`, constraint_index""").collect()
chosen = next((c for c in checks if c.metric_key.startswith(metric_wanted)), None) if metric_wanted else \
    (checks[0] if checks else None)
if chosen is None:
    raise ValueError(f"no constraint of run {run.run_id} has a metric_key starting {metric_wanted!r}")
trend = spark.sql(f"""
    SELECT dataset_version, value FROM (
        SELECT dataset_version, value,
               row_number() OVER (PARTITION BY dataset_version ORDER BY finished_at DESC) AS n
        FROM {views['dq_metrics']} WHERE {scope} AND metric_key = {sql_literal(chosen.metric_key)})
    WHERE n = 1 ORDER BY dataset_version""").collect()

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot([r.dataset_version for r in trend], [r.value for r in trend], marker="o")
ax.set_xlabel("dataset version")
ax.set_ylabel("value")
ax.set_title(f"{chosen.label} ({chosen.threshold}); latest: {chosen.status}")
display(fig)

# COMMAND ----------

# MAGIC %md
# MAGIC ## Constraints that did not pass in the run

# COMMAND ----------

failed = spark.sql(f"""
    SELECT `check`, label, severity, status, metric_value, threshold, message
    FROM {views['dq_check_results']}
    WHERE {scope} AND run_id = {sql_literal(run.run_id)} AND status <> 'PASSED'
    ORDER BY severity, `check`, constraint_index""")
display(failed)
