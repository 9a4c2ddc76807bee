"""Constraint types, the registry that names them, and suite loading. Imports nothing from Spark."""
from __future__ import annotations

from dqengine.checks.base import AnalyzerOutput, AnalyzerSpec, ConstraintDef, EvalContext
from dqengine.checks.registry import ConstraintRegistry, DuplicateConstraintError, default_registry
from dqengine.checks.suite import ConstraintSpec, Suite, load_suite, parse_suite

__all__ = [
    "AnalyzerOutput",
    "AnalyzerSpec",
    "ConstraintDef",
    "ConstraintRegistry",
    "ConstraintSpec",
    "DuplicateConstraintError",
    "EvalContext",
    "Suite",
    "default_registry",
    "load_suite",
    "parse_suite",
]
