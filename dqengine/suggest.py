"""A starter suite from what Deequ saw in the data. Pure Python.

``dqengine suggest`` runs Deequ's column profiler and its constraint suggestion rules (Rules.DEFAULT,
in the JVM: :mod:`dqengine.spark.suggest`); this module turns Deequ's two JSON documents (the column
profiles and the suggestions) into a suite in our YAML format. One table, :data:`RULES`, says which
Deequ rule becomes which of our constraint types; numeric ranges come from the profiles' observed
minimum and maximum. Every constraint line carries a comment with the observed value behind its
threshold, so a reviewer sees why it is there. Suggestions we have no type for are listed in a
comment at the end, never dropped silently.

The YAML is written as text (PyYAML cannot write comments); every scalar from the data (column
names, categories, paths) is written with ``json.dumps``: a JSON string is a valid YAML scalar,
whatever quotes, colons, ``#`` or unicode it holds. The result is read back with
:func:`dqengine.checks.parse_suite` before it is written (see the CLI).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

__all__ = ["RULES", "Suggestion", "suggestions_from_deequ", "suite_yaml", "suite_name_for"]

#: Deequ rule (class name, as in ``suggesting_rule``) -> (our constraint type, the check it goes in).
RULES: dict[str, tuple[str, str]] = {
    "CompleteIfCompleteRule": ("is_complete", "completeness"),
    "RetainCompletenessRule": ("completeness", "completeness"),
    "NonNegativeNumbersRule": ("non_negative", "validity"),
    "CategoricalRangeRule": ("allowed_values", "validity"),
    "FractionalCategoricalRangeRule": ("allowed_values", "validity"),
    "RetainTypeRule": ("data_type", "validity"),
    "UniqueIfApproximatelyUniqueRule": ("is_unique", "uniqueness_candidates"),
}
#: Check name -> severity. Uniqueness candidates rest on a HyperLogLog estimate, so they warn.
CHECKS = {"completeness": "error", "validity": "error", "uniqueness_candidates": "warning"}

_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double", "decimal", "byte", "short", "long",
            "integer")
_INTEGRAL = ("tinyint", "smallint", "int", "bigint", "byte", "short", "long", "integer")
_DATA_TYPES = {"Integral": "integral", "Fractional": "fractional", "Boolean": "boolean"}


@dataclass(frozen=True)
class Suggestion:
    """One constraint line of the starter suite."""

    check: str
    constraint: str
    #: the parameters as YAML flow text, e.g. ``{column: "t", must_be_at_least: 0.98}``
    params: str
    #: the observed value behind it, for the line's comment
    observed: str


#: What a YAML reader does not take as written inside a double-quoted scalar or a comment: its
#: line breaks besides \n and \r (NEL, LS, PS: folded or ending a comment) and the characters
#: YAML calls non-printable (C0/C1 controls, DEL, surrogates, U+FFFE/U+FFFF).
_NOT_AS_WRITTEN = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(char: str) -> str:
    return f"\\u{ord(char):04x}"  # every such character is in the BMP; JSON and YAML both read \uXXXX


def _number_text(value: float) -> str:
    """A float as YAML (1.1, as PyYAML reads it) reads it back, exactly: ``repr``, with the dot
    YAML needs before an exponent (``1e-05`` is text to YAML; ``1.0e-05`` a number)."""
    text = repr(float(value))
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def _q(value: Any) -> str:
    """A YAML scalar for any string or number. Strings are JSON strings (valid YAML), with the
    characters YAML would fold or refuse escaped as YAML escapes; numbers keep every digit."""
    if isinstance(value, float):
        return _number_text(value)
    text = json.dumps(value, ensure_ascii=False)
    return _NOT_AS_WRITTEN.sub(lambda m: _escape(m.group()), text) if isinstance(value, str) else text


def _comment(text: str) -> str:
    """Text that stays one comment line, whatever it quotes from the data."""
    return _NOT_AS_WRITTEN.sub(lambda m: _escape(m.group()), text.replace("\r", " ").replace("\n", " "))


def _family(spark_type: str | None) -> str:
    t = (spark_type or "").lower()
    if t.startswith(_INTEGRAL):
        return "integral"
    if t.startswith(_NUMERIC):
        return "numeric"
    if t == "string":
        return "string"
    if t == "boolean":
        return "boolean"
    return "other"


def _number(text: str, integral: bool) -> int | float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    return int(value) if integral and value.is_integer() else value


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _rule_name(suggesting_rule: str) -> str:
    return re.split(r"[(\s]", suggesting_rule or "", maxsplit=1)[0]


def _lower_bound(code: str) -> float | None:
    """The ``_ >= 0.94`` Deequ writes into a suggestion's code."""
    m = re.search(r"_\s*>=\s*([0-9.eE+-]+)", code or "")
    return float(m.group(1)) if m else None


