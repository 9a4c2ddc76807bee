"""Load and validate a whole suite file before Spark starts; report every problem at file:line:col.

``load_suite`` returns a ``Suite`` whose constraints are resolved through the registry, each with
its typed parameters. Any problem anywhere — YAML syntax, unknown or missing keys, wrong types,
two thresholds, bad regexes, unknown constraint names, duplicate check names — is collected and
raised together as one ``ConfigError``.
"""
from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, Iterable, get_args, get_origin

from pydantic import BaseModel, ValidationError

from dqengine.checks.base import ConstraintDef
from dqengine.checks.registry import ConstraintRegistry, default_registry
from dqengine.config.models import DatasetModel, StrictModel, SuiteModel
from dqengine.config.yaml_source import Path, SourceMap, parse_yaml
from dqengine.errors import ConfigError, ConfigIssue

__all__ = ["ConstraintSpec", "Suite", "load_suite", "parse_suite", "FINGERPRINT_VERSION"]

#: Bumped when the meaning of a fingerprinted field changes, so old certifications lapse.
FINGERPRINT_VERSION = "dqengine-suite-v1"


@dataclass(frozen=True)
class ConstraintSpec:
    """One configured constraint, resolved: where it was written and what it means."""

    check: str
    severity: str
    index: int
    name: str
    params: StrictModel
    definition: ConstraintDef = field(compare=False, repr=False)
    file: str = ""
    line: int = 0
    col: int = 0

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

    def issue(self, key: str, message: str) -> ConfigIssue:
        line, col = self.locations.get(key) or self.locations.get("dataset") or (1, 1)
        return ConfigIssue(self.source, line, col, message)

    @property
    def checks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.check for c in self.constraints))


# --- pydantic errors -> issues ----------------------------------------------------------------


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


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """Map a pydantic location onto the YAML document, dropping union-member tags."""
    path: list[Any] = []
    current = data
    for i, elem in enumerate(loc):
        if isinstance(current, dict) and elem in current:
            current = current[elem]
            path.append(elem)
        elif isinstance(current, list) and isinstance(elem, int) and 0 <= elem < len(current):
            current = current[elem]
            path.append(elem)
        elif i == len(loc) - 1 and isinstance(elem, str) and isinstance(current, dict):
            path.append(elem)  # a missing or extra key named at the end
        elif isinstance(current, (dict, list)):
            continue  # a union member tag such as 'str' or 'float'
        else:
            break
    return tuple(path)


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for elem in path:
        out += f"[{elem}]" if isinstance(elem, int) else (f".{elem}" if out else str(elem))
    return out or "(top level)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_NAME_HINT = "must start with a letter or '_' and use only letters, digits, '_', '.', '-'"


def _issues_from_validation(exc: ValidationError, model: type[BaseModel], data: Any, base: Path,
                            smap: SourceMap) -> list[ConfigIssue]:
    grouped: dict[tuple[Any, ...], list[dict]] = {}
    for err in exc.errors(include_url=False):
        path = _data_path(data, tuple(err["loc"]))
        grouped.setdefault(path, []).append(err)
    issues = []
    for path, errs in grouped.items():
        err = errs[0]
        full = base + path
        kind = err["type"]
        if kind == "extra_forbidden":
            owner = _model_at(model, path[:-1])
            valid = ", ".join(owner.model_fields) if owner else ""
            issues.append(smap.issue(full, f"unknown key '{path[-1]}' in {_dotted(base + path[:-1])}; "
                                           f"valid keys: {valid}", key=True))
        elif kind == "missing":
            issues.append(smap.issue(full[:-1], f"missing required key '{path[-1]}' in {_dotted(full[:-1])}"))
        elif kind == "value_error":
            msg = err["msg"].removeprefix("Value error, ")
            issues.append(smap.issue(full, f"{_dotted(full)}: {msg}"))
        elif kind == "string_pattern_mismatch" and path and path[-1] in ("suite", "name"):
            issues.append(smap.issue(full, f"{_dotted(full)}: {_short(err['input'])} {_NAME_HINT}"))
        elif len(errs) > 1:
            expected = "; or ".join(dict.fromkeys(e["msg"] for e in errs))
            issues.append(smap.issue(full, f"{_dotted(full)}: {expected} (got {_short(err['input'])})"))
        else:
            issues.append(smap.issue(full, f"{_dotted(full)}: {err['msg']} (got {_short(err['input'])})"))
    return issues


# --- constraints ----------------------------------------------------------------------------


