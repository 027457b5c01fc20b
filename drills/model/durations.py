"""Durations: the one way drills spells a span of time in files and on screen.

Vocabulary
    duration  a non-negative span of time, held in code as ``float`` seconds.
    spelling  how a human writes it in a scenario: ``100ms``, ``5s``, ``1.5s``,
              ``2m``, ``1h``, or a bare number meaning seconds (``5``, ``0.25``).

    maximum   every duration in a scenario is at most ``MAX_DURATION`` (24h): no drill phase,
              timeout or target needs more, and a bound keeps ``1e99`` or a 400-digit number
              from reaching the engine (a settle of 10^99 seconds is a hang, not a drill).

Lifecycle: scenario text -> :func:`parse_duration` (once, at load time) ->
float seconds everywhere in the engine -> :func:`format_duration` for display.
"""

from __future__ import annotations

import math
import re

__all__ = ["ALLOWED_FORMS", "MAX_DURATION", "SCHEMA_PATTERN", "format_duration", "parse_duration", "shown"]

MAX_DURATION = 24 * 3600.0
ALLOWED_FORMS = "a number of seconds (5, 1.5) or a number with a unit: 100ms, 5s, 1.5s, 2m, 1h"

_UNITS: dict[str, float] = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
# The one grammar, written once: the JSON Schema's pattern (non-negative spellings only) and the
# parser (which also reads a sign, so that "-1s" is told "must be >= 0s", not "not a duration").
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)"
_UNIT = "(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
# The unit's spaces sit inside its optional group: two bare \s* side by side would make a long run of
# spaces quadratic to reject (a 100 kB one took a minute).
SCHEMA_PATTERN = rf"^\s*{_NUMBER}(?:\s*{_UNIT})?\s*$"
_PATTERN = re.compile(rf"^\s*([+-]?{_NUMBER})(?:\s*({_UNIT}))?\s*$")


def parse_duration(value: object) -> float:
    """Return ``value`` as float seconds; raise ValueError naming the allowed forms or the bound broken.

    >>> parse_duration("100ms"), parse_duration("1.5s"), parse_duration(2)
    (0.1, 1.5, 2.0)
    """
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {shown(value)} (allowed: {ALLOWED_FORMS})")
    try:
        if isinstance(value, (int, float)):
            seconds = float(value)
        elif isinstance(value, str):
            match = _PATTERN.match(value)
            if match is None:
                raise ValueError(f"not a duration: {shown(value)} (allowed: {ALLOWED_FORMS})")
            seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
        else:
            raise ValueError(f"not a duration: {shown(value)} (allowed: {ALLOWED_FORMS})")
    except OverflowError:  # an int past float's range
        seconds = -math.inf if isinstance(value, int) and value < 0 else math.inf
    if math.isnan(seconds):
        raise ValueError(f"not a duration: {shown(value)} (allowed: {ALLOWED_FORMS})")
    if seconds < 0:
        raise ValueError(f"must be >= 0s, got {shown(value)}")
    if seconds > MAX_DURATION:
        raise ValueError(f"must be <= {format_duration(MAX_DURATION)}, got {shown(value)}")
    return seconds


def shown(value: object) -> str:
    """A value read from a file, for a message: its repr, cut short (a hostile file's may be a megabyte
    long, or hold newlines: the message stays one line)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


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
