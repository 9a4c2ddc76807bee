# Databricks notebook source
# MAGIC %md
# MAGIC # Train on exactly the certified version
# MAGIC Asks the dqengine gate which version of the suite's dataset is certified and reads exactly
# MAGIC that version (`versionAsOf`): a commit that lands while the job runs cannot slip unchecked
# MAGIC data into training. In a job, pass the quality task's version:
# MAGIC `version = {{tasks.quality.values.dataset_version}}`. A blocked gate fails the notebook.

# COMMAND ----------

dbutils.widgets.text("suite", "/Workspace/Shared/dqengine/conf/sensor_readings.yml", "Suite file")
dbutils.widgets.text("metrics", "main.quality", "Metrics location (catalog.schema or path)")
dbutils.widgets.text("version", "", "Delta version to train on (empty: the suite's, else the latest)")

suite_path = dbutils.widgets.get("suite")
metrics = dbutils.widgets.get("metrics")
version = int(dbutils.widgets.get("version")) if dbutils.widgets.get("version") else None

# COMMAND ----------

from dqengine import load_suite
from dqengine.spark.gate import read_certified_version

suite = load_suite(suite_path)
certified, training_df = read_certified_version(spark, suite, version=version, metrics=metrics)
print(f"training on {suite.dataset.table or suite.dataset.path} version {certified}")

# COMMAND ----------

# A stand-in for the real training step: the mean and spread of every numeric column.
from pyspark.sql import functions as F

numeric = [f.name for f in training_df.schema.fields
           if f.dataType.typeName() in ("double", "float", "integer", "long", "short", "decimal")]
stats = training_df.agg(F.count(F.lit(1)).alias("rows"),
                        *[F.avg(c).alias(f"mean_{c}") for c in numeric],
                        *[F.stddev(c).alias(f"std_{c}") for c in numeric]).head().asDict()
model = {"version": certified, **stats}
print(model)
dbutils.jobs.taskValues.set(key="trained_version", value=certified)
