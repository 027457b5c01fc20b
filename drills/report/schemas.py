"""JSON Schemas of the evidence files, each with its format version (``drill schema --result`` ...).

    RESULT_FORMAT       result.json's ``format`` (1; a result.json without it is read as 1)
    ENVIRONMENT_FORMAT  environment.json's ``format`` (1; likewise)
    timeline            the header's ``format`` (drills.model.timeline.FORMAT: 2)

    result_schema()       result.json          (Draft 2020-12)
    timeline_schema()     one line of timeline.jsonl, any kind
    environment_schema()  environment.json

The result and timeline schemas are derived from the dataclasses that write the files
(:func:`dataclass_schema`), so a field added to a record is in the schema at once; tests
validate real bundles against them and compare the derived properties with what to_dict writes.
A version is raised when a field changes meaning or is removed; added fields do not raise it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, Literal

from drills.engine.environment import ENVIRONMENT_FORMAT
from drills.model.result import RESULT_FORMAT, DrillResult, PhaseSpan, Verdict
from drills.model.timeline import FORMAT as TIMELINE_FORMAT
from drills.model.timeline import record_types

__all__ = [
    "ENVIRONMENT_FORMAT",
    "RESULT_FORMAT",
    "SCHEMAS",
    "dataclass_schema",
    "environment_schema",
    "result_schema",
    "schema_text",
    "timeline_schema",
]

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _type_schema(tp: Any) -> dict[str, Any]:
    """A JSON Schema for one field's annotation (the flat types evidence records use)."""
    origin = typing.get_origin(tp)
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is type(None):
        return {"type": "null"}
    if origin is Literal:
        return {"enum": list(typing.get_args(tp))}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [_type_schema(a) for a in typing.get_args(tp)]}
    if origin is tuple:
        args = typing.get_args(tp)
        item = args[0] if args else Any
        return {"type": "array", "items": _type_schema(item)}
    if origin is dict or tp is dict:
        return {"type": "object"}
    return {}  # Any, or a nested structure given by its own schema


def dataclass_schema(cls: type, title: str = "", overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Every field of the dataclass ``cls``, typed from its annotations; fields without a default
    are required; no other property is allowed."""
    hints = typing.get_type_hints(cls)
    props: dict[str, Any] = {}
    required = []
    for f in dataclasses.fields(cls):
        props[f.name] = (overrides or {}).get(f.name) or _type_schema(hints[f.name])
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
    if title:
        out["title"] = title
    return out


def _judgement_schema() -> dict[str, Any]:
    names = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "title": "the run judged against the scenario's expect:",
        "properties": {
            "status": {"enum": ["failed"]},
            "failing": {"type": "array", "items": {
                "type": "object", "properties": {"check": {"type": "string"}, "capability": {"type": "string"}},
                "required": ["check", "capability"], "additionalProperties": False}},
            "outcome": {"enum": ["confirmed", "unexpected"]},
            "reason": {"type": "string"},
            "extra": names, "missing": names, "unknown": names,
        },
        "required": ["status", "failing", "outcome", "reason"],
        "additionalProperties": False,
    }  # fmt: skip


def result_schema() -> dict[str, Any]:
    verdict = dataclass_schema(Verdict, "one check's judgement")
    body = dataclass_schema(DrillResult, overrides={
        "verdicts": {"type": "array", "items": verdict},
        "phases": {"type": "array", "items": dataclass_schema(PhaseSpan, "one phase, start to end")},
        "expectation": {"anyOf": [{"type": "null"}, _judgement_schema()]},
        "status": {"enum": ["passed", "failed", "aborted", "error", "interrupted", "killed"]},
    })  # fmt: skip
    body["properties"]["format"] = {"const": RESULT_FORMAT, "description": "result.json's layout version"}
    return {"$schema": _DRAFT, "$id": f"drills:result.json:{RESULT_FORMAT}",
            "title": f"drills result.json, format {RESULT_FORMAT}", **body}  # fmt: skip


def timeline_schema() -> dict[str, Any]:
    kinds = [dataclass_schema(cls, f"a {kind} record") for kind, cls in record_types().items()]
    for k in kinds:
        if k["properties"].get("kind", {}).get("enum") == ["header"]:
            k["properties"]["format"] = {"const": TIMELINE_FORMAT}
    return {"$schema": _DRAFT, "$id": f"drills:timeline.jsonl:{TIMELINE_FORMAT}",
            "title": f"one line of drills timeline.jsonl, format {TIMELINE_FORMAT} (the header's format)",
            "oneOf": kinds}  # fmt: skip


def environment_schema() -> dict[str, Any]:
    facts = {"type": "object", "additionalProperties": True}
    maybe = {"type": ["string", "null"]}
    return {
        "$schema": _DRAFT, "$id": f"drills:environment.json:{ENVIRONMENT_FORMAT}",
        "title": f"drills environment.json, format {ENVIRONMENT_FORMAT}",
        "type": "object",
        "properties": {
            "format": {"const": ENVIRONMENT_FORMAT},
            "drills_version": {"type": "string"},
            "host": {**facts, "required": ["hostname", "os", "python"]},
            "scenario_git": {**facts, "properties": {"commit": maybe}},
            "provenance": {**facts, "properties": {
                "operator": {"type": "string"}, "trigger": {"type": "string"}, "ci_run_url": maybe,
                "commit": maybe, "modified": {"type": ["array", "null"], "items": {"type": "string"}}}},
            "docker": {"type": ["object", "string"]},
            "images": {"type": "object"},
            "compose_version": {"type": "string"},
            "toxiproxy_version": {"type": "string"},
            "reused_stack": {**facts, "description": "warm mode (drill run --reuse): the `drill up` stack "
                             "drilled on and what its verified reset did", "properties": {
                "from_up": {"type": "string"}, "project": {"type": "string"},
                "done": {"type": "array", "items": {"type": "string"}}, "seconds": {"type": "number"}}},
        },
        "required": ["format", "drills_version", "host"],
        "additionalProperties": True,
    }  # fmt: skip


SCHEMAS = {"result": result_schema, "timeline": timeline_schema, "environment": environment_schema}


def schema_text(which: str) -> str:
    return json.dumps(SCHEMAS[which](), indent=2)
