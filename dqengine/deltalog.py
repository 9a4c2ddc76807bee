"""What a Delta table's log says about its versions: which commits changed its data. Pure Python.

A Delta commit is the file ``_delta_log/NNNNNNNNNNNNNNNNNNNN.json``, one JSON action per line.
A commit *changes no data* when every ``add``/``remove`` action in it has ``dataChange: false``,
it has no ``cdc`` action, and a ``metaData`` action in it (if any) keeps the schema and the
partition columns of the version before: ``OPTIMIZE`` (also with ``ZORDER BY``), ``VACUUM``,
``ALTER TABLE ... SET TBLPROPERTIES``. Reading such a version gives the same rows as the version
before it, so a check of that earlier version holds for it too.

Anything this module cannot establish counts as a data change: a commit file that is gone
(log clean-up) or that does not parse, an ``add`` without ``dataChange``, a ``metaData`` action
whose previous schema is only in a checkpoint. That can make the gate ask for one more run, never
certify data that was not checked.

The readers (the local file system in :mod:`dqengine.fastgate`, Spark for any file system in
:mod:`dqengine.spark.gate`) only fetch commit files; the rule is here, once.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Mapping

__all__ = ["Shape", "Commit", "DataVersion", "CommitReader", "parse_commit", "commit_file_name",
           "version_of_log_file", "last_data_change"]


@dataclass(frozen=True)
class Shape:
    """What a ``metaData`` action says about the rows a reader sees: schema and partitioning."""

    schema: str  # canonical JSON of schemaString (keys sorted), or the raw text if it does not parse
    partition_columns: tuple[str, ...]


@dataclass(frozen=True)
class Commit:
    version: int
    #: ``commitInfo.operation`` (OPTIMIZE, WRITE, ...), or "" when the writer left none
    operation: str
    #: an add/remove action without ``dataChange: false``, a cdc action, or an unreadable commit
    data_change: bool
    #: the schema and partitioning set by the commit's ``metaData`` action, if it has one
    shape: Shape | None = None


@dataclass(frozen=True)
class DataVersion:
    """Version ``target`` holds the same data as ``version``, the newest version <= it that changed data."""

    target: int
    version: int
    #: (version, operation) of the commits in (version, target], oldest first: they change no data
    unchanged: tuple[tuple[int, str], ...] = ()


#: ``read(lo, hi)``: the commits with versions lo..hi (inclusive) whose files exist.
CommitReader = Callable[[int, int], Mapping[int, Commit]]


def commit_file_name(version: int) -> str:
    return f"{version:020d}.json"


def version_of_log_file(name: str) -> int | None:
    """The version of a ``_delta_log`` file (commit or checkpoint), None for anything else."""
    head, _, rest = name.partition(".")
    if len(head) != 20 or not head.isdigit() or not (rest == "json" or rest.startswith("checkpoint.")):
        return None
    return int(head)


def _shape(meta: Mapping) -> Shape:
    text = meta.get("schemaString") or ""
    try:
        schema = json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        schema = text
    return Shape(schema, tuple(meta.get("partitionColumns") or ()))


def parse_commit(version: int, text: str) -> Commit:
    """One commit file's text (JSON lines) as what matters to the gate."""
    operation = ""
    data_change = False
    shape = None
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            action = json.loads(line)
        except ValueError:
            return Commit(version, operation, True)
        if not isinstance(action, dict):
            return Commit(version, operation, True)
        info = action.get("commitInfo")
        if isinstance(info, dict) and isinstance(info.get("operation"), str):
            operation = info["operation"]
        for kind in ("add", "remove"):
            if kind in action and not (isinstance(action[kind], dict) and action[kind].get("dataChange") is False):
                data_change = True
        if "cdc" in action:
            data_change = True
        if isinstance(action.get("metaData"), dict):
            shape = _shape(action["metaData"])
    return Commit(version, operation, data_change, shape)


def last_data_change(target: int, read: CommitReader, batch: int = 16) -> DataVersion:
    """Walk back from ``target`` over commits that change no data; see the module docstring."""
    known: dict[int, Commit | None] = {}
    size = batch

    def commit(version: int) -> Commit | None:
        nonlocal size
        if version not in known:
            lo = max(0, version - size + 1)
            found = read(lo, version)
            for v in range(lo, version + 1):
                known.setdefault(v, found.get(v))
            size *= 2  # a long walk reads few, growing batches
        return known[version]

    def shape_before(version: int) -> Shape | None:
        for v in range(version - 1, -1, -1):
            earlier = commit(v)
            if earlier is None:
                return None  # cleaned up: the previous schema is only in a checkpoint
            if earlier.shape is not None:
                return earlier.shape
        return None

    version = target
    unchanged: list[tuple[int, str]] = []
    while version > 0:  # version 0 creates the table: always data
        current = commit(version)
        if current is None or current.data_change:
            break
        if current.shape is not None and shape_before(version) != current.shape:
            break
        unchanged.append((version, current.operation))
        version -= 1
    return DataVersion(target, version, tuple(reversed(unchanged)))
