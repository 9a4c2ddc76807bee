"""dqengine suggest on real Spark + Deequ: the starter suite validates, runs and passes on the
version it profiled; the bad inputs are refused with one line and exit 2, nothing written."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from dqengine.checks import load_suite
from dqengine.cli import main
from dqengine.spark.runner import run_suite

REPO = Path(__file__).resolve().parent.parent


def _cli(capsys, *argv: str):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def tables(spark, tmp_path_factory):
    base = tmp_path_factory.mktemp("suggest")
    generated = str(base / "generated")
    spark.range(0, 500).selectExpr("id AS reading_id", "CAST(id * 0.5 AS DOUBLE) AS value") \
        .write.format("delta").save(generated)
    rows = [(i, ["OK", "WARN", "FAIL"][i % 3] if i % 10 else "OK", None if i % 7 == 0 else 1400.0 + i,
             f"S-{i % 4:03d}") for i in range(1, 301)]
    mixed = str(base / "mixed")  # a key, categories, nulls
    spark.createDataFrame(rows, "heat_id BIGINT, status STRING, temperature DOUBLE, sensor_id STRING") \
        .write.format("delta").save(mixed)
    spark.createDataFrame([(1, "x")], "heat_id BIGINT, status STRING").write.format("delta").mode("append").save(mixed)
    return {"generated": generated, "mixed": mixed, "base": base}


@pytest.mark.parametrize("name", ["generated", "mixed"])
def test_the_starter_suite_validates_runs_and_passes_on_what_it_profiled(spark, tables, tmp_path, capsys, name):
    out = tmp_path / "suite.yml"
    version = "0"
    code, stdout, err = _cli(capsys, "suggest", "--path", tables[name], "--version", version, "--out", str(out))
    assert code == 0, err
    assert stdout == f"{out}\n" and "constraints from" in err
    assert main(["validate", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    constraint_lines = [line for line in text.splitlines() if line.startswith("      - ")]
    assert constraint_lines and all("  # observed: " in line for line in constraint_lines)
    suite = load_suite(out)
    assert suite.dataset.version == 0 and suite.dataset.path == tables[name]
    run = run_suite(spark, suite, metrics=str(tmp_path / "m"))
    assert run.dataset_version == 0
    blocking = [(r.label, r.message) for r in run.constraints if r.severity == "error" and r.status.value != "PASSED"]
    assert blocking == [] and run.status.value == "PASSED"
    if name == "mixed":
        data = yaml.safe_load(text)
        kinds = [next(iter(c)) for check in data["checks"] for c in check["constraints"]]
        assert {"is_complete", "completeness", "allowed_values", "between", "is_unique"} <= set(kinds)
        completeness = [c["completeness"] for check in data["checks"] for c in check["constraints"]
                        if "completeness" in c]
        assert len(completeness) == 1 and completeness[0]["column"] == "temperature"
        assert 0.7 < completeness[0]["must_be_at_least"] <= 258 / 300  # 42 of 300 are NULL
        allowed = [c["allowed_values"] for check in data["checks"] for c in check["constraints"]
                   if "allowed_values" in c and c["allowed_values"]["column"] == "status"]
        assert allowed == [{"column": "status", "values": ["FAIL", "OK", "WARN"]}]
        assert any(c.get("is_unique") == "heat_id" for check in data["checks"] for c in check["constraints"])


def test_bad_inputs_are_one_line_exit_2_and_write_nothing(spark, tables, tmp_path, capsys):
    out = tmp_path / "s.yml"
    missing = str(tmp_path / "nope")
    code, stdout, err = _cli(capsys, "suggest", "--path", missing, "--out", str(out))
    assert (code, stdout) == (2, "") and err.startswith(f"dqengine: --path {missing}: path '{missing}' is not a Delta table")
    assert len(err.strip().splitlines()) == 1
    code, stdout, err = _cli(capsys, "suggest", "--path", tables["generated"], "--version", "7", "--out", str(out))
    assert (code, stdout) == (2, "") and "version 7" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()

    code, _, err = _cli(capsys, "suggest", "--out", str(out))
    assert code == 2 and "one of the arguments --table --path is required" in err
    code, _, err = _cli(capsys, "suggest", "--table", "t", "--path", "/p", "--out", str(out))
    assert code == 2 and "argument --path: not allowed with argument --table" in err
    out.write_text("keep me\n")
    code, _, err = _cli(capsys, "suggest", "--path", tables["generated"], "--out", str(out))
    assert (code, err) == (2, f"dqengine: --out {out}: exists; pass --force to replace it, or give another file\n")
    assert out.read_text() == "keep me\n"
    code, _, err = _cli(capsys, "suggest", "--path", tables["generated"], "--out", str(tmp_path / "no" / "s.yml"))
    assert code == 2 and err == (f"dqengine: --out {tmp_path / 'no' / 's.yml'}: directory {tmp_path / 'no'} does not "
                                 "exist; create it first\n")
    code, _, err = _cli(capsys, "suggest", "--path", tables["generated"], "--out", str(tmp_path))
    assert code == 2 and "is a directory" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yml"]  # no temporary file left behind


@pytest.mark.multiprocess
def test_a_real_dqengine_suggest_process_writes_a_suite_that_validates(tables, tmp_path):
    out = tmp_path / "starter.yml"
    env = {**os.environ, "DQENGINE_IVY_DIR": str(REPO / ".ivy2"), "PYTHONPATH": str(REPO)}
    dqengine = str(Path(sys.executable).parent / "dqengine")
    done = subprocess.run([dqengine, "suggest", "--path", tables["mixed"], "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == f"{out}\n"  # stdout carries only the path: OUT=$(dqengine suggest ...) works
    checked = subprocess.run([dqengine, "validate", str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "version: 1" in out.read_text()  # the latest version, pinned


def test_readme_suggest_commands_on_the_demo_table(spark, tmp_path, monkeypatch, capsys):
    """The README's "Starting a suite" lines as written, from a checkout's root, after the demo's
    table exists (`make demo` writes it; here dqengine.demo writes it): the suite validates and runs."""
    import re
    import shlex

    from dqengine import demo

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    part = readme.split("### Starting a suite", 1)[1].split("\n## ", 1)[0]
    lines = [line.strip() for line in re.search(r"```sh\n(.*?)```", part, re.S).group(1).strip().splitlines()]
    assert lines == ["make demo",
                     ".venv/bin/dqengine suggest --path demo_data/sensor_readings --out demo_data/starter.yml",
                     ".venv/bin/dqengine validate demo_data/starter.yml"]
    monkeypatch.chdir(tmp_path)
    table = tmp_path / "demo_data" / "sensor_readings"
    demo.write_sample_table(spark, str(table), defects=True)
    demo.write_sample_table(spark, str(table), defects=False)
    for line in lines[1:]:
        command = shlex.split(line)
        assert command[0] == ".venv/bin/dqengine"
        code, stdout, err = _cli(capsys, *command[1:])
        assert code == 0, err
    starter = load_suite(tmp_path / "demo_data" / "starter.yml")
    assert starter.name == "sensor_readings" and starter.dataset.version == 1
    run = run_suite(spark, starter, metrics=str(tmp_path / "m"))  # its relative path: from the cwd, as written
    # every constraint holds on the version profiled: Deequ's uniqueness candidates that are not
    # exactly unique (the demo's temperature and pressure) are left out, with their exact uniqueness
    assert run.status.value == "PASSED", [(r.label, r.message) for r in run.constraints if r.status.value != "PASSED"]
    text = (tmp_path / "demo_data" / "starter.yml").read_text(encoding="utf-8")
    assert '- is_unique: "reading_id"  # observed: uniqueness 1 on this version (exact)' in text
    assert "#   UniqueIfApproximatelyUniqueRule on temperature: not unique on version 1 (exact uniqueness 0." in text


def test_odd_column_names_and_tiny_numbers_round_trip(spark, tmp_path, capsys):
    """Deequ's profiler names `t.val` in backticks; the suite must still name the column itself,
    and an observed 1e-05 must be written as a number YAML reads back."""
    data = str(tmp_path / "odd")
    rows = [(i, None if i % 5 == 0 else 1e-05 * (i + 1), ["a: b #1", 'say "hi"', "ü€"][i % 3]) for i in range(60)]
    spark.createDataFrame(rows, "`id-key` BIGINT, `t.val` DOUBLE, `c:ü#` STRING").write.format("delta").save(data)
    out = tmp_path / "odd.yml"
    code, _, err = _cli(capsys, "suggest", "--path", data, "--out", str(out))
    assert code == 0, err
    assert main(["validate", str(out)]) == 0
    suite = load_suite(out)
    on = {(spec.name, spec.columns[0] if spec.columns else "") for spec in suite.constraints}
    assert {("is_complete", "id-key"), ("between", "id-key"), ("completeness", "t.val"), ("between", "t.val"),
            ("is_complete", "c:ü#"), ("allowed_values", "c:ü#")} <= on, sorted(on)
    between = next(spec.params for spec in suite.constraints if spec.name == "between" and spec.columns == ("t.val",))
    assert (between.min, between.max) == (1e-05 * 2, 1e-05 * 60)
    allowed = next(spec.params for spec in suite.constraints if spec.name == "allowed_values")
    assert sorted(allowed.values) == sorted(["a: b #1", 'say "hi"', "ü€"])
    assert "no dqengine type" not in out.read_text(encoding="utf-8")
    run = run_suite(spark, suite, metrics=str(tmp_path / "m"))
    assert run.status.certifies, [(r.label, r.message) for r in run.constraints if r.status.value != "PASSED"]
