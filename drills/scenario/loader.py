"""Load a scenario file: bytes -> YAML (with lines) -> schema -> typed model.

Parse, then act: this is the only way a scenario enters the engine, and it
runs before anything is started. Every problem raises
:class:`drills.errors.ScenarioError` with the file as the user gave it, the
field path (``faults[2].at``), the rule in plain words and the YAML line:

    scenarios/x.yaml:14: faults[2].at: must be >= 0s
    scenarios/x.yaml:9: probes.perod: unknown field 'perod' (did you mean 'period'?; allowed: custom, journeys, ...)

Order of the rules: a readable regular file -> valid YAML within the reader's limits (size,
aliases, nesting, numbers, no duplicate keys: :mod:`drills.scenario.yamlsrc`) -> list lengths
-> schema (shape, unknown fields, enum values, durations at most 24h) -> topology files inside
the repository and readable -> semantic rules (:mod:`drills.scenario.build`: unknown
site/link/service, duplicate fault ids, heals after the end of the fault phase, overlapping
faults, an undeclared total outage). The first problem wins, and it is one line of bounded
length whatever the file holds: a scenario file is often someone else's.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drills.errors import ScenarioError
from drills.model.durations import SCHEMA_PATTERN, parse_duration, shown
from drills.model.fields import FieldPath
from drills.model.scenario import Scenario
from drills.model.schema_parts import JsonSchema
from drills.scenario.build import build_scenario
from drills.scenario.quickcheck import conforms
from drills.scenario.root import repo_root as find_repo_root
from drills.scenario.schema import scenario_schema
from drills.scenario.yamlsrc import LineMap, YamlProblem, decode, parse_yaml, read_limited, render_path

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

__all__ = ["list_scenarios", "load_scenario"]

_JSON_TYPES = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "integer", float: "number"}


def load_scenario(path: str | Path, repo_root: str | Path | None = None) -> Scenario:
    """Read, validate and build the scenario at ``path``; raise ScenarioError on any problem.

    Whatever the file holds, the error is one line of bounded length: a value quoted in a rule
    may hold newlines or be a megabyte long (see :func:`_one_line`).
    """
    try:
        return _load(path, repo_root)
    except ScenarioError as exc:
        short = _one_line(exc)
        if short is exc:
            raise
        raise short from exc


def _one_line(exc: ScenarioError) -> ScenarioError:
    """``exc`` with control characters escaped and each part cut short, or ``exc`` when it already is."""
    file, field, rule = (_printable(exc.file, 300), _printable(exc.field, 200), _printable(exc.rule, 600))
    if (file, field, rule) == (exc.file, exc.field, exc.rule):
        return exc
    return ScenarioError(file, field, rule, exc.line)


def _printable(text: str, limit: int) -> str:
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text) if not text.isprintable() else text
    return out if len(out) <= limit else out[: limit - 3] + "..."


def _load(path: str | Path, repo_root: str | Path | None) -> Scenario:
    file = str(path)
    p = Path(path)
    try:
        raw = read_limited(p)
    except OSError as exc:
        raise ScenarioError(file, "", f"cannot read scenario file: {exc.strerror or exc}") from exc
    except YamlProblem as exc:
        raise ScenarioError(file, exc.field, exc.message, exc.line) from exc
    try:
        data, lines = parse_yaml(decode(raw))
    except YamlProblem as exc:
        raise ScenarioError(file, exc.field, exc.message, exc.line) from exc
    if not isinstance(data, dict):
        raise ScenarioError(file, "", "a scenario must be a YAML mapping with at least 'name'", 1)
    _validate(file, data, lines)
    root = Path(repo_root) if repo_root is not None else find_repo_root(p)
    return build_scenario(
        file=file,
        path=p,
        digest=hashlib.sha256(raw).hexdigest(),
        data=data,
        lines=lines,
        repo_root=root,
    )


def _validate(file: str, data: dict[str, Any], lines: LineMap) -> None:
    schema = scenario_schema()
    _list_lengths(file, schema, data, (), lines)
    if conforms(data, schema):  # the usual case, without jsonschema's start-up (~65 ms)
        return
    from jsonschema import Draft202012Validator  # decides, and words the first problem

    errors = list(Draft202012Validator(schema).iter_errors(data))
    if not errors:
        return
    problems = [_render(e) for e in errors]
    # The first problem in file order; at equal lines the deepest (most specific) path.
    problems.sort(key=lambda pr: (lines.line_of(pr[0]) or 0, -len(pr[0])))
    path, rule = problems[0]
    raise ScenarioError(file, render_path(path), rule, lines.line_of(path))


def _list_lengths(file: str, schema: JsonSchema, data: Any, path: FieldPath, lines: LineMap) -> None:
    """The schema's ``maxItems`` of the lists met through mappings (faults, actions, ...), checked
    first: the schema validates every item before it counts them, a second for thousands of faults."""
    limit = schema.get("maxItems")
    if isinstance(data, list) and isinstance(limit, int) and len(data) > limit:
        raise ScenarioError(file, render_path(path), f"{len(data):,} items: at most {limit}", lines.line_of(path))
    if isinstance(data, dict):
        for key, sub in schema.get("properties", {}).items():
            if key in data:
                _list_lengths(file, sub, data[key], (*path, key), lines)


def _leaf(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf, descend to the most useful sub-error: of the branches the value's own type
    fits (a mapping where a name or a mapping may go is judged as a mapping), the deepest."""
    while error.context:
        misfit = {e.schema_path[0] for e in error.context if e.validator == "type" and not e.path}
        pool = [e for e in error.context if e.schema_path[0] not in misfit] or list(error.context)
        error = min(pool, key=lambda e: (e.validator == "type", -len(e.absolute_path)))
    return error


