"""The JSON Schema of suite files, generated from the same models and registry that validate them.

``conf/suite.schema.json`` is this output; a test fails when the two differ, so editors that
validate YAML against it (VS Code's YAML extension, IntelliJ) never disagree with the engine.
Regenerate with ``make schema``.
"""
from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from dqengine.checks.registry import ConstraintRegistry, default_registry
from dqengine.config.models import CONSTRAINT_ID_PATTERN, NAME_PATTERN, CheckModel, DatasetModel, MinScoreModel
from dqengine.results import Dimension

__all__ = ["suite_json_schema"]

_REF = "#/$defs/{model}"
_ID = {"type": "string", "pattern": CONSTRAINT_ID_PATTERN, "minLength": 1, "maxLength": 128,
       "description": "Names the constraint for good (recorded as constraint_id); unique in the suite. "
                      "Default: a hash of the check name, constraint type and parameters."}
_DIMENSION = {"enum": [d.value for d in Dimension], "type": "string",
              "description": "The quality dimension the constraint is scored in; overrides the check's "
                             "dimension and the type's default."}
_WEIGHT = {"type": "number", "exclusiveMinimum": 0,
           "description": "The constraint's share of its dimension's score (default 1)."}


def suite_json_schema(registry: ConstraintRegistry | None = None) -> dict[str, Any]:
    registry = registry or default_registry()
    defs_in = [(DatasetModel, "validation"), (MinScoreModel, "validation")] + [(d.params_model, "validation") for d in registry]
    keymap, top = models_json_schema(defs_in, ref_template=_REF)
    defs = top.get("$defs", {})

    def ref(model: Any) -> dict[str, Any]:
        return keymap[(model, "validation")]

    alternatives = []
    for definition in sorted(registry, key=lambda d: d.name):
        params: dict[str, Any] = ref(definition.params_model)
        if definition.shorthand == "column":
            params = {"anyOf": [{"type": "string", "minLength": 1}, params]}
        elif definition.shorthand == "columns":
            params = {"anyOf": [{"type": "array", "items": {"type": "string", "minLength": 1},
                                 "minItems": 1}, params]}
        alternatives.append({
            "type": "object",
            "description": definition.summary,
            "properties": {definition.name: params, "id": _ID, "dimension": _DIMENSION, "weight": _WEIGHT},
            "required": [definition.name],
            "additionalProperties": False,
        })
    check = CheckModel.model_json_schema(ref_template=_REF)
    check["properties"]["constraints"] = {
        "type": "array", "minItems": 1, "items": {"oneOf": alternatives},
        "description": "Each item maps one constraint name to its parameters, with an optional id, "
                       "dimension and weight.",
    }
    defs["CheckModel"] = check
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://dqengine.dev/schemas/suite.schema.json",
        "title": "dqengine suite",
        "type": "object",
        "additionalProperties": False,
        "required": ["suite", "dataset", "checks"],
        "properties": {
            "suite": {"type": "string", "pattern": NAME_PATTERN, "maxLength": 128},
            "description": {"type": "string"},
            "dataset": ref(DatasetModel),
            "min_score": ref(MinScoreModel),
            "nan_is_missing": {"type": "boolean", "default": False,
                               "description": "NaN in a float/double column counts as missing for "
                                              "completeness-type and time-series constraints."},
            "checks": {"type": "array", "minItems": 1, "items": {"$ref": _REF.format(model="CheckModel")}},
        },
        "$defs": defs,
    }
