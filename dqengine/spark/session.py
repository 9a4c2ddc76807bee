"""Get a Spark session that can run Deequ and Delta, or say exactly why not.

* Inside spark-submit or Databricks a session (or its launch configuration) already exists: it is
  reused, and its classpath is checked for Deequ and Delta.
* Locally, a session is built with the Delta and Deequ jars of the installed Spark line
  (``dqengine.platforms``). ``python -m dqengine.spark.jars`` (run by ``make setup``) resolves them
  once with Spark's Ivy and writes a manifest of the jar files beside them; every later session
  loads exactly those files, with no Ivy resolution and no network, from wherever the process is
  started. The Ivy directory is ``DQENGINE_IVY_DIR``, else the ``.ivy2/`` of the source checkout
  the package runs from (an editable install), else Spark's default ``~/.ivy2``.
  ``DQENGINE_JARS`` (a comma list of jar paths) replaces all of this for air-gapped sites.
* Nothing a JVM we launch prints reaches stdout: the JVM gets our stderr as its stdout, so the
  engine's own output (``dqengine gate`` prints just the version) stays clean for shell pipelines.
* Spark Connect is refused up front: Deequ runs in the driver JVM, which a Connect client lacks.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from dqengine.errors import MissingJarsError, UnsupportedPlatformError
from dqengine.platforms import Platform, platform_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["get_spark", "ensure_classic_session", "ensure_jvm_libraries", "spark_submit_hint",
           "local_session_conf", "local_cores", "ivy_dir", "manifest_path", "manifest_jars"]

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


def ivy_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the jars are resolved to and looked for (see the module docstring)."""
    env = os.environ if environ is None else environ
    if env.get("DQENGINE_IVY_DIR"):
        return Path(env["DQENGINE_IVY_DIR"])
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "setup.py").is_file() and (checkout / ".ivy2").is_dir():
        return checkout / ".ivy2"
    return Path.home() / ".ivy2"


def manifest_path(ivy: Path, platform: Platform) -> Path:
    """The list of jar files resolved for one Spark line, written by ``dqengine.spark.jars``."""
    return ivy / f"dqengine-jars-spark-{platform.spark}.txt"


def manifest_jars(ivy: Path, platform: Platform) -> list[str] | None:
    """The resolved jars, or None when they were never resolved here or a file has gone."""
    try:
        jars = [line.strip() for line in manifest_path(ivy, platform).read_text().splitlines() if line.strip()]
    except OSError:
        return None
    return jars if jars and all(os.path.isfile(j) for j in jars) else None


def local_cores(master: str) -> int | None:
    """The worker threads of a ``local``/``local[N]``/``local[*]``/``local[N,F]`` master, else None."""
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())
    if match is None:
        return None
    threads = match.group(1) or "1"
    return os.cpu_count() or 1 if threads == "*" else max(int(threads), 1)


def local_session_conf(platform: Platform, environ: Mapping[str, str] | None = None,
                       master: str = "local[2]") -> dict[str, str]:
    """The configuration dqengine adds when it builds a session itself.

    On a local master the partition counts follow the cores: Spark's 200 shuffle partitions and
    Delta's 50 partitions for replaying the log are cluster sizes, and on 2 cores they cost a cold
    ``dqengine run`` of a small table about 10 s of task overhead (``bench/bench_startup.py``).
    """
    env = os.environ if environ is None else environ
    conf = {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.ui.showConsoleProgress": "false",
    }
    cores = local_cores(master)
    if cores is not None:
        partitions = str(max(2 * cores, 4))
        conf["spark.sql.shuffle.partitions"] = partitions
        conf["spark.databricks.delta.snapshotPartitions"] = partitions
    jars = env.get("DQENGINE_JARS")
    ivy = ivy_dir(env)
    resolved = None if jars else manifest_jars(ivy, platform)
    if jars or resolved:
        conf["spark.jars"] = jars or ",".join(resolved or ())
    else:  # first use on this machine: Spark's Ivy resolves (network) into the Ivy directory
        conf["spark.jars.packages"] = ",".join(platform.packages)
        conf["spark.jars.excludes"] = ",".join(platform.excludes)
        conf["spark.jars.ivy"] = str(ivy)
    return conf


@contextlib.contextmanager
def _jvm_stdout_to_stderr():
    """While the JVM is launched, file descriptor 1 is stderr: the child keeps it as its stdout."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no usable stdout (a closed or odd stream): nothing to protect
        yield
        return
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


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
        master = master or os.environ.get("DQENGINE_MASTER", "local[2]")
        builder = builder.master(master)
        for key, value in local_session_conf(platform, master=master).items():
            builder = builder.config(key, value)
    else:
        # The JVM and its classpath exist already; only the SQL settings can still be added.
        builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        builder = builder.config("spark.sql.catalog.spark_catalog",
                                 "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    with contextlib.nullcontext() if launched_by_submit else _jvm_stdout_to_stderr():
        spark = builder.getOrCreate()
    ensure_classic_session(spark)
    ensure_jvm_libraries(spark)
    return spark
