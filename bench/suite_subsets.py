"""Suites C and D are parts of suite B; this writes them, and says which constraints belong where.

    .venv/bin/python bench/suite_subsets.py          # rewrites bench/suites/C.yml and D.yml from B.yml
    .venv/bin/python bench/suite_subsets.py --check  # exit 1 if they are out of date

* C: every constraint of B that needs no grouping, i.e. none of its Deequ analyzers is a
  frequency-based one (exact uniqueness, distinctness, distinct counts, entropy, histograms): what
  one scan of the table can answer.
* D: every constraint of B the Delta log could answer without reading data files: the row count,
  the schema, and completeness, minimum and maximum, which the log's per-file statistics
  (``numRecords``, ``nullCount``, ``minValues``, ``maxValues``) hold for the first 32 columns.
  A row predicate such as ``between`` is left out: the log can tell that every value is inside
  the range, but not the fraction of rows that is, which is what the constraint records.

Which analyzers a constraint needs comes from dqengine's own registry, so a new constraint type is
classified by what it computes. Pure Python: no Spark.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Iterable

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dqengine.checks import ConstraintSpec, load_suite  # noqa: E402

SUITES = REPO / "bench" / "suites"
#: Deequ analyzers that count values with a grouping (a shuffle of their own per column set).
GROUPING_ANALYZERS = frozenset({"Uniqueness", "Distinctness", "CountDistinct", "UniqueValueRatio", "Entropy",
                                "Histogram", "MutualInformation"})
#: Metrics the Delta log holds: numRecords, the schema, nullCount, minValues and maxValues.
LOG_ANALYZERS = frozenset({"Size", "ColumnCount", "Completeness", "Minimum", "Maximum"})


def analyzer_kinds(spec: ConstraintSpec) -> set[str]:
    return {a.kind for a in spec.definition.analyzers_for(spec.params, None)}


def needs_grouping(spec: ConstraintSpec) -> bool:
    return bool(analyzer_kinds(spec) & GROUPING_ANALYZERS)


def log_answerable(spec: ConstraintSpec) -> bool:
    """Answerable from the Delta log: only log metrics (columns_exist needs none: the schema)."""
    return analyzer_kinds(spec) <= LOG_ANALYZERS


SUBSETS: dict[str, tuple[str, str, Callable[[ConstraintSpec], bool]]] = {
    "C": ("bench_c", "Suite B without the constraints that need a grouping: what one scan answers.",
          lambda spec: not needs_grouping(spec)),
    "D": ("bench_d", "The constraints of suite B that the Delta log could answer (counts, schema, "
                     "null counts, minimum and maximum).", log_answerable),
}


def subset_text(name: str, base: Path = SUITES / "B.yml") -> str:
    """The YAML of subset ``name`` (C or D) of ``base``: B's checks, each keeping its own items."""
    suite_name, description, keep = SUBSETS[name]
    suite = load_suite(base)
    raw = yaml.safe_load(base.read_text(encoding="utf-8"))
    kept: dict[str, set[int]] = {}
    for spec in suite.constraints:
        if keep(spec):
            kept.setdefault(spec.check, set()).add(spec.index)
    checks = []
    for check in raw["checks"]:
        items = [item for i, item in enumerate(check["constraints"]) if i in kept.get(check["name"], ())]
        if items:
            checks.append({**check, "constraints": items})
    lines = [f"# Suite {name}, written by `python bench/suite_subsets.py` from B.yml: edit B.yml, then rerun it.",
             f"suite: {suite_name}", f"description: {_flow(description)}", f"dataset: {_flow(raw['dataset'])}",
             "checks:"]
    for check in checks:
        lines.append(f"  - name: {check['name']}")
        lines += [f"    {key}: {_flow(value)}" for key, value in check.items() if key not in ("name", "constraints")]
        lines.append("    constraints:")
        lines += [f"      - {key}: {_flow(value)}" for item in check["constraints"] for key, value in item.items()]
    return "\n".join(lines) + "\n"


def _flow(value: object) -> str:
    """One YAML value on one line, as B.yml writes them (``{column: x, must_be: 1}``)."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=10**6, allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that C.yml and D.yml are up to date")
    args = parser.parse_args(list(argv) if argv is not None else None)
    stale = []
    for name in SUBSETS:
        path, text = SUITES / f"{name}.yml", subset_text(name)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path.name)
        if not args.check:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)} ({len(load_suite(path).constraints)} constraints)")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run `python bench/suite_subsets.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
