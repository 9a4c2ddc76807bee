"""How a cold dqengine process starts its JVM: the class archive of set-up, the quick JIT for brief
sessions and small tables, and the latest Delta version from a listing of the log (no Spark job).

The times themselves are measured by ``bench/bench_startup.py``, never here.
"""
from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import pytest

from dqengine import cli
from dqengine.checks import parse_suite
from dqengine.platforms import PLATFORMS
from dqengine.spark import session as S

REPO = Path(__file__).resolve().parent.parent
PLATFORM = PLATFORMS["3.5"]
QUICK = "-XX:TieredStopAtLevel=1"


def _options(conf: dict[str, str]) -> list[str]:
    return conf.get("spark.driver.extraJavaOptions", "").split()


def _archive(ivy: Path, jars: str, env: dict[str, str], stamp: str | None = None) -> Path:
    archive = S.class_archive(ivy, PLATFORM)
    archive.write_bytes(b"not really an archive")
    archive.with_suffix(".stamp").write_text((stamp or S.class_archive_stamp(jars, env)) + "\n")
    return archive


def test_a_brief_session_gets_the_quick_jit_and_a_run_session_does_not(monkeypatch):
    env = {"DQENGINE_JARS": "/a.jar", "PATH": os.environ["PATH"]}
    brief, run = S.local_session_conf(PLATFORM, env, brief=True), S.local_session_conf(PLATFORM, env)
    assert QUICK in _options(brief) and brief["spark.ui.enabled"] == "false"
    assert QUICK not in _options(run) and "spark.ui.enabled" not in run  # a long run keeps its UI
    # DQENGINE_JIT decides instead, either way
    assert QUICK in _options(S.local_session_conf(PLATFORM, {**env, "DQENGINE_JIT": "quick"}, brief=False))
    assert QUICK not in _options(S.local_session_conf(PLATFORM, {**env, "DQENGINE_JIT": "full"}, brief=True))


def test_an_unknown_jit_setting_is_said_and_ignored(caplog):
    env = {"DQENGINE_JARS": "/a.jar", "PATH": os.environ["PATH"], "DQENGINE_JIT": "fast"}
    assert QUICK in _options(S.local_session_conf(PLATFORM, env, brief=True))
    assert QUICK not in _options(S.local_session_conf(PLATFORM, env))
    assert "DQENGINE_JIT=fast is neither quick nor full" in caplog.text


def test_the_class_archive_is_used_only_with_the_java_pyspark_and_jars_that_made_it(tmp_path):
    java = S.java_executable()
    assert java is not None, "the tests need a java on PATH or JAVA_HOME"
    env = {"DQENGINE_IVY_DIR": str(tmp_path), "DQENGINE_JARS": "/a.jar,/b.jar", "PATH": os.environ["PATH"]}
    assert not any("SharedArchiveFile" in o for o in _options(S.local_session_conf(PLATFORM, env)))  # none made

    archive = _archive(tmp_path, "/a.jar,/b.jar", env)
    options = _options(S.local_session_conf(PLATFORM, env))
    assert f"-XX:SharedArchiveFile={archive}" in options and "-Xlog:cds=off" in options

    other_jars = {**env, "DQENGINE_JARS": "/a.jar,/c.jar"}
    assert not any("SharedArchiveFile" in o for o in _options(S.local_session_conf(PLATFORM, other_jars)))
    other_java = {**env, "JAVA_HOME": str(tmp_path / "another-jdk")}  # no java there: no stamp at all
    assert not any("SharedArchiveFile" in o for o in _options(S.local_session_conf(PLATFORM, other_java)))
    _archive(tmp_path, "/a.jar,/b.jar", env, stamp="made by some other java")
    assert not any("SharedArchiveFile" in o for o in _options(S.local_session_conf(PLATFORM, env)))

    # the one process that writes the archive asks the JVM to, and does not read a stale one
    dump = {**env, S.CLASS_ARCHIVE_DUMP: str(tmp_path / "new.jsa")}
    assert _options(S.local_session_conf(PLATFORM, dump)) == [f"-XX:ArchiveClassesAtExit={tmp_path / 'new.jsa'}"]


