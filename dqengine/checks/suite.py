"""Load and validate a whole suite file before Spark starts; report every problem at file:line:col.

``load_suite`` returns a ``Suite`` whose constraints are resolved through the registry, each with
its typed parameters. Any problem anywhere — YAML syntax, unknown or missing keys, wrong types,
two thresholds, bad regexes, unknown constraint names, duplicate check names — is collected and
raised together as one ``ConfigError``.
"""
from __future__ import annotations

import dataclasses
import datetime
import difflib
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Iterable, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from dqengine import identity
from dqengine.checks.base import ConstraintDef
from dqengine.checks.registry import ConstraintRegistry, default_registry
from dqengine.config.models import (ConstraintOptionsModel, DatasetModel, OutputModel, StrictModel, SuiteModel,
                                     location_identity)
from dqengine.config.yaml_source import Path, SourceMap, one_line, parse_yaml, shown
from dqengine.errors import ConfigError, ConfigIssue
from dqengine.results import Dimension, Severity

__all__ = ["ConstraintSpec", "Suite", "load_suite", "parse_suite", "FINGERPRINT_VERSION", "OPTION_KEYS"]

#: Bumped when the meaning of a fingerprinted field changes, so old certifications lapse.
FINGERPRINT_VERSION = "dqengine-suite-v1"


@dataclass(frozen=True)
class ConstraintSpec:
    """One configured constraint, resolved: where it was written and what it means."""

    check: str
    severity: Severity
    index: int
    name: str
    params: StrictModel
    definition: ConstraintDef = field(compare=False, repr=False)
    file: str = ""
    line: int = 0
    col: int = 0
    #: the item's ``id:``, else a hash of (check, type, parameters) (``dqengine.identity``)
    constraint_id: str = ""
    #: the item's ``dimension:``, else the check's, else (None given) the type's default
    dimension: Dimension | None = None
    #: the item's ``weight:`` (default 1): its share of its dimension's score
    weight: float = 1.0

    def __post_init__(self) -> None:
        dimension = self.definition.dimension if self.dimension is None else self.dimension
        object.__setattr__(self, "dimension", Dimension(dimension))

    @property
    def columns(self) -> tuple[str, ...]:
        return self.definition.columns(self.params)

    @property
    def threshold_text(self) -> str:
        return str(self.definition.threshold(self.params))

    @property
    def label(self) -> str:
        return self.definition.label(self.params)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Suite:
    name: str
    description: str | None
    dataset: DatasetModel
    constraints: tuple[ConstraintSpec, ...]
    source: str
    fingerprint: str
    #: line, col of the dataset keys ("dataset", "dataset.table", ...), for errors found later by Spark
    locations: dict[str, tuple[int, int]] = field(default_factory=dict, compare=False)
    #: where rows violating a row-level constraint go (and the others), if anywhere
    quarantine: OutputModel | None = None
    clean: OutputModel | None = None
    #: ``min_score``: dimension (or ``overall``) -> the least score that does not fail the run
    min_score: dict[str, float] = field(default_factory=dict)
    #: The suite-level ``nan_is_missing`` (already applied to the constraints that count missing values).
    nan_is_missing: bool = False

    def issue(self, key: str, message: str) -> ConfigIssue:
        line, col = self.locations.get(key) or self.locations.get("dataset") or (1, 1)
        return ConfigIssue(self.source, line, col, message)

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.check for c in self.constraints))


# --- pydantic errors -> issues ----------------------------------------------------------------
#
# Each pydantic error becomes one line that names the place (file:line:col and the dotted path)
# and the fix, in the words of the YAML file: "expected a number", not "Input should be a valid
# number"; a quoted "0.9" is told to drop its quotes; a union says what it accepts.


def _unwrap(annotation: Any) -> Any:
    """The model or list type behind Optional/Annotated/Union wrappers."""
    while True:
        origin = get_origin(annotation)
        if origin is None:
            return annotation
        if origin is list:
            return annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        if not args:
            return annotation
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        annotation = models[0] if models else args[0]
        if get_origin(annotation) is None and not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return annotation