def _resolve_constraint(item: Any, path: Path, check: dict, registry: ConstraintRegistry,
                        smap: SourceMap, issues: list[ConfigIssue]) -> ConstraintSpec | None:
    if not isinstance(item, dict) or len(item) != 1:
        got = "an empty mapping" if item == {} else (
            f"keys {', '.join(map(str, item))}" if isinstance(item, dict) else _short(item))
        issues.append(smap.issue(path, f"{_dotted(path)}: each constraint is a one-key mapping such as "
                                       f"'- is_complete: sensor_id' (got {got})"))
        return None
    (name, raw), = item.items()
    definition = registry.get(name) if isinstance(name, str) else None
    if definition is None:
        close = difflib.get_close_matches(str(name), registry.names(), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        issues.append(smap.issue(path + (name,), f"unknown constraint '{name}'; {hint}valid names: "
                                                 f"{', '.join(registry.names())}", key=True))
        return None
    coerced = definition.coerce(raw)
    try:
        params = definition.params_model.model_validate(coerced)
    except ValidationError as exc:
        issues.extend(_issues_from_validation(exc, definition.params_model, coerced, path + (name,), smap))
        return None
    line, col = smap.locate(path + (name,), key=True)
    return ConstraintSpec(
        check=check.get("name", ""), severity=check.get("severity", "error"), index=path[-1],
        name=name, params=params, definition=definition, file=smap.file, line=line, col=col,
    )


def _fingerprint(model: SuiteModel, constraints: tuple[ConstraintSpec, ...]) -> str:
    """What the suite asks, independent of formatting, comments, descriptions and the pinned version."""
    canonical = {
        "format": FINGERPRINT_VERSION,
        "suite": model.suite,
        "dataset": {"table": model.dataset.table, "path": model.dataset.path, "where": model.dataset.where},
        "constraints": [
            {"check": c.check, "severity": c.severity, "index": c.index, "name": c.name,
             "params": c.params.model_dump(mode="json")}
            for c in constraints
        ],
    }
    blob = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def parse_suite(text: str, file: str = "<suite>", registry: ConstraintRegistry | None = None) -> Suite:
    """Validate suite text; raise ``ConfigError`` with every issue found."""
    registry = registry or default_registry()
    data, smap, issues = parse_yaml(text, file)
    if data is None and not issues:
        issues.append(ConfigIssue(file, 1, 1, "the suite is empty; expected keys suite, dataset, checks"))
    if issues and data is None:
        raise ConfigError(issues)
    if not isinstance(data, dict):
        raise ConfigError([ConfigIssue(file, 1, 1, f"a suite is a mapping with keys suite, dataset, checks; "
                                                   f"got {type(data).__name__}")])
    model: SuiteModel | None = None
    try:
        model = SuiteModel.model_validate(data)
    except ValidationError as exc:
        issues.extend(_issues_from_validation(exc, SuiteModel, data, (), smap))

    constraints: list[ConstraintSpec] = []
    seen_checks: dict[str, tuple[int, int]] = {}
    checks = data.get("checks")
    for i, check in enumerate(checks if isinstance(checks, list) else []):
        if not isinstance(check, dict):
            continue  # already reported by the model
        name = check.get("name")
        if isinstance(name, str):
            if name in seen_checks:
                first = seen_checks[name]
                issues.append(smap.issue(("checks", i, "name"), f"duplicate check name '{name}' (first at line "
                                                                f"{first[0]}, column {first[1]}); names must be unique"))
            else:
                seen_checks[name] = smap.locate(("checks", i, "name"))
        items = check.get("constraints")
        for j, item in enumerate(items if isinstance(items, list) else []):
            spec = _resolve_constraint(item, ("checks", i, "constraints", j), check, registry, smap, issues)
            if spec is not None:
                constraints.append(spec)
    if issues or model is None:
        raise ConfigError(issues)
    resolved = tuple(constraints)
    locations = {"dataset": smap.locate(("dataset",))}
    for key in ("table", "path", "where", "version"):
        if ("dataset", key) in smap.values:
            locations[f"dataset.{key}"] = smap.values[("dataset", key)]
    return Suite(name=model.suite, description=model.description, dataset=model.dataset,
                 constraints=resolved, source=file, fingerprint=_fingerprint(model, resolved),
                 locations=locations)


def load_suite(path: str | FsPath, registry: ConstraintRegistry | None = None) -> Suite:
    """Read and validate a suite file. Any problem raises ``ConfigError`` naming file:line:col."""
    name = str(path)
    try:
        text = FsPath(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigIssue(name, 1, 1, "suite file not found; check the path")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigIssue(name, 1, 1, "is a directory; give a suite .yml file")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigIssue(name, 1, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start}); "
                                                   "save the suite as UTF-8")]) from None
    except OSError as exc:
        raise ConfigError([ConfigIssue(name, 1, 1, f"cannot read suite: {exc.strerror or exc}")]) from None
    return parse_suite(text, name, registry)
