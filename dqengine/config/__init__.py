"""Suite configuration: YAML with positions and pydantic models. Imports nothing from Spark."""
from __future__ import annotations

from dqengine.config.models import DatasetModel, SuiteModel, Threshold
from dqengine.config.yaml_source import SourceMap, parse_yaml

__all__ = ["DatasetModel", "SuiteModel", "Threshold", "SourceMap", "parse_yaml"]
