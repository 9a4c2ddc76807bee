"""Durations in suite files: a number of seconds, or a string such as ``90s``, ``5m``, ``1h30m``, ``PT5M``.

Pure Python. A duration is validated into a float number of seconds, which is what the engine
computes with and records (a metric of a duration is in seconds), so ``5m`` and ``300`` are the
same parameter (and the same constraint id).

Accepted forms (``parse_duration``):

* a number (int or float, finite, 0 or more): seconds. ``90``, ``0.5``;
* compact: one or more of ``<number><unit>`` with the units ``d`` (86400 s), ``h``, ``m``, ``s``
  in that order, each at most once, lowercase, no spaces: ``90s``, ``5m``, ``2h``, ``1d``,
  ``1h30m``, ``1h0m``, ``1.5h``, ``0s``;
* ISO-8601: ``P[nW][nD][T[nH][nM][nS]]`` in uppercase: ``PT5M``, ``P1DT2H``, ``PT0.5S``, ``P1W``
  (a decimal comma is ISO's too: ``PT0,5S``).

Refused, each with a message naming the accepted forms: negative durations, the empty string,
spaces (``5 m``), booleans, years and months (``P1Y``, ``P1M``: no fixed length), and uppercase
compact units. ``5M`` is the ambiguity the last rule settles: in ISO-8601 an ``M`` before ``T``
is months and after ``T`` minutes, and people write ``M`` for months as often as for minutes, so
outside ISO's ``P...`` form only lowercase ``m`` (minutes) is read; ``5M`` is an error that says
to write ``5m`` for minutes.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

__all__ = ["Duration", "PositiveDuration", "parse_duration", "DURATION_FORMS", "format_duration",
           "Instant", "parse_instant", "epoch_micros"]

DURATION_FORMS = ("a number of seconds (90) or a string such as 90s, 5m, 2h, 1d, 1h30m, or ISO-8601 "
                  "PT5M, P1DT2H (units d, h, m, s in lowercase, in that order, without spaces)")

_NUM = r"\d+(?:\.\d+)?"
_COMPACT = re.compile(rf"^(?:({_NUM})d)?(?:({_NUM})h)?(?:({_NUM})m)?(?:({_NUM})s)?$")
_ISO_NUM = r"\d+(?:[.,]\d+)?"
_ISO = re.compile(rf"^P(?:({_ISO_NUM})W)?(?:({_ISO_NUM})D)?(?:T(?:({_ISO_NUM})H)?(?:({_ISO_NUM})M)?(?:({_ISO_NUM})S)?)?$")
_ISO_CALENDAR = re.compile(rf"^P(?:{_ISO_NUM}Y)?(?:{_ISO_NUM}M)?")
_COMPACT_UNITS = (86400.0, 3600.0, 60.0, 1.0)
_ISO_UNITS = (604800.0, 86400.0, 3600.0, 60.0, 1.0)

#: For the JSON Schema of suite files: what an editor should accept (the engine checks the rest).
_JSON_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string",
         "pattern": r"^((\d+(\.\d+)?d)?(\d+(\.\d+)?h)?(\d+(\.\d+)?m)?(\d+(\.\d+)?s)?"
                    r"|P(\d+([.,]\d+)?W)?(\d+([.,]\d+)?D)?(T(\d+([.,]\d+)?H)?(\d+([.,]\d+)?M)?(\d+([.,]\d+)?S)?)?)$",
         "minLength": 1},
    ],
    "description": "A duration: " + DURATION_FORMS,
}


def _bad(value: Any, why: str = "") -> ValueError:
    shown = repr(value) if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)
    return ValueError(f"{shown} is not a duration{': ' + why if why else ''}; write {DURATION_FORMS}")


def _total(parts: tuple[str | None, ...], units: tuple[float, ...]) -> float | None:
    if all(p is None for p in parts):
        return None
    return sum(float(p.replace(",", ".")) * unit for p, unit in zip(parts, units) if p is not None)


def parse_duration(value: Any) -> float:
    """``value`` in seconds, or ``ValueError`` saying which forms are accepted."""
    if isinstance(value, bool):
        raise _bad(value, "a boolean")
    if isinstance(value, (int, float)):
        seconds = float(value)
        if not math.isfinite(seconds):
            raise _bad(value, "it must be finite")
        if seconds < 0:
            raise _bad(value, "it is negative")
        return seconds
    if not isinstance(value, str):
        raise _bad(value, f"a {type(value).__name__}")
    if value == "":
        raise _bad(value, "it is empty")
    if any(ch.isspace() for ch in value):
        raise _bad(value, "it has spaces")
    if value.startswith("-"):
        raise _bad(value, "it is negative")
    if value.startswith("P"):
        match = _ISO.match(value)
        if match is None or value in ("P", "PT") or value.endswith("T"):
            calendar = _ISO_CALENDAR.match(value)
            if calendar is not None and ("Y" in calendar.group(0) or "M" in calendar.group(0)):
                raise _bad(value, "years and months have no fixed length (P1M is a month; PT1M a minute)")
            raise _bad(value)
        total = _total(match.groups(), _ISO_UNITS)
    else:
        match = _COMPACT.match(value)
        if match is None:
            if _COMPACT.match(value.lower()) is not None:
                hint = " (M could mean minutes or months: write 5m for minutes)" if "M" in value else ""
                raise _bad(value, f"units are lowercase{hint}")
            raise _bad(value)
        total = _total(match.groups(), _COMPACT_UNITS)
    if total is None:
        raise _bad(value)
    if not math.isfinite(total):
        raise _bad(value, "it is too large")
    return total


def _positive(value: Any) -> float:
    seconds = parse_duration(value)
    if seconds == 0:
        raise ValueError(f"{value!r} is a zero duration; an interval must be longer than 0 seconds")
    return seconds


#: A duration of 0 seconds or more, as float seconds.
Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(_JSON_SCHEMA)]
#: A duration longer than 0 (an interval, a rate's unit of time).
PositiveDuration = Annotated[float, BeforeValidator(_positive), WithJsonSchema(_JSON_SCHEMA)]


def format_duration(seconds: float) -> str:
    """``5400`` -> ``1h30m``; ``0.5`` -> ``0.5s``: a number of seconds as a message shows it."""
    if not math.isfinite(seconds):
        return str(seconds)
    if seconds < 0:
        return "-" + format_duration(-seconds)
    whole = int(seconds)
    if whole != seconds or seconds < 60:
        return f"{seconds:g}s"
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, whole = divmod(whole, size)
        if n:
            out += f"{n}{unit}"
    return out


# --- instants ------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_instant(value: Any) -> datetime:
    """An ISO-8601 date-time (``"2026-01-01T00:00:00Z"``, or the timestamp YAML reads unquoted) as an
    aware UTC datetime; one without an offset is UTC. A bare date is midnight UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date-time; write ISO-8601 such as "
                             "\"2026-01-01T00:00:00Z\" (UTC unless it gives an offset)") from None
    else:
        raise ValueError(f"expected an ISO-8601 date-time such as \"2026-01-01T00:00:00Z\" (got {value!r})")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def epoch_micros(moment: datetime) -> int:
    """Microseconds since 1970-01-01T00:00:00Z, exactly (no float rounding)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


#: A point in time, as an aware UTC datetime (JSON: an ISO-8601 string).
Instant = Annotated[datetime, BeforeValidator(parse_instant),
                    WithJsonSchema({"type": "string", "format": "date-time",
                                    "description": "ISO-8601 date-time; UTC unless it gives an offset"})]