def _model_at(model: type[BaseModel], path: Iterable[Any]) -> type[BaseModel] | None:
    current: Any = model
    for elem in path:
        current = _unwrap(current)
        if isinstance(elem, int) and get_origin(current) is list:
            current = get_args(current)[0]
        elif isinstance(elem, str) and isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(elem)
            if info is None:
                return None
            current = info.annotation
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _data_path(data: Any, loc: tuple[Any, ...], kind: str) -> tuple[Any, ...]:
    """Map a pydantic location onto the YAML document, dropping union-member tags ('str', 'float')."""
    path: list[Any] = []
    current = data
    for i, elem in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, dict) and elem in current and not (last and kind == "invalid_key"):
            current = current[elem]
            path.append(elem)
        elif isinstance(current, list) and isinstance(elem, int) and 0 <= elem < len(current):
            current = current[elem]
            path.append(elem)
        elif last and kind in ("missing", "extra_forbidden", "invalid_key") and isinstance(current, dict):
            path.append(elem)  # a missing or extra key named at the end
        elif isinstance(current, (dict, list)):
            continue  # a union member tag
        else:
            break
    return tuple(path)


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for elem in path:
        text = str(elem) if str(elem).isprintable() else repr(elem)
        out += f"[{elem}]" if type(elem) is int else (f".{text}" if out else text)
    return out or "(top level)"


def _plain(name: Any) -> str:
    text = str(name)
    return text if text.isprintable() else repr(text)


def _in(path: Path) -> str:
    """'in checks[0]', or 'at the top level'."""
    return f"in {_dotted(path)}" if path else "at the top level"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _got(value: Any) -> str:
    """A YAML value as the user wrote it, for '(got ...)'."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
    if isinstance(value, int) and len(str(value)) > 30:
        return f"a {len(str(value))}-digit number"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, (list, dict)):
        text = _flow(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return _short(value)


def _flow(value: Any) -> str:
    """A list or mapping in YAML flow style, as it could be written in the file: ``[a, 1]``."""
    try:
        return yaml.safe_dump(value, default_flow_style=True, width=10**9, allow_unicode=True,
                              sort_keys=False).strip()
    except yaml.YAMLError:
        return repr(value)


def _number_text(text: str) -> float | None:
    """The number a string spells (``'0.9'``, ``'1e3'``), or None."""
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) or "e" in text.lower() else None


def _yaml_number(value: float) -> str:
    """``value`` as YAML 1.1 reads a number: ``1000``, ``1.0e-05`` (an exponent needs a dot)."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    return text.replace("e", ".0e", 1) if "e" in text and "." not in text else text


_NAME_HINT = "must start with a letter or '_' and use only letters, digits, '_', '.', '-'"
_ID_HINT = "must start with a letter, a digit or '_' and use only letters, digits, '_', '.', '-'"
_NOUNS = {"string_type": "string", "float_type": "number", "int_type": "whole number",
          "bool_type": "boolean", "list_type": "list", "dict_type": "mapping", "model_type": "mapping",
          "finite_number": "finite number"}
#: Errors that only say the value has another type: in a union, they list what is accepted.
_TYPE_ERRORS = frozenset(_NOUNS) - {"finite_number"}
#: What a bounded number is, for the keys whose bounds need a word of explanation.
_BOUNDS = {
    "min_fraction": "min_fraction is the fraction of rows that must hold: a number above 0 and at most 1, "
                    "e.g. 0.99",
    "quantile": "quantile is a number from 0 to 1, e.g. 0.5 for the median",
    "relative_error": "relative_error is a number above 0 and at most 1, e.g. 0.01",
    "weight": "weight is the constraint's share of its dimension's score: a number above 0, e.g. 2 "
              "(default 1)",
    "version": "a Delta version is a whole number, 0 or more",
}
_OPS = {"greater_than": ("gt", "above"), "greater_than_equal": ("ge", "at least"),
        "less_than": ("lt", "below"), "less_than_equal": ("le", "at most")}
_MISSING_HINTS = {
    "suite": "add 'suite: <name>'",
    "dataset": "add 'dataset:' with 'path: <Delta location>' or 'table: <catalog.schema.table>'",
    "checks": "add 'checks:' with at least one '- name: ...' item and its constraints",
    "name": "add 'name: <check name>'",
    "constraints": "add 'constraints:' with at least one item such as '- is_complete: sensor_id'",
    "column": "add 'column: <column name>'",
    "columns": "add 'columns: [<column>, ...]'",
}
#: Lists of exactly two.
_PAIRS = {
    "must_be_between": "must_be_between takes exactly two numbers, [low, high] (got {got})",
    "columns": "correlation takes exactly two columns, [a, b] (got {got})",
}
_EMPTY_HINTS = {
    "checks": "give at least one check: '- name: ...' with its constraints",
    "constraints": "give at least one constraint such as '- is_complete: sensor_id'",
    "values": "list at least one allowed value",
    "columns": "list at least one column",
}


