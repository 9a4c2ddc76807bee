"""Progress of a long run on stderr: one short line per pass, only when a person is watching.

Pure Python. ``dqengine run`` reports progress when its stderr is a terminal (and turns on
Spark's console progress bar then); piped or redirected, as under a scheduler, it stays quiet.
"""
from __future__ import annotations

from typing import Any, Callable, TextIO

__all__ = ["Progress", "progress_to", "is_terminal", "describe_pass"]

#: Called with one line (no newline) per step.
Progress = Callable[[str], None]


def is_terminal(stream: Any) -> bool:
    """The stream is a terminal; a closed stream or an object without ``isatty`` is not."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def progress_to(stream: TextIO) -> Progress | None:
    """A callback writing each line to ``stream`` when it is a terminal, else None (quiet)."""
    if not is_terminal(stream):
        return None

    def emit(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    return emit


def describe_pass(p: Any) -> str:
    """``grouping(reading_id)``, ``windowed(sensor_id by ts)``, ``deequ_scan/fused``: what a
    ``dqengine.planner.Pass`` reads, in a few words."""
    if p.grouping:
        return f"{p.provider}({', '.join(p.grouping)})"
    if p.window is not None:
        keys, time = p.window
        return f"{p.provider}({', '.join(keys)} by {time})" if keys else f"{p.provider}(by {time})"
    if p.reference is not None:
        return f"{p.provider}({', '.join(p.reference.columns)} in {p.reference.reference.identity})"
    return f"{p.provider}/{p.strategy}" if p.strategy else p.provider