def _categories(code: str) -> list[str] | None:
    """The values of ``.isContainedIn("col", Array("a", "b"), ...)`` (Scala string literals)."""
    m = re.search(r'Array\((.*?)\)(?:,|\)$)', code or "", re.S)
    if not m:
        return None
    try:
        return json.loads("[" + m.group(1) + "]")
    except json.JSONDecodeError:  # a value Deequ did not escape as JSON would: leave it to a person
        return None


_METRIC_WORDS = {"ApproxDistinctness": "approximate distinctness"}


def _observed_value(current: str) -> str:
    """Deequ's ``current_value`` (``Completeness: 0.9583333``) in words, the number shortened."""
    name, _, value = (current or "").partition(": ")
    number = _number(value, False)
    word = _METRIC_WORDS.get(name, name.lower())
    return f"{word} {_fmt(number)}" if number is not None else (current or "?")


def suggestions_from_deequ(profiles: Mapping[str, Any], suggestions: Mapping[str, Any],
                           schema: Mapping[str, str], rows: int) -> tuple[list[Suggestion], list[str]]:
    """Our constraints for Deequ's suggestions and the profiles' numeric ranges, and the
    suggestions left out (one line each, why)."""
    columns = {p["column"]: p for p in profiles.get("columns", [])}
    out: list[Suggestion] = []
    left_out: list[str] = []
    full_range: set[str] = set()
    items = suggestions.get("constraint_suggestions", [])
    for s in items:  # a full categorical range makes the fractional one of the column redundant
        if _rule_name(s.get("suggesting_rule", "")) == "CategoricalRangeRule":
            full_range.add(s.get("column_name"))
    for s in items:
        rule, column = _rule_name(s.get("suggesting_rule", "")), s.get("column_name")
        code, current = s.get("code_for_constraint", ""), s.get("current_value", "")
        family = _family(schema.get(column))
        if rule not in RULES or column not in schema:
            left_out.append(f"{rule} on {column}: {s.get('description', '')} (no dqengine type for it)")
            continue
        constraint, check = RULES[rule]
        observed = _observed_value(current)
        if constraint == "is_complete":
            out.append(Suggestion(check, constraint, _q(column), f"{observed} over {rows} rows"))
        elif constraint == "completeness":
            bound = _lower_bound(code)
            if bound is None:
                left_out.append(f"{rule} on {column}: no lower bound in {code!r}")
                continue
            out.append(Suggestion(check, constraint, f"{{column: {_q(column)}, must_be_at_least: {_q(bound)}}}",
                                  f"{observed} over {rows} rows; Deequ's lower bound {_fmt(bound)}"))
        elif constraint == "non_negative":
            if family not in ("integral", "numeric"):
                left_out.append(f"{rule} on {column}: not a numeric column ({schema.get(column)})")
                continue
            out.append(Suggestion(check, constraint, _q(column), observed))
        elif constraint == "allowed_values":
            if rule == "FractionalCategoricalRangeRule" and column in full_range:
                continue
            values = _categories(code)
            if values is None or family not in ("string", "integral", "numeric", "boolean"):
                left_out.append(f"{rule} on {column}: values of a {schema.get(column)} column "
                                f"({s.get('description', '')})")
                continue
            if family in ("integral", "numeric"):
                typed = [_number(v, family == "integral") for v in values]
                if any(v is None for v in typed):
                    left_out.append(f"{rule} on {column}: a value that is not a number")
                    continue
                values = typed
            elif family == "boolean":
                values = [v.lower() == "true" for v in values]
            values = sorted(values, key=lambda v: (str(type(v)), v))
            listed = ", ".join(_q(v) for v in values)
            bound = _lower_bound(code) if rule == "FractionalCategoricalRangeRule" else None
            extra = f", min_fraction: {_q(bound)}" if bound is not None else ""
            histogram = columns.get(column, {}).get("histogram") or []
            seen = f"{len(histogram)} distinct value{'s' if len(histogram) != 1 else ''}" if histogram else "categories"
            out.append(Suggestion(check, constraint, f"{{column: {_q(column)}, values: [{listed}]{extra}}}",
                                  f"{seen}; {observed}"))
        elif constraint == "data_type":
            profile = columns.get(column, {})
            kind = _DATA_TYPES.get(profile.get("dataType", ""))
            if kind is None or family != "string":
                left_out.append(f"{rule} on {column}: {s.get('description', '')}")
                continue
            out.append(Suggestion(check, constraint, f"{{column: {_q(column)}, type: {kind}}}",
                                  f"every value reads as {kind} ({profile.get('dataType')}, inferred from the strings)"))
        elif constraint == "is_unique":
            out.append(Suggestion(check, constraint, _q(column),
                                  f"{observed} (a HyperLogLog estimate; exact uniqueness checked next)"))
    for column, profile in columns.items():  # ranges: the profiles' observed extremes
        family = _family(schema.get(column))
        if family not in ("integral", "numeric"):
            continue
        low, high = profile.get("minimum"), profile.get("maximum")
        if low is None or high is None or not all(math.isfinite(float(x)) for x in (low, high)):
            continue
        low = _number(str(low), family == "integral")
        high = _number(str(high), family == "integral")
        out.append(Suggestion("validity", "between", f"{{column: {_q(column)}, min: {_q(low)}, max: {_q(high)}}}",
                              f"min {_fmt(float(low))}, max {_fmt(float(high))}, mean {_fmt(float(profile['mean']))}"
                              if profile.get("mean") is not None else f"min {_fmt(float(low))}, max {_fmt(float(high))}"))
    order = {name: i for i, name in enumerate(CHECKS)}
    kinds = ["is_complete", "completeness", "between", "non_negative", "allowed_values", "data_type", "is_unique"]
    column_order = {c: i for i, c in enumerate(schema)}

    def key(s: Suggestion) -> tuple:
        column = re.search(r'"((?:[^"\\]|\\.)*)"', s.params)
        name = json.loads(f'"{column.group(1)}"') if column else ""
        return order[s.check], column_order.get(name, len(column_order)), kinds.index(s.constraint), s.params

    rows_line = Suggestion("completeness", "row_count", "{must_be_greater_than: 0}", f"{rows} rows")
    return [rows_line] + sorted(out, key=key), left_out


