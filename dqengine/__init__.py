"""dqengine: data-quality suites in YAML, computed by Deequ on Delta tables, with a training gate.

Importing this package starts nothing: Spark, Delta and pydeequ are imported only by the
functions that need them.
"""
from __future__ import annotations

from dqengine._version import __version__
from dqengine.checks import ConstraintSpec, Suite, default_registry, load_suite, parse_suite
from dqengine.errors import (
    ConfigError,
    ConfigIssue,
    DatasetError,
    DQEngineError,
    GateBlocked,
    MetricsStoreError,
    UnsupportedPlatformError,
)
from dqengine.results import ConstraintResult, ConstraintStatus, RunResult, RunStatus

__all__ = [
    "__version__",
    "ConfigError",
    "ConfigIssue",
    "ConstraintResult",
    "ConstraintSpec",
    "ConstraintStatus",
    "DatasetError",
    "DQEngineError",
    "GateBlocked",
    "MetricsStoreError",
    "RunResult",
    "RunStatus",
    "Suite",
    "UnsupportedPlatformError",
    "default_registry",
    "load_suite",
    "parse_suite",
]
