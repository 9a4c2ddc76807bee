"""The whole error hierarchy of dqengine, and the exit code each kind of failure maps to.

Every error a user can cause carries a message that names the place (file:line:col where there
is one) and the fix. The CLI turns these into one line each and a distinct exit code.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "EXIT_OK",
    "EXIT_CHECKS_FAILED",
    "EXIT_CONFIG",
    "EXIT_RUNTIME",
    "ConfigIssue",
    "DQEngineError",
    "ConfigError",
    "DatasetError",
    "UnsupportedPlatformError",
    "MissingJarsError",
    "MetricsStoreError",
    "RecordingError",
    "GateBlocked",
    "first_line",
]

EXIT_OK = 0
#: An error-severity check failed (run) or the gate refused to certify (gate).
EXIT_CHECKS_FAILED = 1
#: Bad suite, bad arguments, a dataset or column that does not exist: nothing was recorded.
EXIT_CONFIG = 2
#: The engine could not complete the run (Spark, Delta or Deequ failed).
EXIT_RUNTIME = 3


@dataclass(frozen=True, order=True)
class ConfigIssue:
    """One problem in a suite, at a place a user can jump to."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class DQEngineError(Exception):
    """Base of every error dqengine raises on purpose."""

    exit_code = EXIT_RUNTIME


class ConfigError(DQEngineError):
    """The suite or the command line is wrong; carries every issue found, not just the first."""

    exit_code = EXIT_CONFIG

    def __init__(self, issues: list[ConfigIssue] | tuple[ConfigIssue, ...] | str):
        if isinstance(issues, str):
            self.issues: tuple[ConfigIssue, ...] = ()
            text = issues
        else:
            self.issues = tuple(sorted(issues))
            text = "\n".join(str(i) for i in self.issues)
        super().__init__(text)


class DatasetError(ConfigError):
    """The dataset named by a suite does not exist, or lacks the version or columns it needs."""


class NoRunsYet(DQEngineError):
    """The suite never ran on its dataset at this location (runs, history, report): exit 1, as the
    gate answers "never checked" (the data is not known to be good), not 2 (nothing is misconfigured)."""

    exit_code = EXIT_CHECKS_FAILED

    def __init__(self, suite: str, dataset: str, location: str, suite_file: str = "SUITE"):
        super().__init__(f"no runs of suite '{suite}' on {dataset} in {location} yet; "
                         f"run `dqengine run {suite_file}` first")


class UnsupportedPlatformError(DQEngineError):
    """Spark version, Spark Connect or a missing JVM library: the engine cannot run here."""

    exit_code = EXIT_RUNTIME


class MissingJarsError(UnsupportedPlatformError):
    """Deequ or Delta classes are not on the driver's classpath."""


class MetricsStoreError(DQEngineError):
    """The metrics tables could not be read or written."""

    exit_code = EXIT_RUNTIME


class RecordingError(MetricsStoreError):
    """The run was computed but could not be recorded; ``run`` holds what was computed."""

    def __init__(self, message: str, run: object):
        super().__init__(message)
        self.run = run


class GateBlocked(DQEngineError):
    """The gate refuses to certify: the reason says which check is missing or failed."""

    exit_code = EXIT_CHECKS_FAILED


#: What Py4J says instead of the cause: "An error occurred while calling o64.run."
_PY4J_WRAPPER = "An error occurred while calling"


def _java_cause(exc: BaseException) -> str | None:
    """The innermost Java cause's first line, for an exception that wraps a Java one."""
    throwable = getattr(exc, "java_exception", None)
    if throwable is None:
        return None
    try:
        while throwable.getCause() is not None and throwable.getCause() is not throwable:
            throwable = throwable.getCause()
        text = throwable.getMessage() or throwable.getClass().getName()
    except Exception:  # the JVM is gone (killed, shut down): fall back to the Python text
        return None
    lines = [line.strip() for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else None


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Spark's run to pages), or its type name.

    For an error raised in the JVM this is the innermost cause's first line (e.g. Delta's
    ``[DELTA_CANNOT_CREATE_LOG_PATH] ...``), never Py4J's wrapper sentence.
    """
    cause = _java_cause(exc)
    if cause:
        return cause
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith((_PY4J_WRAPPER, "Traceback"))] or lines
    return lines[0].removeprefix(": ") if lines else type(exc).__name__
