"""Resolve the Delta and Deequ jars once, so that every later session loads them offline.

``python -m dqengine.spark.jars`` starts (and stops) a local session, which makes Spark's Ivy
resolve ``spark.jars.packages`` into the Ivy directory (``dqengine.spark.session.ivy_dir``: the
checkout's ``.ivy2/`` under ``make``), then writes the manifest of the resolved jar files there.
Later sessions load exactly those files (no Ivy, no network), wherever they are started from.
Should Spark's resolver fail, Maven (``mvn dependency:get``) fetches the artifacts into ``~/.m2``,
which Spark's resolver searches first, and the session is tried once more.
``--print-jars`` lists the resolved jar files: a ready-made ``--jars``/``DQENGINE_JARS`` value
for air-gapped sites.

Then the demo runs once in a JVM that writes, as it exits, the archive of every class it loaded
(``-XX:ArchiveClassesAtExit``, Java 13 and later); sessions dqengine starts later map the classes
from it (``dqengine.spark.session``). Without it everything works, only a cold process starts
several seconds slower. ``--class-archive`` makes it again (after a Java or pyspark upgrade).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Sequence

from dqengine.platforms import Platform, platform_for

__all__ = ["maven_commands", "resolved_jars", "java_major", "build_class_archive", "main"]


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


def java_major(java: str) -> int | None:
    """The major version of a ``java`` executable (8 for 1.8), or None when it does not say."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def build_class_archive(platform: Platform) -> bool:
    """Run the demo in a JVM that archives its classes at exit; keep the archive with its stamp.

    The archive only speeds up start-up: whatever goes wrong here is said and set-up goes on."""
    try:
        return _build_class_archive(platform)
    except OSError as exc:
        print(f"dqengine: no class archive ({exc}); cold processes start a few seconds slower", file=sys.stderr)
        return False


def _build_class_archive(platform: Platform) -> bool:
    from dqengine.spark.session import (CLASS_ARCHIVE_DUMP, class_archive, class_archive_stamp, ivy_dir,
                                        java_executable, manifest_jars)

    java = java_executable()
    major = java_major(java) if java else None
    if major is None or major < 13:
        print(f"dqengine: no class archive: Java {major or '?'} cannot write one (13 or later can); "
              "cold processes start a few seconds slower", file=sys.stderr)
        return False
    jars = os.environ.get("DQENGINE_JARS") or ",".join(manifest_jars(ivy_dir(), platform) or ())
    stamp = class_archive_stamp(jars)
    archive = class_archive(ivy_dir(), platform)
    archive.with_suffix(".stamp").unlink(missing_ok=True)  # a stale archive is never used meanwhile
    suite = Path(__file__).resolve().parents[2] / "conf" / "sensor_readings.yml"
    if not suite.is_file():
        print("dqengine: no class archive: the demo suite is not here (not a source checkout)", file=sys.stderr)
        return False
    dump = archive.with_name(archive.name + ".tmp")
    dump.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="dqengine-archive-") as work:
        # The demo's suite names its table by a relative path: the demo writes it under ``work``.
        env = {**os.environ, CLASS_ARCHIVE_DUMP: str(dump)}
        done = subprocess.run([sys.executable, "-m", "dqengine.demo", "--suite", str(suite)], cwd=work,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or not dump.is_file() or dump.stat().st_size == 0 or stamp is None:
        tail = (done.stderr or "").strip().splitlines()[-1:] or ["no archive written"]
        print(f"dqengine: no class archive ({tail[0]}); cold processes start a few seconds slower",
              file=sys.stderr)
        dump.unlink(missing_ok=True)
        return False
    dump.replace(archive)
    archive.with_suffix(".stamp").write_text(stamp + "\n")
    print(f"dqengine: class archive written ({archive.stat().st_size // 2**20} MiB): cold sessions start "
          f"from {archive}", file=sys.stderr)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqengine.spark.jars", description=__doc__.splitlines()[0])
    parser.add_argument("--print-jars", action="store_true", help="print the resolved jars, comma-separated")
    parser.add_argument("--class-archive", action="store_true",
                        help="only (re)make the JVM class archive for the jars resolved before")
    args = parser.parse_args(argv)
    if args.print_jars:
        from dqengine.spark.session import ivy_dir

        print(",".join(resolved_jars(ivy_dir())))
        return 0
    import pyspark

    platform = platform_for(pyspark.__version__)
    if args.class_archive:
        return 0 if build_class_archive(platform) else 3
    try:
        _start_and_stop(platform)
    except Exception as exc:  # resolution failed: the JVM exits before the session starts
        print(f"dqengine: Spark could not resolve {', '.join(platform.packages)} ({exc}); trying Maven",
              file=sys.stderr)
    else:
        build_class_archive(platform)
        return 0
    if shutil.which("mvn") is None:
        print("dqengine: mvn not found; install Maven or pass the jars with DQENGINE_JARS", file=sys.stderr)
        return 3
    for command in maven_commands(platform):
        if subprocess.run(command).returncode != 0:
            print(f"dqengine: {' '.join(command)} failed", file=sys.stderr)
            return 3
    # The JVM of a failed launch is gone, so a new session can start in this process.
    _start_and_stop(platform)
    build_class_archive(platform)
    return 0


if __name__ == "__main__":
    sys.exit(main())
