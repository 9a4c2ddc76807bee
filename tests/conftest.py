"""Shared fixtures: one local SparkSession for the whole test run (Delta + Deequ), small and quiet."""
from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("DQENGINE_IVY_DIR", str(REPO / ".ivy2"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    from dqengine.spark.session import get_spark

    warehouse = tmp_path_factory.mktemp("warehouse")
    metastore = tmp_path_factory.mktemp("metastore")
    # A persistent (Derby) metastore, as on a real cluster: the engine refuses schema locations
    # in Spark's in-memory catalog, whose tables the next process would not see.
    session = get_spark(
        "dqengine-tests",
        master="local[2]",
        extra_conf={
            "spark.ui.enabled": "false",
            # The whole run shares this one JVM: Spark's default 1g driver heap ran out late in
            # CI's run (Delta log caches of hundreds of small tables); the machine has >20 GB.
            "spark.driver.memory": "3g",
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.sql.warehouse.dir": str(warehouse),
            "spark.sql.session.timeZone": "UTC",
            "spark.databricks.delta.snapshotPartitions": "2",
            "spark.sql.sources.parallelPartitionDiscovery.parallelism": "2",
            "spark.sql.catalogImplementation": "hive",
            "spark.hadoop.javax.jdo.option.ConnectionURL":
                f"jdbc:derby:;databaseName={metastore}/metastore_db;create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore}",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "multiprocess: starts more JVMs or real dqengine processes (spark-submit, a "
                   "cluster, signals); `make test-quick` leaves them out")


@pytest.fixture
def write_suite(tmp_path):
    """Write YAML (dedented) to a file and return its path; keeps each case readable in one place."""

    def _write(text: str, name: str = "suite.yml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def delta_table(spark, tmp_path):
    """Write rows as a Delta table under tmp_path and return its path (a new version per call)."""

    def _write(rows, schema: str, name: str = "data", mode: str = "overwrite") -> str:
        path = str(tmp_path / name)
        spark.createDataFrame(rows, schema).write.format("delta").mode(mode) \
            .option("overwriteSchema", "true").save(path)
        return path

    return _write
