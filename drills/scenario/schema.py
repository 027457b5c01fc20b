"""The JSON Schema (draft 2020-12) of a scenario file.

This is what ``drill schema`` prints for editors, so every field carries a
description. ``additionalProperties: false`` everywhere: a typo is an error,
never a silently ignored field. The schema checks *shape*; rules that need the
topology (unknown site, unknown link) or the whole file (duplicate fault ids,
a heal after the end of the fault phase) live in :mod:`drills.scenario.loader`.

Lifecycle: built once at import time as plain JSON data; the loader validates
the parsed YAML against it before building the typed model.
"""

from __future__ import annotations

import json
from typing import Any

from drills.checks import REGISTRY
from drills.faults import FAULT_TYPES
from drills.probes import JOURNEYS, PROBE_TYPES, default_journeys
from drills.model.schema_parts import duration, obj

__all__ = ["SCHEMA", "schema_json"]

_dur = duration
_obj = obj


_FAULT_COMMON: dict[str, Any] = {
    "id": {"type": "string", "minLength": 1, "description": "Unique id of this fault in the schedule."},
    "type": {"type": "string", "description": "Fault type (registry name)."},
    "at": _dur("When to inject, as an offset from the start of the fault phase."),
    "duration": _dur(
        "How long the fault lasts before its own heal. Omitted: it stays until the final heal-all."
    ),
}


def _fault_schema() -> dict[str, Any]:
    """One ``if type == X then X's fields`` branch per registered fault type."""
    branches = []
    for name, ft in sorted(FAULT_TYPES.items()):
        props = {**_FAULT_COMMON, **ft.fields}
        branch = _obj(f"A {name} fault: {ft.summary}", props, ("id", "type", "at", *ft.required))
        branches.append({"if": {"properties": {"type": {"const": name, "description": f"Selects the {name} fields."}}}, "then": branch})
    return {
        "type": "object",
        "description": "One fault: injected at `at`, healed after `duration` (or by the final heal-all).",
        "required": ["id", "type", "at"],
        "properties": {
            **{k: v for k, v in _FAULT_COMMON.items() if k != "type"},
            "type": {"type": "string", "enum": sorted(FAULT_TYPES), "description": "Fault type."},
        },
        "allOf": branches,
    }


_PROBE_COMMON: dict[str, Any] = {
    "name": {"type": "string", "minLength": 1, "description": "Unique probe name."},
    "type": {"type": "string", "description": "Probe type (registry name)."},
    "capability": {"type": "string", "minLength": 1, "description": "Capability it measures (a built-in one or your own)."},
}


def _custom_schema() -> dict[str, Any]:
    """One ``if type == X then X's fields`` branch per registered probe type."""
    branches = []
    for name, pt in sorted(PROBE_TYPES.items()):
        branch = _obj(f"A {name} probe: {pt.summary}", {**_PROBE_COMMON, **pt.fields}, ("name", "type", "capability", *pt.required))
        branches.append({"if": {"properties": {"type": {"const": name, "description": f"Selects the {name} fields."}}}, "then": branch})
    return {
        "type": "object",
        "description": "One custom probe; success is defined by its type.",
        "required": ["name", "type", "capability"],
        "properties": {**_PROBE_COMMON, "type": {"type": "string", "enum": sorted(PROBE_TYPES), "description": "Probe type."}},
        "allOf": branches,
    }


def _targets(description: str) -> dict[str, Any]:
    """Every configurable check's schema, under its name."""
    return _obj(description, {name: c.schema for name, c in sorted(REGISTRY.items()) if c.schema is not None})


_CHECKS = _targets("Targets for every capability; per_capability overrides them field by field.")
_CHECKS["properties"]["per_capability"] = {
    "type": "object",
    "description": "Overrides per capability name, same fields as above.",
    "additionalProperties": _targets("Overrides for one capability."),
}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://drills.dev/schema/scenario.json",
    "title": "drills scenario",
    **_obj(
        "A disaster-recovery drill: topology, probes, steady-state gate, fault schedule, settle, checks, abort rules.",
        {
            "name": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]*$", "description": "Short id of the drill (lowercase, digits, . _ -)."},
            "description": {"type": "string", "description": "What the drill does and what it should prove, in plain words."},
            "topology": _obj(
                "The replica to bring up.",
                {
                    "compose": {"type": "string", "minLength": 1, "description": "Compose file, relative to the repo root (default docker-compose.yml)."},
                    "variant": {"type": ["string", "null"], "description": "Broken variant: fixtures/variants/<variant>.yml is layered on top (default none)."},
                },
            ),
            "probes": _obj(
                "Journey probes sampled continuously during the drill.",
                {
                    "period": _dur("Time between samples of one journey (default 100ms)."),
                    "timeout": _dur("Per-sample timeout (default 2s)."),
                    "journeys": {
                        "type": "array",
                        "uniqueItems": True,
                        "items": {"type": "string", "enum": sorted(JOURNEYS)},
                        "description": f"Built-in journeys to run (default all: {', '.join(default_journeys())}).",
                    },
                    "custom": {"type": "array", "description": "Probes the scenario declares itself.", "items": _custom_schema()},
                },
            ),
            "steady_state": _obj(
                "Readiness gate before any fault: every journey must succeed steadily.",
                {
                    "duration": _dur("Observation window (default 5s)."),
                    "min_consecutive": {"type": "integer", "minimum": 1, "description": "Consecutive successes required per journey (default 5)."},
                    "timeout": _dur("Give up (environment failure) after this long (default 60s)."),
                },
            ),
            "faults": {"type": "array", "description": "The fault schedule.", "items": _fault_schema()},
            "fault_phase": _dur("Length of the fault phase; heal-all runs at its end (default: when the last fault ends)."),
            "settle": _dur("Observe this long after heal-all before checks (default 20s)."),
            "checks": _CHECKS,
            "abort": {
                "type": "array",
                "description": "Stop early (heal, then judge) when a rule fires.",
                "items": _obj(
                    "Abort when a capability is down longer than a limit.",
                    {
                        "capability": {"type": "string", "description": "Capability name, or * for any."},
                        "down_longer_than": _dur("Consecutive failures longer than this fire the rule."),
                    },
                    ("capability", "down_longer_than"),
                ),
            },
        },
        ("name",),
    ),
}


def schema_json() -> str:
    """The schema as pretty JSON (for ``drill schema``)."""
    return json.dumps(SCHEMA, indent=2)