def suite_name_for(location: str) -> str:
    """A valid suite name from a table name or a path's last part: ``plant.sensor_readings`` ->
    ``sensor_readings``; anything else becomes ``_``; never starting with a digit."""
    last = location.rstrip("/").replace("`", "").rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    name = re.sub(r"[^\w.\-]", "_", last, flags=re.ASCII) or "suite"
    return name if re.match(r"[^\W\d]", name) else f"suite_{name}"


def suite_yaml(*, name: str, dataset: Mapping[str, Any], described: str, rows: int, generated_at: str,
               suggestions: Sequence[Suggestion], left_out: Sequence[str]) -> str:
    """The starter suite's text: a header, the dataset it pins, one check per kind of constraint."""
    lines = [
        f"# Starter suite written by `dqengine suggest` on {generated_at} from Deequ's column profiler",
        f"# and constraint suggestion rules, run on {described} ({rows} rows profiled).",
        "# Each threshold is what that version of the data showed (the comment on its line): review",
        "# every line against what the data must be before relying on it.",
        f"suite: {_q(name)}",
        "dataset:",
    ]
    lines += [f"  {key}: {_q(value)}" for key, value in dataset.items()]
    lines.append("checks:")
    for check, severity in CHECKS.items():
        items = [s for s in suggestions if s.check == check]
        if not items:
            continue
        lines += [f"  - name: {check}", f"    severity: {severity}", "    constraints:"]
        lines += [f"      - {s.constraint}: {s.params}  # observed: {_comment(s.observed)}" for s in items]
    if left_out:
        lines.append("# Deequ suggested these too; left out (each line says why):")
        lines += [f"#   {_comment(line)}" for line in left_out]
    return "\n".join(lines) + "\n"
