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
* A local JVM starts from a class-data archive when ``make setup`` made one
  (:func:`class_archive`): the ~20,000 classes of Spark, Delta and Deequ are mapped from one file
  instead of being found, read and verified in the jars, which takes seconds off every cold
  process. The archive is used only by the Java, pyspark and jars that made it. A *brief* session
  (the gate and the look-back commands, which read a few small tables) also runs with the JVM's
  quick compiler only (``-XX:TieredStopAtLevel=1``): it starts faster and is slower only on long
  scans, which a brief session never makes. So does a run of a small local table
  (:func:`small_local_table`), which is over before the JIT's top tier would pay for itself.
  ``DQENGINE_JIT=quick`` or ``full`` decides it instead (a small table on object storage).
* Spark Connect is refused up front: Deequ runs in the driver JVM, which a Connect client lacks.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from dqengine.errors import MissingJarsError, UnsupportedPlatformError
from dqengine.platforms import Platform, platform_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["get_spark", "ensure_classic_session", "ensure_jvm_libraries", "spark_submit_hint",
           "local_session_conf", "local_cores", "ivy_dir", "manifest_path", "manifest_jars",
           "class_archive", "class_archive_stamp", "java_executable", "CLASS_ARCHIVE_DUMP",
           "small_local_table", "BRIEF_RUN_BYTES", "spark_defaults"]

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


#: Set by ``dqengine.spark.jars`` for the one process whose JVM writes the class archive at exit.
CLASS_ARCHIVE_DUMP = "_DQENGINE_CLASS_ARCHIVE_DUMP"


def class_archive(ivy: Path, platform: Platform) -> Path:
    """The JVM class-data archive ``make setup`` writes beside the jars (``dqengine.spark.jars``)."""
    return ivy / f"dqengine-classes-spark-{platform.spark}.jsa"


def java_executable(environ: Mapping[str, str] | None = None) -> str | None:
    """The ``java`` Spark's launcher starts: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    env = os.environ if environ is None else environ
    if env.get("JAVA_HOME"):
        return str(Path(env["JAVA_HOME"]) / "bin" / "java")
    return shutil.which("java", path=env.get("PATH"))


def class_archive_stamp(jars: str, environ: Mapping[str, str] | None = None) -> str | None:
    """What an archive is valid for: this Java (its file), this pyspark (its jars) and these jars.

    The JVM itself refuses a mismatched archive (with a warning, then starts without it); the
    stamp keeps that from happening at all."""
    java = java_executable(environ)
    if java is None:
        return None
    try:
        import pyspark

        real = os.path.realpath(java)
        stat = os.stat(real)
    except (ImportError, OSError):
        return None
    what = {"java": [real, stat.st_size, stat.st_mtime_ns], "pyspark": [pyspark.__version__, pyspark.__file__],
            "jars": jars}
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def _class_archive_options(ivy: Path, platform: Platform, jars: str, env: Mapping[str, str]) -> list[str]:
    dump = env.get(CLASS_ARCHIVE_DUMP)
    if dump:
        return [f"-XX:ArchiveClassesAtExit={dump}"]
    archive = class_archive(ivy, platform)
    try:
        made_for = archive.with_suffix(".stamp").read_text().strip()
    except OSError:
        return []
    if not archive.is_file() or made_for != class_archive_stamp(jars, env):
        return []
    # Quiet if the JVM still refuses it: it then starts as it would without.
    return [f"-XX:SharedArchiveFile={archive}", "-Xlog:cds=off", "-Xlog:cds+dynamic=off"]


#: A run of a local table with at most this much data (its version's files) gets a brief session.
#: Measured by ``bench/bench_startup.py --jit``: see README, "Benchmark".
BRIEF_RUN_BYTES = 128 * 2**20


def small_local_table(path: str | None, version: int | None = None) -> bool:
    """``path`` is a local Delta table whose ``version`` (the latest when None) holds at most
    :data:`BRIEF_RUN_BYTES` of data files: read from its log with delta-rs, without a JVM. False
    when it cannot tell (a remote path, a feature delta-rs cannot read)."""
    from dqengine.records import is_local_path

    if path is None or not is_local_path(path) or not os.path.isdir(os.path.join(path, "_delta_log")):
        return False
    try:
        from deltalake import DeltaTable

        sizes = DeltaTable(path, version=version).get_add_actions(flatten=True).column("size_bytes").to_pylist()
    except Exception:  # whatever delta-rs cannot read, Spark will: just not briefly
        return False
    return sum(s or 0 for s in sizes) <= BRIEF_RUN_BYTES


def local_cores(master: str) -> int | None:
    """The worker threads of a ``local``/``local[N]``/``local[*]``/``local[N,F]`` master, else None."""
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master.strip())
    if match is None:
        return None
    threads = match.group(1) or "1"
    return os.cpu_count() or 1 if threads == "*" else max(int(threads), 1)


def local_session_conf(platform: Platform, environ: Mapping[str, str] | None = None,
                       master: str = "local[2]", brief: bool = False) -> dict[str, str]:
    """The configuration dqengine adds when it builds a session itself (``brief``: see the module).

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
    if brief:  # it reads a few small tables and ends: no one will open its web UI
        conf["spark.ui.enabled"] = "false"
    jars = env.get("DQENGINE_JARS")
    ivy = ivy_dir(env)
    resolved = None if jars else manifest_jars(ivy, platform)
    jit = env.get("DQENGINE_JIT", "").strip().lower()  # "quick" or "full" overrides ``brief``
    if jit not in ("", "quick", "full"):
        logger.warning("DQENGINE_JIT=%s is neither quick nor full; ignored", env["DQENGINE_JIT"])
    java_options = ["-XX:TieredStopAtLevel=1"] if (jit == "quick" or (brief and jit != "full")) else []
    if jars or resolved:
        conf["spark.jars"] = jars or ",".join(resolved or ())
        java_options += _class_archive_options(ivy, platform, conf["spark.jars"], env)
    else:  # first use on this machine: Spark's Ivy resolves (network) into the Ivy directory
        conf["spark.jars.packages"] = ",".join(platform.packages)
        conf["spark.jars.excludes"] = ",".join(platform.excludes)
        conf["spark.jars.ivy"] = str(ivy)
    if java_options:
        # Setting it replaces the one in spark-defaults.conf: keep the site's options after ours.
        site = spark_defaults(env).get("spark.driver.extraJavaOptions")
        conf["spark.driver.extraJavaOptions"] = " ".join(java_options + ([site] if site else []))
    return conf