def _render(error: ValidationError) -> tuple[FieldPath, str]:
    path: FieldPath = tuple(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted((k for k in instance if k not in allowed), key=str)
        key = str(extra[0]) if extra else "?"
        # a typo is short; difflib indexes the whole key, which takes seconds for a megabyte one
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) if len(key) <= 100 else []
        hint = f"did you mean '{close[0]}'?; " if close else ""
        return path + (key,), f"unknown field {shown(key)} ({hint}allowed: {', '.join(allowed)})"
    if error.validator == "anyOf" and any(isinstance(sub, dict) and sub.get("pattern") == SCHEMA_PATTERN
                                          for sub in schema.get("anyOf", ())):  # a duration  # fmt: skip
        try:
            parse_duration(instance)
        except ValueError as exc:
            return path, str(exc)
    if error.validator in ("anyOf", "oneOf") and error.context:
        leaf = _leaf(error)
        return _render(leaf)
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        return path, f"missing required field '{missing}'"
    if error.validator == "enum":
        values = ", ".join(str(v) for v in schema.get("enum", ()))
        if path and path[-1] == "type" and len(path) >= 2 and path[0] in ("faults", "actions"):
            return path, f"unknown {str(path[0])[:-1]} type {shown(instance)} (allowed: {values})"
        return path, f"{shown(instance)} is not allowed (allowed: {values})"
    if error.validator == "type":
        got = _JSON_TYPES.get(type(instance), "null" if instance is None else type(instance).__name__)
        want = error.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else str(want)
        return path, f"must be a {want_s} (got {got} {shown(instance)})"
    if error.validator in ("minimum", "exclusiveMinimum"):
        op = ">=" if error.validator == "minimum" else ">"
        return path, f"must be {op} {error.validator_value} (got {shown(instance)})"
    if error.validator == "maximum":
        return path, f"must be <= {error.validator_value} (got {shown(instance)})"
    if error.validator in ("minItems", "maxItems"):
        return path, f"{error.validator} {error.validator_value}: {error.message}"
    if error.validator == "pattern":
        return path, f"{shown(instance)} does not match {error.validator_value}"
    return path, error.message


def list_scenarios(directory: str | Path) -> list[tuple[Path, str, str]]:
    """``(path, name, description)`` of every ``*.yaml``/``*.yml`` scenario in ``directory``.

    Only reads name and description (no topology), so it lists files whose topology is
    not available yet; a file that is not a scenario mapping shows its problem as description.
    """
    folder = Path(directory)
    out: list[tuple[Path, str, str]] = []
    for p in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        try:
            data, _ = parse_yaml(decode(read_limited(p)))
        except (OSError, YamlProblem) as exc:
            out.append((p, p.stem, f"(unreadable: {exc})"))
            continue
        if not isinstance(data, dict):
            out.append((p, p.stem, "(not a scenario mapping)"))
            continue
        out.append((p, str(data.get("name", p.stem)), " ".join(str(data.get("description", "")).split())))
    return out