def _type_message(kind: str, value: Any, quoted: bool, keys: str = "", example: str = "", field: str = "") -> str:
    """'expected a number ...' for a value of the wrong type, with the fix."""
    noun = _NOUNS[kind]
    if kind in ("dict_type", "model_type"):
        shape = f"as in '{example}'" if example else (f"with keys {keys}" if keys else "of keys and values")
        if value is None:
            return f"expected a mapping {shape}, got an empty value; fill it in"
        return f"expected a mapping {shape} (got {_got(value)})"
    if value is None:
        return f"expected a {noun}, got an empty value; write one"
    number = _number_text(value) if kind in ("float_type", "int_type") and isinstance(value, str) else None
    if number is not None and quoted:
        return f"expected a {noun}, got the quoted text {_short(value)}; remove the quotes"
    if number is not None and "e" in value.lower():
        fix = (f"write {_yaml_number(number)}" if math.isfinite(number)
               else "and it is beyond the largest number (about 1.8e308)")
        return (f"expected a {noun}, but YAML reads {value} as text (a number with an exponent needs a "
                f"dot and a signed exponent); {fix}")
    if kind == "float_type" and isinstance(value, int) and not isinstance(value, bool):
        return f"expected a number, got {_got(value)}, which is too large"
    if kind == "int_type" and isinstance(value, float) and value == value:
        return f"expected a whole number (got {_got(value)}); drop the fraction"
    if kind == "finite_number":
        return f"expected a finite number (got {_got(value)}); .inf and .nan cannot be compared"
    if kind == "string_type" and isinstance(value, (int, float, bool, datetime.date)):
        return f"expected a string (got {_got(value)}); put it in quotes if it is text"
    if kind == "list_type" and field in _PAIRS:
        return _PAIRS[field].format(got=_got(value))
    if kind == "list_type" and isinstance(value, dict):
        return f"expected a list (got a mapping {_got(value)}); start each item with '- '"
    if kind == "list_type" and isinstance(value, (str, int, float, bool)):
        return f"expected a list (got {_got(value)}); write it in brackets: {_flow([value])}"
    return f"expected a {noun} (got {_got(value)})"


def _union_message(errs: list[dict], value: Any) -> str:
    """'expected a string, number or boolean (got [1])' for a value no member of a union accepts."""
    nouns = list(dict.fromkeys(_NOUNS[e["type"]] for e in errs))
    if "number" in nouns and "whole number" in nouns:
        nouns.remove("whole number")
    listed = nouns[0] if len(nouns) == 1 else ", ".join(nouns[:-1]) + " or " + nouns[-1]
    return f"expected a {listed} (got {_got(value)})"


