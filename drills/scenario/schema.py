"""The JSON Schema (draft 2020-12) of a scenario file, assembled from the plugin registries.

This is what ``drill schema`` prints for editors, so every field carries a description, and
``additionalProperties: false`` holds everywhere: a typo is an error, never a silently ignored
field. The core fields are written here; each fault type, action type, probe type, journey and
check brings its own fields (drills/faults/, drills/actions/, drills/probes/, drills/checks/). The
schema checks *shape*; rules that need the topology (unknown site, unknown link) or the whole
file (duplicate fault ids, a heal after the end of the fault phase, an action with both or neither
trigger) live in :mod:`drills.scenario.build` and the plugins. Bounds that keep a hostile file
harmless are in the schema where it can say them: every duration at most 24h
(:data:`drills.model.durations.MAX_DURATION`, also in each duration's description), the write
load's writers and rate, the length of every list (``MAX_ITEMS``: the loader checks these before
the rest of the schema, whose cost grows with them); the YAML reader's own limits are in
:mod:`drills.scenario.yamlsrc`.

Lifecycle: :func:`scenario_schema` builds it from the registries as they are (cached until a
plugin registers); the loader validates the parsed YAML against it before building the model.
"""

from __future__ import annotations

import json

from drills.actions import ACTION_TYPES
from drills.checks import REGISTRY
from drills.faults import FAULT_TYPES
from drills.model.schema_parts import JsonSchema, boolean, duration, integer, obj, string
from drills.probes import JOURNEYS, PROBE_TYPES, default_journeys
from drills.probes.spec import journey_schema

__all__ = ["MAX_ITEMS", "scenario_schema", "schema_json"]

# The longest lists a scenario may hold: far above any drill's, low enough that validating a
# hostile file stays well under a second (the schema costs about a millisecond per fault).
MAX_ITEMS = {"faults": 200, "actions": 100, "custom": 50, "journeys": 50, "abort": 50, "failing": 100}
MAX_WRITERS = 256  # load.writers: one thread each; the shipped drills use 4 to 32
MAX_RATE = 1000  # load.rate, writes per second per writer

_FAULT_COMMON: JsonSchema = {
    "id": {"type": "string", "minLength": 1, "description": "Unique id of this fault in the schedule."},
    "type": {"type": "string", "description": "Fault type (registry name)."},
    "at": duration("When to inject, as an offset from the start of the fault phase."),
    "duration": duration("How long the fault lasts before its own heal. Omitted: it stays until the final heal-all."),
}
_ACTION_COMMON: JsonSchema = {
    "id": {"type": "string", "minLength": 1,
           "description": "Unique id of this action (distinct from every fault id); its verdict is activation[<id>]."},
    "type": {"type": "string", "description": "Action type (registry name)."},
    "at": duration("Trigger: start at this offset from the start of the fault phase (give at or when, not both)."),
    "when": obj(
        "Trigger: start once a condition holds (give at or when, not both): the capability's edge signal (as the "
        "abort rules read it) has been down for down_for without a break.",
        {
            "capability": string("The capability whose edge probes are watched.", minLength=1),
            "down_for": duration("How long it must have been down."),
            "timeout": duration("Give up at this offset from the start of the fault phase: the action is recorded "
                                "as never triggered (default: the end of the fault phase)."),
        },
        ("capability", "down_for"),
    ),
    "target": duration("Its activation time must be within this: from the hit of the fault active when it "
                       "started (none: from its trigger) to its end. Omitted: only its success is judged."),
}  # fmt: skip
_FAILBACK_COMMON: JsonSchema = {
    "type": {"type": "string", "description": "Action type (registry name), as in actions:."},
    "target": duration(
        "Its activation time (from its start to its end) must be within this. Omitted: only its success is judged."
    ),
    "settle": duration(
        "Keep probing this long after it returned (default 20s): the failback window is its start to the end of this."
    ),
}
_PROBE_COMMON: JsonSchema = {
    "name": {"type": "string", "minLength": 1, "description": "Unique probe name."},
    "type": {"type": "string", "description": "Probe type (registry name)."},
    "capability": string("Capability it measures (a built-in one or your own).", minLength=1),
}


def _by_type(what: str, common: JsonSchema, kinds: dict[str, tuple[str, JsonSchema, tuple[str, ...]]],
             required: tuple[str, ...]) -> JsonSchema:  # fmt: skip
    """An object whose ``type`` selects one registered kind's fields (one if/then branch per kind)."""
    branches = []
    for name, (summary, fields, needs) in sorted(kinds.items()):
        branch = obj(f"A {name} {what}: {summary}", {**common, **fields}, (*required, *needs))
        # "required": without it a missing type matches every branch's if, and the error names another type's fields
        branches.append({"if": {"properties": {"type": {"const": name, "description": f"Selects the {name} fields."}},
                                "required": ["type"]},
                         "then": branch})  # fmt: skip
    return {
        "type": "object",
        "description": f"One {what}; its type selects its fields.",
        "required": list(required),
        "properties": {**common, "type": string(f"{what.capitalize()} type.", enum=sorted(kinds))},
        "allOf": branches,
    }