def test_the_stamp_changes_with_the_java_executable(tmp_path):
    fake = tmp_path / "jdk" / "bin" / "java"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    first = S.class_archive_stamp("/a.jar", {"JAVA_HOME": str(tmp_path / "jdk")})
    os.utime(fake, ns=(1, 1))
    assert first is not None and S.class_archive_stamp("/a.jar", {"JAVA_HOME": str(tmp_path / "jdk")}) != first


def test_java_major_reads_old_and_new_version_strings(tmp_path):
    from dqengine.spark.jars import java_major

    for text, major in (('openjdk version "17.0.15" 2025-04-15', 17), ('java version "1.8.0_402"', 8),
                        ('openjdk version "21" 2023-09-19', 21)):
        fake = tmp_path / f"java{major}"
        fake.write_text(f"#!/bin/sh\necho '{text}' >&2\n")
        fake.chmod(0o755)
        assert java_major(str(fake)) == major
    assert java_major(str(tmp_path / "missing")) is None


def _delta_rs_table(path: Path, rows: int) -> None:
    from arro3.core import Array, DataType, Table
    from deltalake import write_deltalake

    write_deltalake(str(path), Table.from_pydict({"id": Array(list(range(rows)), DataType.int64())}))


def test_a_small_local_table_is_measured_from_its_log_without_a_jvm(tmp_path, monkeypatch):
    table = tmp_path / "t"
    _delta_rs_table(table, 1000)
    assert S.small_local_table(str(table)) and S.small_local_table(str(table), version=0)
    monkeypatch.setattr(S, "BRIEF_RUN_BYTES", 100)  # the table's one file is larger than that
    assert not S.small_local_table(str(table))
    assert not S.small_local_table(str(tmp_path / "missing"))
    assert not S.small_local_table(str(tmp_path))  # a directory, not a Delta table
    assert not S.small_local_table("s3://bucket/t") and not S.small_local_table(None)
    assert not S.small_local_table(str(table), version=7)  # no such version: Spark will say so


@pytest.mark.parametrize("table_rows, brief", [(1000, True), (None, False)])
def test_run_starts_a_brief_session_for_a_small_local_table(tmp_path, monkeypatch, table_rows, brief):
    data = tmp_path / "data"
    if table_rows:
        _delta_rs_table(data, table_rows)
        dataset = f"path: '{data}'"
    else:
        dataset = "table: plant.readings"  # a metastore table: its size is the catalog's business
    suite = tmp_path / "suite.yml"
    suite.write_text(f"suite: s\ndataset:\n  {dataset}\nchecks:\n  - name: c\n    constraints:\n"
                     "      - is_complete: id\n", encoding="utf-8")
    seen = {}

    class Started(Exception):
        pass

    def fake_get_spark(app, extra_conf=None, brief=False):
        seen["brief"] = brief
        raise Started

    monkeypatch.setattr(S, "get_spark", fake_get_spark)
    args = argparse.Namespace(suite=str(suite), metrics=str(tmp_path / "m"), dataset_version=None, run_id=None,
                              states=True, verbose=False, format="text")
    with pytest.raises(Started):
        cli._run(args)
    assert seen == {"brief": brief}


# --- the latest version, from a listing of the log --------------------------------------------


def _suite(path: Path):
    return parse_suite(f"suite: s\ndataset:\n  path: '{path}'\nchecks:\n  - name: c\n    constraints:\n"
                       "      - is_complete: id\n", "suite.yml")


def test_the_listed_latest_version_is_delta_history(spark, tmp_path):
    from delta.tables import DeltaTable

    from dqengine.spark.dataset import _listed_version, latest_version

    path = str(tmp_path / "t")
    for i in range(3):
        spark.range(10 * i, 10 * i + 10).write.format("delta").mode("append").save(path)
    spark.sql(f"OPTIMIZE delta.`{path}`")
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.checkpointInterval' = '2')")
    spark.range(5).write.format("delta").mode("append").save(path)  # a checkpoint beside its commit
    history = DeltaTable.forPath(spark, path).history(1).select("version").head()[0]
    assert history == 5 and _listed_version(spark, path) == 5 and latest_version(spark, _suite(Path(path))) == 5
    assert any(p.name.endswith(".checkpoint.parquet") for p in (tmp_path / "t" / "_delta_log").iterdir())


