"""Building blocks of the scenario JSON Schema, shared by every plugin's schema fragment.

Plugins (faults, probes, checks) describe their own fields with these helpers; the scenario
schema (:mod:`drills.scenario.schema`) assembles them. Every object is closed
(``additionalProperties: false``): a typo is an error, never a silently ignored field.
"""

from __future__ import annotations

from typing import Any

from drills.model.durations import MAX_DURATION, SCHEMA_PATTERN, format_duration

__all__ = ["JsonSchema", "duration", "integer", "obj", "string"]

JsonSchema = dict[str, Any]

_DURATION_WORDS = (
    "A duration: seconds as a number (5, 1.5) or a string with a unit: 100ms, 5s, 2m, 1h; "
    f"at most {format_duration(MAX_DURATION)}."
)


def duration(description: str) -> JsonSchema:
    """A duration field (see :mod:`drills.model.durations` for the grammar)."""
    return {
        "description": f"{description} {_DURATION_WORDS}",
        "anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_DURATION},
                  {"type": "string", "pattern": SCHEMA_PATTERN}],
    }


def obj(description: str, properties: dict[str, Any], required: tuple[str, ...] = ()) -> JsonSchema:
    """A closed object: only ``properties`` are allowed."""
    out: JsonSchema = {
        "type": "object",
        "description": description,
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        out["required"] = list(required)
    return out


def string(description: str, **more: Any) -> JsonSchema:
    return {"type": "string", "description": description, **more}


def integer(description: str, **more: Any) -> JsonSchema:
    return {"type": "integer", "description": description, **more}


def boolean(description: str) -> JsonSchema:
    return {"type": "boolean", "description": description}