def _targets(description: str) -> JsonSchema:
    """Every configurable check's schema, under its name."""
    return obj(description, {name: c.schema for name, c in sorted(REGISTRY.items()) if c.schema is not None})


def _checks() -> JsonSchema:
    checks = _targets("Targets for every capability; per_capability overrides them field by field.")
    checks["properties"]["per_capability"] = {
        "type": "object",
        "description": "Overrides per capability name, same fields as above.",
        "additionalProperties": _targets("Overrides for one capability."),
    }
    return checks


def _expect() -> JsonSchema:
    verdicts = sorted({v for c in REGISTRY.values() for v in c.verdicts})
    return obj(
        "How this drill must fail: a scenario that reproduces a known DR mistake declares the verdicts "
        "it must fail on. `drill run` exits 0 when it failed exactly so (every verdict judged, the failing "
        "ones exactly those listed), 1 otherwise. Without expect, the drill must pass.",
        {
            "status": string("The overall status it must end with: failed (the only value; a scenario "
                             "without expect must pass).", enum=["failed"]),
            "failing": {
                "type": "array",
                "maxItems": MAX_ITEMS["failing"],
                "description": "Every verdict that must fail, and no other: one entry per verdict of the "
                "verdict table (rto_first and rto_stable are two entries; a check name such as rto is not one).",
                "items": obj(
                    "One verdict that must fail.",
                    {
                        "check": string("The verdict's check name, as the verdict table shows it.", enum=verdicts),
                        "capability": string("The capability it judges (a stream for rpo, duplicates and "
                                             "split_brain; * for the whole system).", minLength=1),
                    },
                    ("check", "capability"),
                ),
            },
        },
        ("status", "failing"),
    )


