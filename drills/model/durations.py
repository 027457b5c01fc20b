"""Durations: the one way drills spells a span of time in files and on screen.

Vocabulary
    duration  a non-negative span of time, held in code as ``float`` seconds.
    spelling  how a human writes it in a scenario: ``100ms``, ``5s``, ``1.5s``,
              ``2m``, ``1h``, or a bare number meaning seconds (``5``, ``0.25``).

Lifecycle: scenario text -> :func:`parse_duration` (once, at load time) ->
float seconds everywhere in the engine -> :func:`format_duration` for display.
"""

from __future__ import annotations

import math
import re

__all__ = ["ALLOWED_FORMS", "SCHEMA_PATTERN", "format_duration", "parse_duration"]

ALLOWED_FORMS = "a number of seconds (5, 1.5) or a number with a unit: 100ms, 5s, 1.5s, 2m, 1h"

_UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# The one grammar, written once: the JSON Schema's pattern (non-negative spellings only) and the
# parser (which also reads a sign, so that "-1s" is told "must be >= 0s", not "not a duration").
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = "(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
SCHEMA_PATTERN = rf"^\s*{_NUMBER}\s*{_UNIT}?\s*$"
_PATTERN = re.compile(rf"^\s*([+-]?{_NUMBER})\s*({_UNIT})?\s*$")


def parse_duration(value: object) -> float:
    """Return ``value`` as float seconds; raise ValueError naming the allowed forms.

    >>> parse_duration("100ms"), parse_duration("1.5s"), parse_duration(2)
    (0.1, 1.5, 2.0)
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r} (allowed: {ALLOWED_FORMS})")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if match is None:
            raise ValueError(f"not a duration: {value!r} (allowed: {ALLOWED_FORMS})")
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError(f"not a duration: {value!r} (allowed: {ALLOWED_FORMS})")
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"not a duration: {value!r} (allowed: {ALLOWED_FORMS})")
    if seconds < 0:
        raise ValueError(f"must be >= 0s, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human spelling: ``0.1 -> '100ms'``, ``1.5 -> '1.5s'``, ``90 -> '1m30s'``."""
    if seconds < 0:
        return "-" + format_duration(-seconds)
    if seconds < 1:
        ms = round(seconds * 1000, 1)
        return f"{ms:g}ms"
    if seconds < 60:
        return f"{round(seconds, 2):g}s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        rest = round(rest, 1)
        return f"{int(minutes)}m" + (f"{rest:g}s" if rest else "")
    hours, rest = divmod(seconds, 3600)
    minutes = int(rest // 60)
    return f"{int(hours)}h" + (f"{minutes}m" if minutes else "")
