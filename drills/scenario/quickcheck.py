"""A fast yes to "does this scenario match its schema?", so a valid file never loads jsonschema.

``jsonschema`` (with ``referencing``, ``attrs`` and the meta-schemas it reads at import) costs a
start-up of ~65 ms, a fifth of ``drill validate``, paid for every file that is valid. The loader
asks :func:`conforms` first; only when it answers False does it run jsonschema, which decides and
words the error. So this module may be stricter than the JSON Schema rules (a False that
jsonschema overrules costs only time) but never more lenient: a True means jsonschema finds no
error (tests/unit/test_schema_quickcheck.py holds it to that over the shipped scenarios, the
hostile-file corpus and generated variations of them).

It knows the keywords the scenario schema uses (:mod:`drills.scenario.schema`), with draft
2020-12's meaning; a schema using any other keyword makes it answer False (ask jsonschema).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["conforms"]

_ANNOTATIONS = frozenset({"$id", "$schema", "title", "description", "default", "examples", "$comment"})


class _Unknown(Exception):
    """A keyword this module does not implement: let jsonschema decide."""


def conforms(instance: Any, schema: Mapping[str, Any]) -> bool:
    """True only if ``instance`` is valid against ``schema`` (JSON Schema 2020-12)."""
    try:
        return _valid(instance, schema)
    except Exception:  # noqa: BLE001 - _Unknown, a bad pattern, a deep file, a schema shape not expected: ask jsonschema
        return False


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    "integer": lambda x: _is_number(x) and (isinstance(x, int) or float(x).is_integer()),
}


def _equal(a: Any, b: Any) -> bool:
    """JSON equality: true and 1 differ, 1 and 1.0 do not, containers compare element-wise. NaN is
    left to jsonschema (it counts one NaN object equal to itself, and YAML's .nan is one object)."""
    if (isinstance(a, float) and a != a) or (isinstance(b, float) and b != b):  # NaN is the one float unequal to itself
        raise _Unknown("nan")
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, str) or isinstance(b, str) or a is None or b is None:
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    return False


def _valid(x: Any, schema: Mapping[str, Any] | bool) -> bool:
    if schema is True:
        return True
    if schema is False:
        return False
    for key, want in schema.items():
        if key in _ANNOTATIONS or key in ("then", "else"):
            continue
        if key == "type":
            names = want if isinstance(want, list) else [want]
            if not any(_TYPES[n](x) for n in names):
                return False
        elif key == "enum":
            if not any(_equal(x, v) for v in want):
                return False
        elif key == "const":
            if not _equal(x, want):
                return False
        elif key == "properties":
            if isinstance(x, dict) and not all(_valid(x[k], sub) for k, sub in want.items() if k in x):
                return False
        elif key == "additionalProperties":
            if isinstance(x, dict):
                declared = schema.get("properties", {})
                if "patternProperties" in schema:
                    raise _Unknown(key)
                if not all(_valid(v, want) for k, v in x.items() if k not in declared):
                    return False
        elif key == "required":
            if isinstance(x, dict) and not all(k in x for k in want):
                return False
        elif key == "items":
            if isinstance(x, list) and ("prefixItems" in schema or not all(_valid(v, want) for v in x)):
                return False
        elif key in ("minItems", "maxItems"):
            if isinstance(x, list) and (len(x) < want if key == "minItems" else len(x) > want):
                return False
        elif key == "uniqueItems":
            if want and isinstance(x, list) and any(_equal(x[i], x[j]) for i in range(len(x)) for j in range(i)):
                return False
        elif key in ("minLength", "maxLength"):
            if isinstance(x, str) and (len(x) < want if key == "minLength" else len(x) > want):
                return False
        elif key == "pattern":
            if isinstance(x, str) and re.search(want, x) is None:
                return False
        elif key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if _is_number(x) and not _in_bound(key, x, want):
                return False
        elif key == "anyOf":
            if not any(_valid(x, sub) for sub in want):
                return False
        elif key == "allOf":
            if not all(_valid(x, sub) for sub in want):
                return False
        elif key == "if":
            branch = schema.get("then", True) if _valid(x, want) else schema.get("else", True)
            if not _valid(x, branch):
                return False
        else:
            raise _Unknown(key)
    return True


def _in_bound(key: str, x: float, bound: float) -> bool:
    if key == "minimum":
        return x >= bound
    if key == "maximum":
        return x <= bound
    if key == "exclusiveMinimum":
        return x > bound
    return x < bound
