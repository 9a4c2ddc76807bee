"""Get a Spark session that can run Deequ and Delta, or say exactly why not.

* Inside spark-submit or Databricks a session (or its launch configuration) already exists: it is
  reused, and its classpath is checked for Deequ and Delta.
* Locally, a session is built with the Delta and Deequ packages of the installed Spark line
  (``dqengine.platforms``), resolved by Spark's Ivy into ``DQENGINE_IVY_DIR`` (the Makefile points
  it at ``.ivy2/`` in the repo, so reruns resolve from the cache). ``DQENGINE_JARS`` (a comma list
  of jar paths) replaces resolution entirely for air-gapped sites.
* Spark Connect is refused up front: Deequ runs in the driver JVM, which a Connect client lacks.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, Mapping

from dqengine.errors import MissingJarsError, UnsupportedPlatformError
from dqengine.platforms import Platform, platform_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["get_spark", "ensure_classic_session", "ensure_jvm_libraries", "spark_submit_hint",
           "local_session_conf"]

logger = logging.getLogger(__name__)

_CONNECT_MESSAGE = (
    "this is a Spark Connect session (Databricks serverless or a shared-access cluster): Deequ runs "
    "inside the driver JVM and needs a classic session; run dqengine on a single-user (dedicated) "
    "cluster or job cluster, or with spark-submit"
)


def is_connect_session(spark: Any) -> bool:
    return type(spark).__module__.startswith("pyspark.sql.connect")


def ensure_classic_session(spark: Any) -> None:
    if is_connect_session(spark):
        raise UnsupportedPlatformError(_CONNECT_MESSAGE)


def _connect_requested() -> bool:
    return bool(os.environ.get("SPARK_REMOTE") or os.environ.get("SPARK_CONNECT_MODE_ENABLED"))


def spark_submit_hint(platform: Platform) -> str:
    return (f"--packages {','.join(platform.packages)} --exclude-packages {','.join(platform.excludes)}"
            " (or --jars with the Deequ and Delta jars on air-gapped sites)")


def ensure_jvm_libraries(spark: "SparkSession") -> None:
    """Fail with the fix when Deequ or Delta classes are missing from the driver classpath."""
    from py4j.java_gateway import JavaClass

    platform = platform_for(spark.version)
    jvm = spark._jvm
    missing = []
    if not isinstance(jvm.com.amazon.deequ.analyzers.Size, JavaClass):
        missing.append(f"Deequ ({platform.deequ_package})")
    if not isinstance(jvm.io.delta.tables.DeltaTable, JavaClass):
        missing.append(f"Delta Lake ({platform.delta_package})")
    if missing:
        raise MissingJarsError(
            f"{' and '.join(missing)} not on the Spark classpath; start the job with "
            f"{spark_submit_hint(platform)}, or set DQENGINE_JARS to the jar paths for a local session"
        )


def local_session_conf(platform: Platform, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The configuration dqengine adds when it builds a session itself."""
    env = os.environ if environ is None else environ
    conf = {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.ui.showConsoleProgress": "false",
    }
    jars = env.get("DQENGINE_JARS")
    if jars:
        conf["spark.jars"] = jars
    else:
        conf["spark.jars.packages"] = ",".join(platform.packages)
        conf["spark.jars.excludes"] = ",".join(platform.excludes)
        if env.get("DQENGINE_IVY_DIR"):
            conf["spark.jars.ivy"] = env["DQENGINE_IVY_DIR"]
    return conf


def get_spark(app_name: str = "dqengine", master: str | None = None,
              extra_conf: Mapping[str, str] | None = None) -> "SparkSession":
    """The active session if there is one (Databricks, notebooks), else a new local one."""
    if _connect_requested():
        raise UnsupportedPlatformError(_CONNECT_MESSAGE)
    import pyspark
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        ensure_classic_session(active)
        ensure_jvm_libraries(active)
        return active

    platform = platform_for(pyspark.__version__)
    if not platform.verified:
        logger.warning("Spark %s with %s has not been verified by dqengine's CI", platform.spark,
                       platform.deequ_package)
    builder = SparkSession.builder.appName(app_name)
    launched_by_submit = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM
    if not launched_by_submit:
        builder = builder.master(master or os.environ.get("DQENGINE_MASTER", "local[2]"))
        for key, value in local_session_conf(platform).items():
            builder = builder.config(key, value)
    else:
        # The JVM and its classpath exist already; only the SQL settings can still be added.
        builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        builder = builder.config("spark.sql.catalog.spark_catalog",
                                 "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    ensure_classic_session(spark)
    ensure_jvm_libraries(spark)
    return spark