def _one_message(err: dict, path: Path, full: Path, smap: SourceMap, owner_keys: str, example: str) -> str:
    kind = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    field = next((p for p in reversed(path) if isinstance(p, str)), "")
    at = _dotted(full)
    pair = field if field == "must_be_between" or (field == "columns" and example.startswith("correlation")) else ""
    if kind in _NOUNS:
        shape = example if not path else ""  # the whole parameter mapping has the wrong shape
        return f"{at}: {_type_message(kind, value, full in smap.quoted, owner_keys, shape, pair)}"
    if kind == "value_error":
        return f"{at}: {err['msg'].removeprefix('Value error, ')}"
    if kind == "string_pattern_mismatch":
        if field in ("suite", "name"):
            return f"{at}: {_short(value)} {_NAME_HINT}"
        if field == ID_KEY and len(path) == 1:
            return f"{at}: {_short(value)} {_ID_HINT}"
        if field == "table":
            return (f"{at}: {_short(value)} is not a table name: use letters, digits, '_', '.', '-' "
                    "(catalog.schema.table), with backticks around odd parts")
        return f"{at}: {_short(value)} does not match the pattern {ctx.get('pattern')}"
    if kind == "string_too_short":
        return f"{at}: must not be empty; write a value"
    if kind == "string_too_long":
        return f"{at}: is {len(value)} characters long; the limit is {ctx.get('max_length')}"
    if kind == "too_short":
        n = ctx.get("min_length")
        if pair:
            return f"{at}: " + _PAIRS[pair].format(got=_got(value))
        if ctx.get("actual_length") == 0:
            hint = _EMPTY_HINTS.get(field, f"give at least {n} item{'s' if n != 1 else ''}")
            return f"{at}: the list is empty; {hint}"
        return f"{at}: give at least {n} items (got {ctx.get('actual_length')}: {_got(value)})"
    if kind == "too_long":
        if pair:
            return f"{at}: " + _PAIRS[pair].format(got=_got(value))
        return f"{at}: give at most {ctx.get('max_length')} items (got {_got(value)})"
    if kind in _OPS:
        bound_key, word = _OPS[kind]
        if field in _BOUNDS:
            return f"{at}: {_BOUNDS[field]} (got {_got(value)})"
        bound = ctx.get(bound_key)
        return f"{at}: expected a number {word} {_got(bound)} (got {_got(value)})"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value), choices, n=1) if isinstance(value, str) else []
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{at}: expected {ctx.get('expected')} (got {_got(value)}){hint}"
    msg = err["msg"].replace("Input should be ", "expected ")
    return f"{at}: {msg} (got {_got(value)})"


def _is_broken(smap: SourceMap, path: Path) -> bool:
    """Already reported by the YAML layer (a tag, an unreadable date): do not report it twice."""
    return any(path[:n] in smap.broken for n in range(len(path) + 1))


