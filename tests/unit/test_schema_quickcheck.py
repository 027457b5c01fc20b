"""The loader's fast path (drills/scenario/quickcheck.py) never calls an invalid scenario valid.

``conforms`` answering True skips jsonschema, so True must mean jsonschema finds no error: checked
here against jsonschema itself over the shipped scenarios (the examples' too, whose journeys are
declared) and several hundred generated
variations of them (values replaced, removed, copied; the same generator as the loader's fuzz
test), and keyword by keyword on the cases where JSON Schema's rules are easy to get wrong (true
is not 1, 1.0 is an integer, patterns search). A False where jsonschema says valid only costs time,
but the shipped scenarios must take the fast path, or it saves nothing.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from drills.scenario.quickcheck import conforms
from drills.scenario.schema import scenario_schema
from tests.unit.test_hostile_scenarios import _VALUES, _paths
from tests.unit.test_hostile_scenarios import SHIPPED as REFERENCE

# the reference's scenarios, and the example stack's, whose journeys are declared (their schema part)
SHIPPED = [*REFERENCE, *sorted((REFERENCE[0].parents[1] / "examples").glob("*/scenarios/*.yaml"))]
SCHEMA = scenario_schema()
JSONSCHEMA = Draft202012Validator(SCHEMA)


def jsonschema_valid(data: Any, schema: dict[str, Any] | None = None) -> bool:
    validator = JSONSCHEMA if schema is None else Draft202012Validator(schema)
    return not any(True for _ in validator.iter_errors(data))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_takes_the_fast_path(path: Any) -> None:
    data = yaml.safe_load(path.read_text())
    assert conforms(data, SCHEMA)
    assert jsonschema_valid(data)


def _by_key() -> dict[Any, list[Any]]:
    """Every value the shipped scenarios give each key (or list position): mostly valid swaps."""
    out: dict[Any, list[Any]] = {}

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            out.setdefault(key, []).append(value)
            walk(value)

    for path in SHIPPED:
        walk(yaml.safe_load(path.read_text()))
    return out


BY_KEY = _by_key()


@st.composite
def variations(draw: st.DrawFn) -> Any:
    data = yaml.safe_load(draw(st.sampled_from(SHIPPED)).read_text())
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["replace", "remove", "copy", "add", "swap", "swap"]))
        if op == "swap" and path[-1] in BY_KEY:  # a value another shipped scenario gives this key: often valid
            parent[path[-1]] = copy.deepcopy(draw(st.sampled_from(BY_KEY[path[-1]])))
        elif op == "remove":
            del parent[path[-1]]
        elif op == "copy" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "id", "at", "site", "duration", "type", "when"]))] = draw(_VALUES)
        else:
            parent[path[-1]] = draw(_VALUES)
    return data


@settings(max_examples=400, deadline=timedelta(seconds=2), database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(data=variations())
def test_a_variation_called_valid_is_valid_for_jsonschema(data: Any) -> None:
    if conforms(data, SCHEMA):
        assert jsonschema_valid(data), data


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "integer"}, True, False),  # a boolean is not a number
        ({"type": "integer"}, 1.0, True),  # 2020-12: a float with no fraction is an integer
        ({"type": "integer"}, 1.5, False),
        ({"type": "number"}, False, False),
        ({"type": ["string", "null"]}, None, True),
        ({"enum": [1, "a"]}, True, False),  # true is not 1
        ({"enum": [1]}, 1.0, True),  # but 1.0 is
        ({"const": [1, {"a": True}]}, [1, {"a": True}], True),
        ({"const": {"a": 1}}, {"a": True}, False),
        ({"pattern": "b"}, "abc", True),  # a pattern searches, it is not anchored
        ({"pattern": "^a"}, "ba", False),
        ({"pattern": "^a$"}, "a\n", True),  # Python's $ matches before a final newline, as in jsonschema
        ({"minimum": 0}, "text", True),  # bounds apply to numbers only
        ({"exclusiveMinimum": 0}, 0, False),
        ({"maximum": 10}, 10**40, False),
        ({"minLength": 2}, "é", False),
        ({"uniqueItems": True}, [1, True], True),
        ({"uniqueItems": True}, [1, 1.0], False),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False}, {"a": "x", "b": 1}, False),
        ({"properties": {"a": {"type": "string"}}, "required": ["a"]}, {}, False),
        ({"items": {"type": "string"}, "maxItems": 1}, ["a", "b"], False),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, 2, True),
        ({"allOf": [{"type": "integer"}, {"minimum": 3}]}, 2, False),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}, False),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"c": 1}, True),
        ({"then": {"required": ["b"]}}, {}, True),  # then without if means nothing
    ],
)
def test_each_keyword_means_what_jsonschema_says(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert jsonschema_valid(instance, schema) is valid
    assert conforms(instance, schema) is valid


def test_nan_in_a_comparison_is_left_to_jsonschema() -> None:
    nan = float("nan")  # YAML's .nan: the same object each time, which jsonschema counts as equal
    assert not jsonschema_valid([nan, nan], {"uniqueItems": True})
    assert conforms([nan, nan], {"uniqueItems": True}) is False
    assert conforms(nan, {"enum": [1]}) is False


def test_a_schema_of_a_shape_it_does_not_expect_sends_the_file_to_jsonschema() -> None:
    assert conforms(["a"], {"items": [{"type": "string"}]}) is False  # draft-4 tuple form


@pytest.mark.parametrize("schema", [{"patternProperties": {"^x": {}}}, {"not": {}}, {"$ref": "#/x"},
                                    {"format": "email"}, {"dependentRequired": {}}])  # fmt: skip
def test_a_keyword_it_does_not_know_sends_the_file_to_jsonschema(schema: dict[str, Any]) -> None:
    assert conforms({}, schema) is False
