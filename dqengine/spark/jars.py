"""Resolve the Delta and Deequ jars once, into the Ivy cache the Makefile points at.

``python -m dqengine.spark.jars`` starts (and stops) a local session, which makes Spark's Ivy
resolve ``spark.jars.packages`` into ``DQENGINE_IVY_DIR``; later sessions find everything there.
Should Spark's resolver fail, Maven (``mvn dependency:get``) fetches the artifacts into ``~/.m2``,
which Spark's resolver searches first, and the session is tried once more.
``--print-jars`` lists the resolved jar files: a ready-made ``--jars``/``DQENGINE_JARS`` value
for air-gapped sites.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

from dqengine.platforms import Platform, platform_for

__all__ = ["maven_commands", "resolved_jars", "main"]


def maven_commands(platform: Platform) -> list[list[str]]:
    """``mvn dependency:get`` for each package. Deequ is fetched without its dependencies: Spark
    provides them, and one of them (dqdl) is not on Maven Central."""
    commands = []
    for package in platform.packages:
        transitive = "false" if package == platform.deequ_package else "true"
        commands.append(["mvn", "-q", "-B", "dependency:get", f"-Dartifact={package}",
                         f"-Dtransitive={transitive}"])
    return commands


def resolved_jars(ivy_dir: str | os.PathLike) -> list[str]:
    jars = Path(ivy_dir) / "jars"
    return sorted(str(p) for p in jars.glob("*.jar")) if jars.is_dir() else []


def _start_and_stop() -> None:
    from dqengine.spark.session import get_spark

    spark = get_spark("dqengine-jars", extra_conf={"spark.ui.enabled": "false"})
    spark.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqengine.spark.jars", description=__doc__.splitlines()[0])
    parser.add_argument("--print-jars", action="store_true", help="print the resolved jars, comma-separated")
    args = parser.parse_args(argv)
    ivy = os.environ.get("DQENGINE_IVY_DIR") or str(Path.home() / ".ivy2")
    if args.print_jars:
        print(",".join(resolved_jars(ivy)))
        return 0
    import pyspark

    platform = platform_for(pyspark.__version__)
    try:
        _start_and_stop()
        return 0
    except Exception as exc:  # resolution failed: the JVM exits before the session starts
        print(f"dqengine: Spark could not resolve {', '.join(platform.packages)} ({exc}); trying Maven",
              file=sys.stderr)
    if shutil.which("mvn") is None:
        print("dqengine: mvn not found; install Maven or pass the jars with DQENGINE_JARS", file=sys.stderr)
        return 3
    for command in maven_commands(platform):
        if subprocess.run(command).returncode != 0:
            print(f"dqengine: {' '.join(command)} failed", file=sys.stderr)
            return 3
    # The JVM of a failed launch is gone, so a new session can start in this process.
    _start_and_stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
