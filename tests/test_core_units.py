"""Pure-Python pieces: planner, fingerprint, registry, platform and location parsing. No Spark."""
from __future__ import annotations

import os

import pytest

from dqengine.checks import ConstraintRegistry, DuplicateConstraintError, default_registry, parse_suite
from dqengine.checks.base import AnalyzerSpec, quote_identifier, sql_literal
from dqengine.planner import REFERENCE_VERSION, ROW_COUNT, plan_suite
from dqengine.platforms import PLATFORMS
from dqengine.spark.deequ import SUPPORTED_ANALYZERS
from dqengine.spark.jars import maven_commands
from dqengine.spark.session import local_cores, local_session_conf
from dqengine.spark.store import MetricsLocation

BASE = """
suite: s
dataset: {path: /data/t, where: "plant = 'P1'"}
checks:
  - name: a
    constraints:
      - is_complete: x
      - completeness: {column: x, must_be_at_least: 0.9}
      - is_primary_key: [id]
      - is_unique: id
      - between: {column: x, min: 0, max: 1}
"""


def test_plan_computes_each_metric_once_and_always_the_row_count():
    plan = plan_suite(parse_suite(BASE, "s.yml"))
    assert plan.analyzers == (
        ROW_COUNT,
        AnalyzerSpec("Completeness", ("x",)),
        AnalyzerSpec("Uniqueness", ("id",)),
        AnalyzerSpec("Completeness", ("id",)),
        AnalyzerSpec("Compliance", ("x",), (("instance", "x between 0 and 1"),
                                           ("predicate", "`x` IS NULL OR (`x` >= 0.0 AND `x` <= 1.0)"))),
    )


def test_every_analyzer_a_constraint_asks_for_exists_in_the_deequ_adapter():
    registry = default_registry()
    for definition in registry:
        suite = parse_suite(f"suite: s\ndataset: {{path: /t}}\nchecks:\n  - name: c\n    constraints:\n"
                            f"      - {definition.example}\n", "s.yml")
        for spec in plan_suite(suite).analyzers:
            # the version a reference pass read is the provider's answer, not Deequ's
            assert spec.kind in SUPPORTED_ANALYZERS | {REFERENCE_VERSION}, (definition.name, spec.kind)


def test_fingerprint_ignores_form_but_not_meaning():
    base = parse_suite(BASE, "s.yml").fingerprint
    reformatted = "# a comment\n" + BASE.replace("{path: /data/t, where: \"plant = 'P1'\"}",
                                                 "\n  path: /data/t\n  where: \"plant = 'P1'\"\n  version: 3")
    assert parse_suite(reformatted, "s.yml").fingerprint == base  # comments, layout, pinned version
    for changed in (BASE.replace("0.9", "0.95"), BASE.replace("P1", "P2"), BASE.replace("/data/t", "/data/u"),
                    BASE.replace("- name: a", "- name: a\n    severity: warning")):
        assert parse_suite(changed, "s.yml").fingerprint != base


def test_registry_refuses_duplicates_and_lists_names():
    registry = default_registry()
    assert len(registry) == 37
    with pytest.raises(DuplicateConstraintError, match="'is_complete' is already registered"):
        ConstraintRegistry([*registry, registry.get("is_complete")])
    assert registry.get("nope") is None and "is_complete" in registry


def test_sql_literals_and_identifiers_are_escaped():
    assert sql_literal("plain text, ünïcode") == "'plain text, ünïcode'"
    assert sql_literal("O'Brien") == "decode(X'4F27427269656E', 'UTF-8')"  # quote: never spliced in
    assert sql_literal("a\\b") == "decode(X'615C62', 'UTF-8')"
    assert sql_literal("tab\tnew\nline").startswith("decode(X'")
    assert sql_literal(True) == "TRUE" and sql_literal(3) == "3" and sql_literal(0.5) == "0.5"
    assert quote_identifier("a.b") == "`a.b`"
    with pytest.raises(ValueError):
        sql_literal(float("nan"))


def test_local_session_conf_resolves_packages_or_takes_jars():
    platform = PLATFORMS["3.5"]
    conf = local_session_conf(platform, {"DQENGINE_IVY_DIR": "/cache"})
    assert conf["spark.jars.packages"] == "io.delta:delta-spark_2.12:3.3.2,com.amazon.deequ:deequ:2.1.0-spark-3.5"
    assert "software.amazon.glue:dqdl" in conf["spark.jars.excludes"] and conf["spark.jars.ivy"] == "/cache"
    airgapped = local_session_conf(platform, {"DQENGINE_JARS": "/opt/a.jar,/opt/b.jar"})
    assert airgapped["spark.jars"] == "/opt/a.jar,/opt/b.jar" and "spark.jars.packages" not in airgapped


@pytest.mark.parametrize("master, cores", [("local", 1), ("local[2]", 2), ("local[8]", 8), ("local[3,2]", 3),
                                           ("local[*]", os.cpu_count()), ("spark://host:7077", None),
                                           ("yarn", None), ("local-cluster[2,1,1024]", None)])
def test_a_local_master_gets_partition_counts_for_its_cores(master, cores):
    assert local_cores(master) == cores
    conf = local_session_conf(PLATFORMS["3.5"], {"DQENGINE_JARS": "/a.jar"}, master=master)
    if cores is None:  # a cluster keeps the cluster's (or Spark's) settings
        assert "spark.sql.shuffle.partitions" not in conf and "spark.databricks.delta.snapshotPartitions" not in conf
    else:
        expected = str(max(2 * cores, 4))
        assert conf["spark.sql.shuffle.partitions"] == conf["spark.databricks.delta.snapshotPartitions"] == expected


def test_maven_fallback_fetches_deequ_without_its_dependencies():
    commands = maven_commands(PLATFORMS["3.5"])
    assert ["mvn", "-q", "-B", "dependency:get", "-Dartifact=com.amazon.deequ:deequ:2.1.0-spark-3.5",
            "-Dtransitive=false"] in commands
    assert any("-Dartifact=io.delta:delta-spark_2.12:3.3.2" in c for c in commands)


@pytest.mark.parametrize(
    "text, kind, value",
    [("main.quality", "schema", "main.quality"), ("quality", "word", "quality"),
     ("/data/dq", "path", "/data/dq"), ("s3://bucket/dq/", "path", "s3://bucket/dq"),
     ("dbfs:/dq", "path", "dbfs:/dq")],
    ids=["catalog-schema", "schema", "abs-path", "s3", "dbfs"],
)
def test_metrics_location(text, kind, value):
    location = MetricsLocation.parse(text)
    assert (location.kind, location.value) == (kind, value)


def test_metrics_location_relative_path_and_table_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    location = MetricsLocation.parse("./dq_metrics")
    assert location.value == str(tmp_path / "dq_metrics")
    assert location.table("dq_runs") == f"delta.`{tmp_path}/dq_metrics/dq_runs`"
    assert MetricsLocation.parse("main.quality").table("dq_runs") == "main.quality.dq_runs"


def test_cli_restores_the_callers_signal_handlers():
    """main() run in-process (a notebook, a test) must not leave its stop-at-once handlers behind."""
    import signal

    from dqengine.cli import _interruptible

    mine = lambda signum, frame: None  # noqa: E731
    before = signal.signal(signal.SIGINT, mine)
    try:
        with _interruptible() as reinstall:
            assert signal.getsignal(signal.SIGINT) is not mine
            signal.signal(signal.SIGINT, signal.default_int_handler)  # what pyspark does at start-up
            reinstall()
            assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler
        assert signal.getsignal(signal.SIGINT) is mine
    finally:
        signal.signal(signal.SIGINT, before)