def test_a_listing_that_cannot_tell_falls_back_to_delta_history(spark, tmp_path):
    from dqengine.errors import DatasetError
    from dqengine.spark.dataset import _listed_version, latest_version

    path = tmp_path / "t"
    spark.range(3).write.format("delta").save(str(path))
    commits = path / "_delta_log" / "_commits"
    commits.mkdir(exist_ok=True)  # Delta 3.3 makes it, empty, on every table
    assert _listed_version(spark, str(path)) == 0
    (commits / "00000000000000000001.4b1c6f3a.json").write_text("{}\n")  # coordinated commits: not backfilled
    assert _listed_version(spark, str(path)) is None
    assert latest_version(spark, _suite(path)) == 0
    assert _listed_version(spark, str(tmp_path / "nothing")) is None
    with pytest.raises(DatasetError, match="is not a Delta table"):
        latest_version(spark, _suite(tmp_path / "nothing"))


def test_this_checkouts_sessions_start_from_the_class_archive_set_up_made(spark):
    """``make setup`` wrote the archive for this Java, pyspark and these jars, and the tests' own
    session (like every session dqengine starts here) was launched with it."""
    ivy = S.ivy_dir()
    archive = S.class_archive(ivy, PLATFORM)
    from dqengine.spark.jars import java_major

    if S.java_executable() is None or not (ivy / f"dqengine-jars-spark-{PLATFORM.spark}.txt").is_file():
        pytest.fail("set-up did not run: make setup resolves the jars and writes the class archive")
    if (java_major(S.java_executable()) or 0) < 13:
        pytest.skip("this Java cannot write a class archive (Java 13 or later can)")
    assert archive.is_file() and archive.stat().st_size > 50 * 2**20, f"make setup wrote no class archive at {archive}"
    jvm_arguments = list(spark._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments())
    assert f"-XX:SharedArchiveFile={archive}" in jvm_arguments, (
        "the class archive was made for another Java, pyspark or jar list (its stamp differs): "
        "python -m dqengine.spark.jars --class-archive makes it again")


def test_the_site_driver_options_of_spark_defaults_are_kept(tmp_path):
    (tmp_path / "spark-defaults.conf").write_text(
        "# site settings\nspark.driver.extraJavaOptions  -Djava.security.krb5.conf=/etc/krb5.conf\n"
        "spark.executor.memory 4g\n")
    env = {"DQENGINE_JARS": "/a.jar", "PATH": os.environ["PATH"], "SPARK_CONF_DIR": str(tmp_path)}
    assert S.spark_defaults(env)["spark.executor.memory"] == "4g"
    options = _options(S.local_session_conf(PLATFORM, env, brief=True))
    assert options == [QUICK, "-Djava.security.krb5.conf=/etc/krb5.conf"]
    assert "spark.driver.extraJavaOptions" not in S.local_session_conf(PLATFORM, env)  # nothing of ours: untouched


def test_a_failing_class_archive_does_not_send_set_up_to_maven(monkeypatch, capsys):
    from dqengine.spark import jars

    monkeypatch.setattr(jars, "_start_and_stop", lambda platform: None)

    def broken(platform):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(jars, "_build_class_archive", broken)
    assert jars.main([]) == 0
    err = capsys.readouterr().err
    assert "no class archive" in err and "No space left" in err and "Maven" not in err


def test_an_object_store_path_is_not_listed(spark):
    from dqengine.spark.dataset import _listed_version

    # its log store may show a commit file after the commit: Delta's reader answers instead
    assert _listed_version(spark, "s3a://bucket/readings") is None
    assert _listed_version(spark, "abfss://c@account.dfs.core.windows.net/readings") is None


def test_the_class_archive_maps_with_this_java_and_sparks_classpath(spark):
    """-Xshare:on makes a JVM that cannot map the archive (another Java, another class path) fail
    instead of starting without it: the archive set-up made is one the JVM really uses."""
    archive = S.class_archive(S.ivy_dir(), PLATFORM)
    if not archive.is_file():
        pytest.fail(f"make setup wrote no class archive at {archive}")
    classpath = spark._jvm.java.lang.System.getProperty("java.class.path")

    def java(cp: str) -> subprocess.CompletedProcess:
        return subprocess.run([S.java_executable(), f"-XX:SharedArchiveFile={archive}", "-Xshare:on", "-cp", cp,
                               "-version"], capture_output=True, text=True, timeout=120)

    done = java(classpath)
    assert done.returncode == 0, done.stdout + done.stderr
    assert java("/nowhere/else.jar").returncode != 0  # the check can fail
