"""Which Delta and Deequ builds go with which Spark line. Pure data; one table for the engine,
the Makefile, the README and the Databricks bundle (tests hold them to it).

Spark 3.5 is the primary, tested line: it is what Databricks LTS 15.4 and 16.4 run, and the only
line for which Maven Central (as reachable from our CI) serves a Deequ build. Deequ 2.1.0 is the
newest 3.5 build there; its ``dqdl`` dependency (AWS Glue rule language, unused by us) is not on
Maven Central and is excluded.

Spark 4.1 is declared with the coordinates its projects announce, but its Deequ build
(``2.0.18-spark-4.1``) and Delta 4.4 jars could not be resolved from Maven Central here, so it is
marked unverified: the engine runs on it with jars supplied through ``--jars``/``DQENGINE_JARS``
and warns that the combination has not been tested by us.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dqengine.errors import UnsupportedPlatformError

__all__ = ["Platform", "PLATFORMS", "platform_for"]


@dataclass(frozen=True)
class Platform:
    spark: str
    scala: str
    delta_package: str
    deequ_package: str
    #: Transitive dependencies to leave out: Spark already ships them, or they are unused and
    #: not on Maven Central. Passed as ``spark.jars.excludes`` / ``--exclude-packages``.
    excludes: tuple[str, ...]
    pip_requirements: tuple[str, ...]
    verified: bool

    @property
    def packages(self) -> tuple[str, ...]:
        return (self.delta_package, self.deequ_package)

    @property
    def deequ_version(self) -> str:
        return self.deequ_package.rsplit(":", 1)[-1]


_COMMON_EXCLUDES = (
    "net.sourceforge.f2j:arpack_combined_all",  # what pydeequ excludes: a native BLAS Spark ships
    "software.amazon.glue:dqdl",  # Deequ's Glue DQDL parser: unused, not on Maven Central
    "org.scala-lang:scala-library",  # the Spark distribution's own Scala wins
    "org.scala-lang:scala-reflect",
    "org.scalanlp:breeze_2.12",  # Spark MLlib ships breeze
    "org.scalanlp:breeze_2.13",
)

PLATFORMS: dict[str, Platform] = {
    "3.5": Platform(
        spark="3.5",
        scala="2.12",
        delta_package="io.delta:delta-spark_2.12:3.3.2",
        deequ_package="com.amazon.deequ:deequ:2.1.0-spark-3.5",
        excludes=_COMMON_EXCLUDES,
        pip_requirements=("pyspark==3.5.7", "delta-spark==3.3.2"),
        verified=True,
    ),
    "4.1": Platform(
        spark="4.1",
        scala="2.13",
        delta_package="io.delta:delta-spark_4.1_2.13:4.4.1",
        deequ_package="com.amazon.deequ:deequ:2.0.18-spark-4.1",
        excludes=_COMMON_EXCLUDES,
        pip_requirements=("pyspark==4.1.1", "delta-spark==4.4.1"),
        verified=False,
    ),
}


def platform_for(spark_version: str) -> Platform:
    """The platform entry for a Spark version such as ``3.5.7``; refuse anything else clearly."""
    match = re.match(r"^(\d+)\.(\d+)", spark_version or "")
    line = f"{match.group(1)}.{match.group(2)}" if match else spark_version
    try:
        return PLATFORMS[line]
    except KeyError:
        raise UnsupportedPlatformError(
            f"Spark {spark_version} is not supported: dqengine runs on Spark "
            f"{' or '.join(sorted(PLATFORMS))} (Deequ publishes builds only for those lines); "
            "install pyspark 3.5.x (Databricks LTS 15.4/16.4) and run again"
        ) from None
