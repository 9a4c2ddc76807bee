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


class UnsupportedPlatformError(DQEngineError):
    """Spark version, Spark Connect or a missing JVM library: the engine cannot run here."""

    exit_code = EXIT_RUNTIME


class MissingJarsError(UnsupportedPlatformError):
    """Deequ or Delta classes are not on the driver's classpath."""


class MetricsStoreError(DQEngineError):
    """The metrics tables could not be read or written."""

    exit_code = EXIT_RUNTIME


class GateBlocked(DQEngineError):
    """The gate refuses to certify: the reason says which check is missing or failed."""

    exit_code = EXIT_CHECKS_FAILED


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Spark's run to pages), or its type name."""
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__
