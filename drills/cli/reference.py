"""``drill reference``: the plugin reference (faults, actions, journeys, probe types, checks, report formats) as
Markdown.

Rendered from the registries themselves, so the committed docs/reference.md cannot drift from the
code: a unit test compares the two, and ``drill reference > docs/reference.md`` regenerates it.
The registries are imported when the reference is rendered, not with the ``drill`` command.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from drills.cli.common import Command, no_args
from drills.errors import EXIT_OK

if TYPE_CHECKING:
    from drills.model.schema_parts import JsonSchema

__all__ = ["COMMANDS", "render_reference"]


def _kind(schema: JsonSchema) -> str:
    if "anyOf" in schema:
        kinds = [_kind(sub) for sub in schema["anyOf"]]
        return "duration" if any("pattern" in sub for sub in schema["anyOf"]) else " or ".join(kinds)
    if "type" not in schema:
        return "any JSON"
    kind = schema.get("type", "")
    if kind == "array" and isinstance(schema.get("items"), dict) and schema["items"].get("type"):
        return f"list of {schema['items']['type']}"
    return str(kind) if isinstance(kind, str) else " or ".join(kind)


def _fields(fields: dict[str, Any], required: tuple[str, ...] = ()) -> list[str]:
    if not fields:
        return ["No fields of its own.", ""]
    rows = ["| field | kind | required | meaning |", "| --- | --- | --- | --- |"]
    for name, schema in fields.items():
        text = str(schema.get("description", "")).split(" A duration:")[0]
        rows.append(f"| `{name}` | {_kind(schema)} | {'yes' if name in required else ''} | {text} |")
    return [*rows, ""]


def _declared_fields() -> list[str]:
    from drills.probes.spec import journey_schema

    journey = journey_schema()
    props = journey["properties"]
    step = props["steps"]["items"]
    read = props["read_back"]["items"]
    parts = [("A declared journey (`probes.journeys[]`)", journey),
             ("A step (`steps[]`, `session[]`)", step),
             ("An assertion (`assert[]`)", step["properties"]["assert"]["items"]),
             ("A write (`write`)", step["properties"]["write"]),
             ("A read-back (`read_back[]`)", read)]  # fmt: skip
    out: list[str] = []
    for title, schema in parts:
        out += [f"### {title}", "", *_fields(schema["properties"], tuple(schema.get("required", ())))]
    return out


def render_reference() -> str:
    import yaml

    from drills.actions import ACTION_TYPES
    from drills.checks import REGISTRY
    from drills.faults import FAULT_TYPES
    from drills.probes import JOURNEYS, PROBE_TYPES, default_journeys
    from drills.report.formats import FORMATS

    out = [
        "# Plugin reference",
        "",
        "Generated from the plugin registries by `drill reference > docs/reference.md`; a unit test",
        "fails when it is out of date. How to add a plugin: CONTRIBUTING.md.",
        "",
        "## Fault types (`faults[].type`)",
        "",
        "Every fault also takes `id`, `at` and optionally `duration`.",
        "",
    ]
    for name, ft in sorted(FAULT_TYPES.items()):
        out += [f"### `{name}`", "", ft.summary, "", *_fields(ft.fields, ft.required)]
    out += ["## Action types (`actions[].type`)", "",
            ("Every action also takes `id`, a trigger - `at` (an offset in the fault phase) or `when` "
            "(`capability`, `down_for`, optional `timeout`) - and optionally `target` (its activation time)."), ""]
    for name, at in sorted(ACTION_TYPES.items()):
        out += [f"### `{name}`", "", at.summary, "", *_fields(at.fields, at.required)]
    order = ", ".join(default_journeys())
    intro = (f"Default: all of them, in this order: {order}. An item is a built-in journey's name, or a journey "
             "you declare (below; docs/your-stack.md).")  # fmt: skip
    out += ["## Journeys (`probes.journeys`)", "", intro, ""]
    for name in default_journeys():
        j = JOURNEYS[name]
        ledger = f" Writes go to the RPO ledger stream(s): {', '.join(j.streams)}." if j.streams else ""
        out += [f"### `{name}`", "", j.summary + ledger, ""]
        if j.declaration is not None:
            out += ["Declared in the same form a scenario uses:", "", "```yaml",
                    yaml.safe_dump([j.declaration], sort_keys=False, width=110).rstrip(), "```", ""]  # fmt: skip
        else:
            out += ["Written in Python (drills/probes/journeys/): see docs/your-stack.md for why.", ""]
    out += _declared_fields()
    out += ["## Custom probe types (`probes.custom[].type`)", "",
            "Every custom probe also takes `name` and `capability`.", ""]
    for name, pt in sorted(PROBE_TYPES.items()):
        out += [f"### `{name}`", "", pt.summary, "", *_fields(pt.fields, pt.required)]
    out += ["## Checks (`checks.<name>`)", ""]
    for name, c in sorted(REGISTRY.items()):
        verdicts = ", ".join(f"`{v}` ({label})" for v, label in c.labels.items()) or f"`{name}`"
        out += [f"### `{name}` ({c.scope})", "", c.summary, "", f"Verdicts: {verdicts}.", ""]
        if c.schema is None:
            out += ["Not configured in a scenario.", ""]
        elif c.schema.get("type") == "object":
            out += _fields(c.schema.get("properties", {}))
        else:
            out += [f"`checks.{name}`: {_kind(c.schema)}. {c.schema.get('description', '')}", ""]
    out += ["## Report formats (derived files of the evidence bundle)", "", "| format | file | what it is |",
            "| --- | --- | --- |"]  # fmt: skip
    out += [f"| `{f.name}` | `{f.file}` | {f.description} |" for f in sorted(FORMATS.values(), key=lambda f: f.name)]
    return "\n".join(out).rstrip("\n") + "\n"


def cmd_reference(args: argparse.Namespace) -> int:
    print(render_reference(), end="")
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "reference": (("print the plugin reference (faults, actions, journeys, probe types, checks, report formats) as "
                  "Markdown"),
                  no_args, cmd_reference),
}