def _issues_from_validation(exc: ValidationError, model: type[BaseModel], data: Any, base: Path,
                            smap: SourceMap, example: str = "") -> list[ConfigIssue]:
    grouped: dict[tuple[Any, ...], list[dict]] = {}
    for err in exc.errors(include_url=False):
        path = _data_path(data, tuple(err["loc"]), err["type"])
        grouped.setdefault(path, []).append(err)
    issues = []
    for path, errs in grouped.items():
        err = errs[0]
        full = base + path
        kind = err["type"]
        if _is_broken(smap, full):
            continue
        if kind == "extra_forbidden":
            owner = _model_at(model, path[:-1])
            names = list(owner.model_fields) if owner else []
            close = difflib.get_close_matches(str(path[-1]), names, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            issues.append(smap.issue(full, f"unknown key {shown(path[-1])} {_in(full[:-1])}; {hint}"
                                           f"valid keys: {', '.join(names)}", key=True))
        elif kind == "invalid_key":
            owner = _model_at(model, path[:-1])
            names = ", ".join(owner.model_fields) if owner else ""
            issues.append(smap.issue(base + path[:-1] + (err["input"],),
                                     f"key {_got(err['input'])} {_in(full[:-1])} is not a name; "
                                     f"valid keys: {names}", key=True))
        elif kind == "missing":
            hint = _MISSING_HINTS.get(str(path[-1]), f"add '{path[-1]}: ...'")
            issues.append(smap.issue(full[:-1], f"missing required key {shown(path[-1])} {_in(full[:-1])}; {hint}"))
        elif len(errs) > 1 and all(e["type"] in _TYPE_ERRORS for e in errs):
            issues.append(smap.issue(full, f"{_dotted(full)}: {_union_message(errs, err.get('input'))}"))
        else:
            # In a union, the member whose type matched says what is wrong (a string too long...).
            err = next((e for e in errs if e["type"] not in _TYPE_ERRORS), err)
            owner = _model_at(model, path)
            keys = ", ".join(owner.model_fields) if owner else ""
            issues.append(smap.issue(full, _one_message(err, path, full, smap, keys, example)))
    return issues


# --- constraints ----------------------------------------------------------------------------


def _resolve_constraint(item: Any, path: Path, check: dict, registry: ConstraintRegistry,
                        smap: SourceMap, issues: list[ConfigIssue], nan_is_missing: bool = False
                        ) -> ConstraintSpec | None:
    if _is_broken(smap, path):
        return None
    if not isinstance(item, dict) or len(item) != 1:
        known = registry.get(item) if isinstance(item, str) else None
        if known is not None:
            issues.append(smap.issue(path, f"{_dotted(path)}: '{item}' needs its parameters after a colon, "
                                           f"as in '- {known.example}'"))
            return None
        if isinstance(item, dict) and item:
            got = f"keys {', '.join(map(_plain, item))}; put each constraint on its own '- ' line"
        else:
            got = "an empty mapping" if item == {} else _got(item)
        issues.append(smap.issue(path, f"{_dotted(path)}: each constraint is a one-key mapping such as "
                                       f"'- is_complete: sensor_id' (got {got})"))
        return None
    (name, raw), = item.items()
    if _is_broken(smap, path + (name,)):
        return None
    definition = registry.get(name) if isinstance(name, str) else None
    if definition is None:
        close = difflib.get_close_matches(str(name), registry.names(), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        issues.append(smap.issue(path + (name,), f"unknown constraint {shown(name)}; {hint}valid names: "
                                                 f"{', '.join(registry.names())}", key=True))
        return None
    coerced = definition.coerce(raw)
    try:
        params = definition.params_model.model_validate(coerced)
    except ValidationError as exc:
        issues.extend(_issues_from_validation(exc, definition.params_model, coerced, path + (name,), smap,
                                              example=definition.example))
        return None
    if nan_is_missing and definition.nan_aware:
        params._nan_is_missing = True  # a private attribute: the loader's, never the item's
    impossible = definition.threshold_problem(params)
    if impossible is not None:
        key, message = impossible
        issues.append(smap.issue(path + (name, key), f"{_dotted(path + (name, key))}: {message}"))
        return None
    line, col = smap.locate(path + (name,), key=True)
    severity = check.get("severity", Severity.ERROR.value)
    dimension = check.get("dimension")
    return ConstraintSpec(
        check=check.get("name", ""), severity=Severity(severity) if severity in _SEVERITIES else Severity.ERROR,
        index=path[-1], name=name, params=params, definition=definition, file=smap.file, line=line, col=col,
        dimension=Dimension(dimension) if dimension in _DIMENSIONS else None,
    )


_SEVERITIES = frozenset(s.value for s in Severity)
_DIMENSIONS = frozenset(d.value for d in Dimension)

#: The key beside a constraint's name in a constraint item that names the constraint for good.
ID_KEY = "id"
#: Every key that may stand beside a constraint's name in its item (``ConstraintOptionsModel``).
OPTION_KEYS = tuple(ConstraintOptionsModel.model_fields)
_A = {"id": "an id", "dimension": "a dimension", "weight": "a weight"}


def _given_options(raw: dict[str, Any], path: Path, smap: SourceMap,
                   issues: list[ConfigIssue]) -> ConstraintOptionsModel | None:
    """The item's ``id:``, ``dimension:`` and ``weight:``, validated, or None with the problems reported."""
    try:
        return ConstraintOptionsModel.model_validate(raw)
    except ValidationError as exc:
        issues.extend(_issues_from_validation(exc, ConstraintOptionsModel, raw, path, smap))
        return None


def _defining_params(c: ConstraintSpec) -> dict[str, Any]:
    """What a constraint's parameters mean: the dump, plus ``nan_is_missing`` when the suite's
    applies (it changes what the constraint counts, so its id; absent, ids stay as they were)."""
    params = c.params.model_dump(mode="json")
    if c.definition.nan_aware and getattr(c.params, "_nan_is_missing", False):
        params["nan_is_missing"] = True
    return params


def _with_ids(constraints: list[ConstraintSpec]) -> tuple[ConstraintSpec, ...]:
    """Every constraint with its id: the one given, else the hash of what it is. Identical
    constraints (same check, type and parameters) get ``-2``, ``-3``... in their order."""
    taken = {c.constraint_id for c in constraints if c.constraint_id}
    out = []
    for c in constraints:
        if not c.constraint_id:
            base = identity.constraint_id(c.check, c.name, _defining_params(c))
            derived, n = base, 1
            while derived in taken:
                n += 1
                derived = f"{base}-{n}"
            taken.add(derived)
            c = dataclasses.replace(c, constraint_id=derived)
        out.append(c)
    return tuple(out)


def _fingerprint(model: SuiteModel, constraints: tuple[ConstraintSpec, ...]) -> str:
    """What the suite asks, independent of formatting, comments, descriptions and the pinned version."""
    canonical = {
        "format": FINGERPRINT_VERSION,
        "suite": model.suite,
        "dataset": {"table": model.dataset.table, "path": model.dataset.path, "where": model.dataset.where},
        "constraints": [
            {"check": c.check, "severity": c.severity.value, "index": c.index, "name": c.name,
             "params": _defining_params(c), **_score_settings(c)}
            for c in constraints
        ],
    }
    if model.min_score is not None and model.min_score.minimums():
        canonical["min_score"] = model.min_score.minimums()
    if model.nan_is_missing:  # only when set: suites without it keep their fingerprints
        canonical["nan_is_missing"] = True
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _score_settings(c: ConstraintSpec) -> dict[str, Any]:
    """A constraint's dimension and weight, when they are not the defaults: a suite written before
    scores keeps its fingerprint (and its certifications); changing either changes what the gate
    certifies, since ``min_score`` is judged on them."""
    out: dict[str, Any] = {}
    if c.dimension != Dimension(c.definition.dimension):
        out["dimension"] = c.dimension.value
    if c.weight != 1.0:
        out["weight"] = c.weight
    return out


def _error(issues: list[ConfigIssue]) -> ConfigError:
    """Every issue on exactly one line, whatever text from the file its message quotes."""
    return ConfigError([ConfigIssue(i.file, i.line, i.col, one_line(i.message)) for i in issues])


def parse_suite(text: str, file: str = "<suite>", registry: ConstraintRegistry | None = None) -> Suite:
    """Validate suite text; raise ``ConfigError`` with every issue found."""
    registry = registry or default_registry()
    data, smap, issues = parse_yaml(text, file)
    if data is None and not issues:
        issues.append(ConfigIssue(file, *smap.locate(()), "the suite is empty (no keys, only comments or "
                                                          "nothing); write the keys suite, dataset and checks"))
    if issues and data is None:
        raise _error(issues)
    if not isinstance(data, dict):
        what = "a list" if isinstance(data, list) else "a single value"
        raise _error(issues + [smap.issue((), f"the file holds {what}, but a suite is a mapping: write "
                                                   "the keys suite, dataset and checks at the top level, "
                                                   "each at the start of a line")])
    model: SuiteModel | None = None
    try:
        model = SuiteModel.model_validate(data)
    except ValidationError as exc:
        issues.extend(_issues_from_validation(exc, SuiteModel, data, (), smap))

    constraints: list[ConstraintSpec] = []
    seen_checks: dict[str, tuple[int, int]] = {}
    seen_ids: dict[str, tuple[int, int]] = {}
    checks = data.get("checks")
    for i, check in enumerate(checks if isinstance(checks, list) else []):
        if not isinstance(check, dict):
            continue  # already reported by the model
        name = check.get("name")
        if isinstance(name, str):
            if name in seen_checks:
                first = seen_checks[name]
                issues.append(smap.issue(("checks", i, "name"), f"duplicate check name {shown(name)} (first at line "
                                                                f"{first[0]}, column {first[1]}); names must be unique"))
            else:
                seen_checks[name] = smap.locate(("checks", i, "name"))
        items = check.get("constraints")
        for j, item in enumerate(items if isinstance(items, list) else []):
            path = ("checks", i, "constraints", j)
            given = None
            options = ConstraintOptionsModel()
            if isinstance(item, dict) and any(k in item for k in OPTION_KEYS) and not _is_broken(smap, path):
                options = _given_options({k: v for k, v in item.items() if k in OPTION_KEYS}, path, smap,
                                         issues) or options
                given = options.id
                if given is not None:
                    at = smap.locate(path + (ID_KEY,))
                    if given in seen_ids:
                        first = seen_ids[given]
                        issues.append(ConfigIssue(smap.file, *at, f"duplicate constraint id {shown(given)} "
                                                                  f"(first at line {first[0]}, column {first[1]}); "
                                                                  "ids must be unique in the suite"))
                    else:
                        seen_ids[given] = at
                keys = [k for k in OPTION_KEYS if k in item]
                item = {k: v for k, v in item.items() if k not in OPTION_KEYS}
                if not item:
                    issues.append(smap.issue(path, f"{_dotted(path)}: the item has {' and '.join(_A[k] for k in keys)} but no "
                                                   "constraint; write the constraint in the same item, as in "
                                                   "'- {is_complete: sensor_id, id: sensor_present}'"))
                    continue
            spec = _resolve_constraint(item, path, check, registry, smap, issues,
                                       nan_is_missing=data.get("nan_is_missing") is True)
            if spec is not None:
                spec = dataclasses.replace(spec, constraint_id=given or "",
                                           weight=options.weight if options.weight is not None else 1.0)
                if options.dimension is not None:
                    spec = dataclasses.replace(spec, dimension=Dimension(options.dimension))
                constraints.append(spec)
    min_score = model.min_score.minimums() if model is not None and model.min_score is not None else {}
    if min_score and constraints and not issues:
        present = {c.dimension.value for c in constraints}
        for key in min_score:
            if key != "overall" and key not in present:
                shown_present = ", ".join(d.value for d in Dimension if d.value in present)
                issues.append(smap.issue(("min_score", key), f"min_score.{key}: no constraint of the suite is "
                                                             f"in dimension {key} (they are in: {shown_present}); "
                                                             f"remove it, or set 'dimension: {key}' on a check or "
                                                             "constraint", key=True))
    if model is not None:
        issues.extend(_output_issues(model, smap))
    if issues or model is None:
        raise _error(issues)
    resolved = _with_ids(constraints)
    locations = {"dataset": smap.locate(("dataset",))}
    for key in ("table", "path", "where", "version"):
        if ("dataset", key) in smap.values:
            locations[f"dataset.{key}"] = smap.values[("dataset", key)]
    for output in ("quarantine", "clean"):
        if getattr(model, output) is not None:
            locations[output] = smap.locate((output,))
    return Suite(name=model.suite, description=model.description, dataset=model.dataset,
                 constraints=resolved, source=file, fingerprint=_fingerprint(model, resolved),
                 locations=locations, quarantine=model.quarantine, clean=model.clean,
                 min_score=min_score, nan_is_missing=model.nan_is_missing)


def output_identity(table: str | None, path: str | None) -> str:
    """A dataset's or output's identity as the metrics tables write it (``location_identity``)."""
    return location_identity(table, path)


def _output_issues(model: SuiteModel, smap: SourceMap) -> list[ConfigIssue]:
    """The quarantine and clean tables must be neither the dataset nor each other (the metrics
    location is only known when the run starts: ``dqengine.spark.quarantine`` checks it)."""
    issues = []
    dataset = output_identity(model.dataset.table, model.dataset.path)
    seen: dict[str, str] = {}
    for key in ("quarantine", "clean"):
        output = getattr(model, key)
        if output is None:
            continue
        identity = output_identity(output.table, output.path)
        if identity == dataset:
            issues.append(smap.issue((key,), f"{key} is the dataset itself ({identity}); give the {key} rows a "
                                             "Delta table of their own"))
        elif output.path is not None and identity.startswith(dataset.rstrip("/") + "/"):
            issues.append(smap.issue((key,), f"{key} {identity} lies inside the dataset {dataset}; give the "
                                             f"{key} rows a directory of their own"))
        elif identity in seen:
            issues.append(smap.issue((key,), f"{key} is the same table as {seen[identity]} ({identity}); give "
                                             "each its own table"))
        seen.setdefault(identity, key)
    return issues


def _byte_position(raw: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of byte ``offset``, for a decoding error there."""
    before = raw[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", errors="replace")) + 1


def load_suite(path: str | FsPath, registry: ConstraintRegistry | None = None) -> Suite:
    """Read and validate a suite file. Any problem raises ``ConfigError`` naming file:line:col."""
    name = str(path)
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(name, 1, 1, "suite file not found; check the path (relative paths "
                                                   "start from the current directory)")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigIssue(name, 1, 1, "is a directory, not a suite file; give the path of "
                                                   "a .yml file in it")]) from None
    except UnicodeDecodeError as exc:
        line, col = _byte_position(exc.object, exc.start)
        raise ConfigError([ConfigIssue(name, line, col, f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                                                        f"offset {exc.start}); save the suite as UTF-8")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(name, 1, 1, f"cannot read suite: {exc.strerror or exc}")]) from None
    return parse_suite(text, name, registry)
