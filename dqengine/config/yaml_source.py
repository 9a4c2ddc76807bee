"""YAML text -> plain Python data plus the line:col of every node.

Values come from ``yaml.safe_load`` only (no Python tags can ever construct objects). Positions
come from ``yaml.compose`` with the same safe loader, which builds a node tree and constructs
nothing; we walk it to remember where each value and each mapping key stands, and to catch
duplicate keys, which ``safe_load`` would silently collapse to the last one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from dqengine.errors import ConfigIssue

__all__ = ["Path", "SourceMap", "parse_yaml"]

#: A path into a YAML document: mapping keys (str) and sequence indexes (int).
Path = tuple[Any, ...]


@dataclass(frozen=True)
class SourceMap:
    """Where each node of one YAML document stands in its file (1-based line and column)."""

    file: str
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor that exists in the document.

        ``key=True`` prefers the position of the mapping key over its value: an unknown key is
        best reported where the key is written.
        """
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def issue(self, path: Path, message: str, *, key: bool = False) -> ConfigIssue:
        line, col = self.locate(path, key=key)
        return ConfigIssue(self.file, line, col, message)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def _scalar_key(node: yaml.Node) -> Any:
    # Keys are compared by their text; a non-scalar key is reported by the models, not here.
    return node.value if isinstance(node, yaml.ScalarNode) else repr(node)


def _walk(node: yaml.Node, path: Path, smap: SourceMap, issues: list[ConfigIssue]) -> None:
    smap.values[path] = _pos(node.start_mark)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, tuple[int, int]] = {}
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            where = _pos(key_node.start_mark)
            if key in seen:
                first = seen[key]
                issues.append(
                    ConfigIssue(
                        smap.file,
                        *where,
                        f"duplicate key '{key}' (first at line {first[0]}, column {first[1]}); "
                        "remove one of them",
                    )
                )
                continue
            seen[key] = where
            smap.keys[path + (key,)] = where
            _walk(value_node, path + (key,), smap, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, path + (index,), smap, issues)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap, list[ConfigIssue]]:
    """Parse one YAML document. Returns (data, positions, issues); data is None on a syntax error."""
    smap = SourceMap(file)
    issues: list[ConfigIssue] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _pos(mark) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        context = f" ({exc.context})" if exc.context and exc.problem else ""
        issues.append(
            ConfigIssue(file, line, col, f"YAML syntax error: {problem}{context}; "
                        "check indentation, quotes and colons around this place")
        )
        return None, smap, issues
    except yaml.YAMLError as exc:  # errors without a mark (e.g. several documents)
        issues.append(ConfigIssue(file, 1, 1, f"YAML error: {exc}"))
        return None, smap, issues
    if root is None:
        return None, smap, issues
    _walk(root, (), smap, issues)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # compose accepted it, construction did not (e.g. bad timestamp)
        mark = getattr(exc, "problem_mark", None)
        line, col = _pos(mark) if mark is not None else (1, 1)
        issues.append(ConfigIssue(file, line, col, f"YAML error: {getattr(exc, 'problem', exc)}"))
        return None, smap, issues
    return data, smap, issues
