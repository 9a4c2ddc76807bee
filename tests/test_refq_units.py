"""referential_integrity and the quarantine without Spark: parameters, planning, metric keys,
row-violation expressions and output locations."""
from __future__ import annotations

import pytest

from dqengine import parse_suite
from dqengine.errors import ConfigError
from dqengine.identity import MetricScope
from dqengine.planner import REFERENCE, REFERENCE_VERSION, SCAN, plan_suite, row_violations
from dqengine.spark.quarantine import check_outputs
from dqengine.spark.store import MetricsLocation


def _suite(constraints: str, head: str = "") -> str:
    items = "".join(f"      - {c}\n" for c in constraints.strip().splitlines())
    return f"suite: s\ndataset: {{path: /data/readings}}\n{head}checks:\n  - name: c\n    constraints:\n{items}"


def _issues(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_suite(text, "s.yml")
    return str(caught.value).splitlines()


@pytest.mark.parametrize("params, message", [
    ("{columns: [a, b], reference: {path: /r, column: x}}", "2 key column(s) but 1 in the reference"),
    ("{column: a, reference: {path: /r, table: t, column: x}}", "exactly one of 'table'"),
    ("{column: a, reference: {path: /r}}", "exactly one of 'column' or 'columns' for the reference"),
    ("{reference: {path: /r, column: x}}", "give exactly one of 'column' or 'columns'"),
    ("{columns: [a, a], reference: {path: /r, columns: [x, y]}}", "listed twice: a"),
    ("{column: a, reference: {path: /r, column: x, version: -1}}", "reference.version"),
    ("{column: a, reference: {path: /r, column: x}, min_fraction: 0}", "min_fraction"),
    ("{column: a, reference: {path: /r, column: x, colum: y}}", "unknown key 'colum'"),
], ids=["count", "two_sources", "no_ref_key", "no_key", "twice", "negative_version", "zero_fraction", "typo"])
def test_bad_parameters_are_located(params, message):
    (line,) = _issues(_suite(f"referential_integrity: {params}"))
    assert line.startswith("s.yml:6:") and message in line, line


def test_the_lookup_is_a_pass_of_its_own_with_the_reference_version():
    suite = parse_suite(_suite("""
referential_integrity: {column: heat_id, reference: {table: plant.heats, column: heat_id}}
referential_integrity: {columns: [plant, heat_id], reference: {table: plant.heats, columns: [plant, id]}}
is_complete: heat_id
"""), "s.yml")
    plan = plan_suite(suite)
    scan = [p for p in plan.passes if p.provider == SCAN]
    refs = [p for p in plan.passes if p.provider == REFERENCE]
    assert all(s.kind != "Compliance" for p in scan for s in p.analyzers)
    assert [p.reference.columns for p in refs] == [("heat_id",), ("plant", "heat_id")]
    assert [[s.kind for s in p.analyzers] for p in refs] == [["Compliance", REFERENCE_VERSION], ["Compliance"]]
    assert refs[0].reference.reference.identity == "plant.heats"


def test_the_metric_key_names_the_reference_but_not_its_version():
    def key(reference: str) -> str:
        suite = parse_suite(_suite(f"referential_integrity: {{column: h, reference: {reference}}}"), "s.yml")
        plan = plan_suite(suite)
        spec = next(s for s in plan.analyzers if s.kind == "Compliance")
        return plan.metric_key(spec, "Compliance", MetricScope("/data/readings"))

    base = key("{table: plant.heats, column: h}")
    assert key("{table: plant.heats, column: h, version: 3}") == base
    assert key("{table: plant.heats, column: h}, min_fraction: 0.5") == base
    assert key("{table: plant.other, column: h}") != base
    assert key("{table: plant.heats, column: id}") != base
    assert key("{path: /data/heats, column: h}") != key("{path: /data/heats2, column: h}")


def test_row_violations_are_the_predicates_the_metrics_count():
    suite = parse_suite(_suite("""
{is_complete: s, id: a}
{between: {column: t, min: 0, max: 1}, id: b}
{satisfies: {expression: 't < u'}, id: c}
{min_length: {column: s, must_be_at_least: 2}, id: d}
{max_length: {column: s, must_be_less_than: 5}, id: e}
{max_length: {column: s, must_be_at_least: 5}, id: f}
{referential_integrity: {columns: [s, t], reference: {path: /r, columns: [x, y]}}, id: g}
{mean: {column: t, must_be: 1}, id: h}
{completeness: {column: s, must_be_at_least: 0.5}, id: i}
{min_length: {column: s, must_be_between: [2, 3]}, id: j}
"""), "s.yml")
    found = dict(row_violations(suite))
    flag = plan_suite(suite).passes[-1].reference.name
    assert found == {
        "a": "`s` IS NULL",
        "b": "NOT COALESCE((`t` IS NULL OR (`t` >= 0.0 AND `t` <= 1.0)), FALSE)",
        "c": "NOT COALESCE((COALESCE((t < u), FALSE)), FALSE)",
        "d": "`s` IS NOT NULL AND length(`s`) < 2.0",
        "e": "`s` IS NOT NULL AND length(`s`) >= 5.0",
        "g": f"(`s` IS NOT NULL AND `t` IS NOT NULL) AND `{flag}` IS NULL",
        "j": "`s` IS NOT NULL AND length(`s`) < 2.0",
    }  # f: a lower bound on the longest string, h, i: not row-level
    assert row_violations(suite, skip={("c", 0)}) == tuple(row_violations(suite)[1:])


def test_quarantine_and_clean_locations():
    ok = parse_suite(_suite("is_complete: a", "quarantine: {path: /data/q}\nclean: {table: ml.clean}\n"), "s.yml")
    assert ok.quarantine.path == "/data/q" and ok.clean.table == "ml.clean"
    assert ok.fingerprint == parse_suite(_suite("is_complete: a"), "s.yml").fingerprint  # the gate ignores them
    lines = _issues(_suite("is_complete: a", "quarantine: {path: /data/readings}\nclean: {path: /data/readings/x}\n"))
    assert lines == ["s.yml:3:13: quarantine is the dataset itself (/data/readings); give the quarantine rows a "
                     "Delta table of their own",
                     "s.yml:4:8: clean /data/readings/x lies inside the dataset /data/readings; give the clean rows "
                     "a directory of their own"]
    (line,) = _issues(_suite("is_complete: a", "quarantine: {path: /q}\nclean: {path: /q}\n"))
    assert line.startswith("s.yml:4:8: clean is the same table as quarantine")
    (line,) = _issues(_suite("is_complete: a", "quarantine: {table: a.b, path: /q}\n"))
    assert "exactly one of 'table'" in line
    (line,) = _issues(_suite("is_complete: a", "quarantine: /q\n"))
    assert line.startswith("s.yml:3:") and "quarantine" in line


def test_a_quarantine_among_the_metrics_is_refused():
    suite = parse_suite(_suite("is_complete: a", "quarantine: {path: /m/q}\nclean: {table: quality.dq_records}\n"),
                        "s.yml")
    with pytest.raises(ConfigError) as caught:
        check_outputs(suite, MetricsLocation("path", "/m"))
    assert str(caught.value) == ("s.yml:3:13: quarantine /m/q is in the metrics location /m; give the quarantine "
                                 "rows a table of their own, outside the metrics")
    with pytest.raises(ConfigError, match="s.yml:4:8: clean quality.dq_records is in the metrics location"):
        check_outputs(suite, MetricsLocation("schema", "quality"))
    check_outputs(suite, MetricsLocation("path", "/metrics"))  # elsewhere: fine
