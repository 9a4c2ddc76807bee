"""Resolve the Delta and Deequ jars once, so that every later session loads them offline.

``python -m dqengine.spark.jars`` starts (and stops) a local session, which makes Spark's Ivy
resolve ``spark.jars.packages`` into the Ivy directory (``dqengine.spark.session.ivy_dir``: the
checkout's ``.ivy2/`` under ``make``), then writes the manifest of the resolved jar files there.
Later sessions load exactly those files (no Ivy, no network), wherever they are started from.
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


def _start_and_stop(platform: Platform) -> None:
    """Start a session (resolving the jars if need be) and record the jar files it loaded."""
    from dqengine.spark.session import get_spark, ivy_dir, manifest_path

    spark = get_spark("dqengine-jars", extra_conf={"spark.ui.enabled": "false"})
    try:
        loaded = spark.sparkContext.getConf().get("spark.jars", "")
    finally:
        spark.stop()
    jars = [j.removeprefix("file://") for j in loaded.split(",") if j]
    if os.environ.get("DQENGINE_JARS") or not jars:
        return  # the jars were given by hand: nothing was resolved here to record
    manifest = manifest_path(ivy_dir(), platform)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    tmp = manifest.with_suffix(".tmp")
    tmp.write_text("\n".join(jars) + "\n")
    tmp.replace(manifest)  # a reader sees the whole list or none
    print(f"dqengine: jars resolved; later sessions load them from {manifest}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqengine.spark.jars", description=__doc__.splitlines()[0])
    parser.add_argument("--print-jars", action="store_true", help="print the resolved jars, comma-separated")
    args = parser.parse_args(argv)
    if args.print_jars:
        from dqengine.spark.session import ivy_dir

        print(",".join(resolved_jars(ivy_dir())))
        return 0
    import pyspark

    platform = platform_for(pyspark.__version__)
    try:
        _start_and_stop(platform)
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
    _start_and_stop(platform)
    return 0


if __name__ == "__main__":
    sys.exit(main())