def _build() -> JsonSchema:
    faults = {n: (f.summary, f.fields, f.required) for n, f in FAULT_TYPES.items()}
    actions = {n: (a.summary, a.fields, a.required) for n, a in ACTION_TYPES.items()}
    probes = {n: (p.summary, p.fields, p.required) for n, p in PROBE_TYPES.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://drills.dev/schema/scenario.json",
        "title": "drills scenario",
        **obj(
            "A disaster-recovery drill: topology, probes, steady-state gate, fault schedule, settle, checks, "
            "abort rules.",
            {
                "name": string("Short id of the drill (lowercase, digits, . _ -).", pattern=r"^[a-z0-9][a-z0-9._-]*$"),
                "description": string("What the drill does and what it should prove, in plain words."),
                "topology": obj(
                    "The replica to bring up.",
                    {
                        "compose": string(
                            "Compose file, relative to the repo root (default: Compose's own, compose.yaml ... "
                            "docker-compose.yml).", minLength=1
                        ),
                        "overrides": {
                            "type": "array", "maxItems": 10, "items": {"type": "string", "minLength": 1},
                            "description": "Compose files layered on the compose file, in order, before the "
                            "variant (relative to the repo root): e.g. the labels `drill init` proposes for a file "
                            "you keep as it is.",
                        },
                        "variant": {
                            "type": ["string", "null"],
                            "description": "Broken variant, layered on top: variants/<variant>.yml next to the compose "
                            "file, else fixtures/variants/<variant>.yml (default none).",
                        },
                    },
                ),
                "probes": obj(
                    "Journey probes sampled continuously during the drill.",
                    {
                        "period": duration("Time between samples of one journey (default 100ms)."),
                        "timeout": duration("Per-sample timeout (default 2s)."),
                        "journeys": {
                            "type": "array",
                            "uniqueItems": True,
                            "maxItems": MAX_ITEMS["journeys"],
                            "items": {"anyOf": [{"type": "string", "enum": sorted(JOURNEYS)}, journey_schema()]},
                            "description": "Journeys to run: a built-in one's name, or a journey you declare "
                            f"(default all built-in ones: {', '.join(default_journeys())}).",
                        },
                        "custom": {
                            "type": "array",
                            "maxItems": MAX_ITEMS["custom"],
                            "description": f"Probes the scenario declares itself (at most {MAX_ITEMS['custom']}).",
                            "items": _by_type("probe", _PROBE_COMMON, probes, ("name", "type", "capability")),
                        },
                        "per_site": obj(
                            "Besides the edge, probe each journey through each site's own entry point "
                            "(bypassing the edge): does every site serve every capability by itself "
                            "before the cut and after the restore (the per_site check)?",
                            {
                                "enabled": boolean("Run the per-site probes (default true)."),
                                "period": duration("Time between samples of one per-site probe (default 1s)."),
                            },
                        ),
                    },
                ),
                "load": obj(
                    "A background write load that runs from the steady phase through the fault: every "
                    "write is in the RPO ledger (stream chat), so a weak replication mode shows up as loss. "
                    "It is the reference messenger's chat: on by default only where chat and login are served.",
                    {
                        "writers": integer("Concurrent writers (default 4; 0 turns the load off; at most "
                                           f"{MAX_WRITERS}).", minimum=0, maximum=MAX_WRITERS),
                        "rate": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE,
                                 "description": "Writes per second per writer, each writer one write at a time "
                                 f"(default 10; at most {MAX_RATE})."},
                    },
                ),
                "wan": obj(
                    "The WAN's baseline, applied at bring-up and kept through the drill.",
                    {
                        "inter_site_latency": duration(
                            "One-way latency added on every link between two sites (replication, consensus), "
                            "both directions (default 10ms: sites ~1,000 km apart; 0 turns it off)."),
                    },
                ),
                "steady_state": obj(
                    "Readiness gate before any fault: every journey must succeed steadily.",
                    {
                        "duration": duration("Observation window (default 5s)."),
                        "min_consecutive": integer(
                            "Consecutive successes required per journey (default 5).", minimum=1
                        ),
                        "timeout": duration("Give up (environment failure) after this long (default 60s)."),
                    },
                ),
                "faults": {
                    "type": "array",
                    "maxItems": MAX_ITEMS["faults"],
                    "description": "The fault schedule: each fault injected at `at`, healed after `duration` "
                    f"(or by the final heal-all). At most {MAX_ITEMS['faults']}.",
                    "items": _by_type("fault", _FAULT_COMMON, faults, ("id", "type", "at")),
                },
                "actions": {
                    "type": "array",
                    "maxItems": MAX_ITEMS["actions"],
                    "description": "Operator actions: steps a human takes during the fault phase (e.g. activate "
                    "the standby through devtools), each performed through a tool at a time or once a condition "
                    f"holds, recorded in the timeline and judged by the activation check. At most "
                    f"{MAX_ITEMS['actions']}.",
                    "items": _by_type("action", _ACTION_COMMON, actions, ("id", "type")),
                },
                "total_outage": boolean(
                    "This drill cuts every site at once (default false): without it, faults whose power cuts "
                    "leave no site standing are refused as a likely typo; with it, they must."
                ),
                "fault_phase": duration(
                    "Length of the fault phase; heal-all runs at its end (default: when the last fault ends)."
                ),
                "settle": duration("Observe this long after heal-all before checks (default 20s)."),
                "restore": obj(
                    "Judge the way back once the power returns, in this order: rejoin (the restored site's "
                    "datastore in sync again and all its services healthy; checks.rejoin), the settle, an "
                    "optional failback (a planned switchover back through an operator action; checks.failback "
                    "and activation[failback]), then steady-after (every site serving alone; checks.per_site).",
                    {
                        "rejoin": obj(
                            "Waiting for the restored site.",
                            {"timeout": duration("Stop waiting after this (default 120s): the rejoin fails.")},
                        ),
                        "failback": _by_type("failback action", _FAILBACK_COMMON, actions, ("type",)),
                        "steady_after": duration(
                            "Probe this long after everything else; every site must serve "
                            "every capability alone at its end (default 0s: per_site judges "
                            "the settle)."
                        ),
                    },
                ),
                "checks": _checks(),
                "abort": {
                    "type": "array",
                    "maxItems": MAX_ITEMS["abort"],
                    "description": f"Stop early (heal, then judge) when a rule fires (at most {MAX_ITEMS['abort']}).",
                    "items": obj(
                        "Abort when a capability is down longer than a limit.",
                        {
                            "capability": {"type": "string", "description": "Capability name, or * for any."},
                            "down_longer_than": duration("Consecutive failures longer than this fire the rule."),
                        },
                        ("capability", "down_longer_than"),
                    ),
                },
                "expect": _expect(),
            },
            ("name",),
        ),
    }


_CACHE: dict[tuple[tuple[str, ...], ...], JsonSchema] = {}


def scenario_schema() -> JsonSchema:
    """The schema for the plugins registered now (rebuilt when a registry changed)."""
    key = (tuple(FAULT_TYPES), tuple(ACTION_TYPES), tuple(PROBE_TYPES), tuple(JOURNEYS), tuple(REGISTRY))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _build()
    return _CACHE[key]


def schema_json() -> str:
    """The schema as pretty JSON (for ``drill schema``)."""
    return json.dumps(scenario_schema(), indent=2)
