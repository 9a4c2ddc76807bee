"""The JSON documents of ``--format json``: one object per command on stdout. Pure Python.

Stable shapes (fields are only ever added): ``run`` -> :func:`run_document`, ``gate`` ->
:func:`gate_document`, ``validate`` -> :func:`validate_document`; ``runs`` and ``history`` are in
:mod:`dqengine.history`. A command that fails prints :func:`error_document` instead (its one line
also goes to stderr, and the exit code is the same as in text mode). NaN, infinities and None are
``null``; timestamps are ISO 8601 in UTC with a ``Z``.
"""
from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

from dqengine.history import plain_number, timestamp
from dqengine.results import RunResult

__all__ = ["run_document", "gate_document", "validate_document", "error_document", "dumps"]


def run_document(run: RunResult, metrics_location: str | None = None, error: str | None = None) -> dict[str, Any]:
    """A run as ``dqengine run`` computed it; ``error``: why it was not recorded."""
    document: dict[str, Any] = {
        "suite": run.suite, "dataset": run.dataset, "dataset_version": run.dataset_version, "run_id": run.run_id,
        "status": run.status.value, "row_count": run.row_count, "started_at": timestamp(run.started_at),
        "finished_at": timestamp(run.finished_at), "suite_fingerprint": run.suite_fingerprint,
        "metrics_location": metrics_location, "recorded": error is None and metrics_location is not None,
        "message": run.message,
        "constraints": [{
            "check": r.check, "constraint_index": r.constraint_index, "constraint_id": r.constraint_id or None,
            "constraint": r.constraint, "label": r.label, "columns": list(r.columns), "severity": str(r.severity),
            "dimension": str(r.dimension), "status": r.status.value, "metric_name": r.metric_name,
            "metric_key": r.metric_key, "metric_value": plain_number(r.metric_value), "threshold": r.threshold,
            "message": r.message,
        } for r in run.constraints],
        "scores": [{"dimension": s.dimension, "score": plain_number(s.score), "constraints": s.constraints,
                    "left_out": s.left_out} for s in run.scores],
        "score_failures": list(run.score_failures),
    }
    if error is not None:
        document["error"] = error
    return document


def gate_document(decision: Any, suite: str) -> dict[str, Any]:
    """A ``GateDecision`` (``dqengine.certify``)."""
    return {
        "suite": suite, "certified": decision.certified, "dataset": decision.dataset, "version": decision.version,
        "reason": decision.reason, "run_id": decision.run_id, "run_version": decision.run_version,
        "unchanged": [{"version": version, "operation": operation} for version, operation in decision.unchanged],
    }


def validate_document(files: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """``files``: per suite file ``file``, ``valid``, ``constraints``, ``fingerprint``, ``errors``."""
    return {"valid": all(f["valid"] for f in files), "files": [dict(f) for f in files]}


def error_document(message: str, exit_code: int) -> dict[str, Any]:
    """What stdout carries when a command fails in JSON mode: the line stderr has, and the exit code."""
    return {"error": message, "exit_code": exit_code}


def dumps(document: Mapping[str, Any]) -> str:
    """Strict JSON (``allow_nan=False``: a NaN that slipped through is a bug, not ``NaN``)."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)