def spark_defaults(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings of the ``spark-defaults.conf`` spark-submit reads: ``$SPARK_CONF_DIR``, else
    ``$SPARK_HOME/conf``, else the conf directory of the installed pyspark (usually none)."""
    env = os.environ if environ is None else environ
    if env.get("SPARK_CONF_DIR"):
        directory = Path(env["SPARK_CONF_DIR"])
    elif env.get("SPARK_HOME"):
        directory = Path(env["SPARK_HOME"]) / "conf"
    else:
        try:
            import pyspark
        except ImportError:
            return {}
        directory = Path(pyspark.__file__).parent / "conf"
    try:
        lines = (directory / "spark-defaults.conf").read_text(encoding="utf-8").splitlines()
    except OSError:
        return {}
    settings = {}
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.replace("\t", " ").partition(" ")
            settings[key] = value.strip()
    return settings


def _wait_for_jvm_exit() -> None:
    """Stop the session and wait until its JVM has exited (and written the class archive)."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if SparkContext._active_spark_context is not None:
        SparkContext._active_spark_context.stop()
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        proc.stdin.close()  # the JVM exits on end of input
        proc.wait(timeout=600)


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
              extra_conf: Mapping[str, str] | None = None, brief: bool = False) -> "SparkSession":
    """The active session if there is one (Databricks, notebooks), else a new local one.

    ``brief``: the session reads a few small tables and ends (the gate, the look-back commands).
    ``spark.driver.extraJavaOptions`` in ``extra_conf`` is added to dqengine's own JVM options."""
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
    extra = dict(extra_conf or {})
    if not launched_by_submit:
        master = master or os.environ.get("DQENGINE_MASTER", "local[2]")
        builder = builder.master(master)
        conf = local_session_conf(platform, master=master, brief=brief)
        options = " ".join(o for o in (conf.get("spark.driver.extraJavaOptions"),
                                       extra.pop("spark.driver.extraJavaOptions", None)) if o)
        if options:
            conf["spark.driver.extraJavaOptions"] = options
        for key, value in conf.items():
            builder = builder.config(key, value)
    else:
        # The JVM and its classpath exist already; only the SQL settings can still be added.
        builder = builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        builder = builder.config("spark.sql.catalog.spark_catalog",
                                 "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    for key, value in extra.items():
        builder = builder.config(key, value)
    with contextlib.nullcontext() if launched_by_submit else _jvm_stdout_to_stderr():
        spark = builder.getOrCreate()
    if not launched_by_submit and os.environ.get(CLASS_ARCHIVE_DUMP):
        import atexit

        atexit.register(_wait_for_jvm_exit)
    ensure_classic_session(spark)
    ensure_jvm_libraries(spark)
    return spark
