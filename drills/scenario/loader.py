"""Load a scenario file: bytes -> YAML (with lines) -> schema -> typed model.

Parse, then act: this is the only way a scenario enters the engine, and it
runs before anything is started. Every problem raises
:class:`drills.errors.ScenarioError` with the file as the user gave it, the
field path (``faults[2].at``), the rule in plain words and the YAML line:

    scenarios/x.yaml:14: faults[2].at: must be >= 0s
    scenarios/x.yaml:9: probes.perod: unknown field 'perod' (did you mean 'period'?; allowed: custom, journeys, ...)

Order of the rules: readable file -> valid YAML (no duplicate keys) -> schema
(shape, unknown fields, enum values) -> topology files readable -> semantic
rules (:mod:`drills.scenario.build`: unknown site/link/service, duplicate fault
ids, heals after the end of the fault phase). The first problem wins.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from drills.errors import ScenarioError
from drills.model.durations import parse_duration
from drills.model.fields import FieldPath
from drills.model.scenario import Scenario
from drills.scenario.build import build_scenario
from drills.scenario.root import repo_root as find_repo_root
from drills.scenario.schema import scenario_schema
from drills.scenario.yamlsrc import LineMap, YamlProblem, parse_yaml, render_path

__all__ = ["list_scenarios", "load_scenario"]

_JSON_TYPES = {dict: "mapping", list: "list", str: "string", bool: "boolean", int: "integer", float: "number"}


def load_scenario(path: str | Path, repo_root: str | Path | None = None) -> Scenario:
    """Read, validate and build the scenario at ``path``; raise ScenarioError on any problem."""
    file = str(path)
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ScenarioError(file, "", f"cannot read scenario file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(file, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        data, lines = parse_yaml(text)
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
    errors = list(Draft202012Validator(scenario_schema()).iter_errors(data))
    if not errors:
        return
    problems = [_render(e) for e in errors]
    # The first problem in file order; at equal lines the deepest (most specific) path.
    problems.sort(key=lambda pr: (lines.line_of(pr[0]) or 0, -len(pr[0])))
    path, rule = problems[0]
    raise ScenarioError(file, render_path(path), rule, lines.line_of(path))


def _leaf(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf, descend to the most useful sub-error."""
    while error.context:
        error = min(error.context, key=lambda e: (e.validator == "type", -len(e.absolute_path)))
    return error


def _render(error: ValidationError) -> tuple[FieldPath, str]:
    path: FieldPath = tuple(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        key = str(extra[0]) if extra else "?"
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?; " if close else ""
        return path + (key,), f"unknown field '{key}' ({hint}allowed: {', '.join(allowed)})"
    if error.validator == "anyOf" and "pattern" in str(schema):
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
            return path, f"unknown {str(path[0])[:-1]} type {instance!r} (allowed: {values})"
        return path, f"{instance!r} is not allowed (allowed: {values})"
    if error.validator == "type":
        got = _JSON_TYPES.get(type(instance), "null" if instance is None else type(instance).__name__)
        want = error.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else str(want)
        return path, f"must be a {want_s} (got {got} {instance!r})"
    if error.validator in ("minimum", "exclusiveMinimum"):
        op = ">=" if error.validator == "minimum" else ">"
        return path, f"must be {op} {error.validator_value} (got {instance!r})"
    if error.validator == "maximum":
        return path, f"must be <= {error.validator_value} (got {instance!r})"
    if error.validator in ("minItems", "maxItems"):
        return path, f"{error.validator} {error.validator_value}: {error.message}"
    if error.validator == "pattern":
        return path, f"{instance!r} does not match {error.validator_value}"
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
            data, _ = parse_yaml(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YamlProblem) as exc:
            out.append((p, p.stem, f"(unreadable: {exc})"))
            continue
        if not isinstance(data, dict):
            out.append((p, p.stem, "(not a scenario mapping)"))
            continue
        out.append((p, str(data.get("name", p.stem)), " ".join(str(data.get("description", "")).split())))
    return out
