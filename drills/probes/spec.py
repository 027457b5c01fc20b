"""Declarative journeys in a scenario: their JSON Schema, and the model built from a valid mapping.

    journey_schema()                       one declared journey (an item of ``probes.journeys``)
    build_journey(fields, taken, streams)  -> JourneyDef, after the rules the schema cannot say:

      - every ``${name}`` is known where it is used: id, run, seq, then the session's
        extractions (in order), then earlier steps'; a read-back knows run, the session's and
        ``cursor``; a write's key only run and the session's (one key for every sample)
      - a write's id is unique per sample and probe (it uses ${id}); every write's (stream, key)
        has a read_back with the same stream and key, and every read_back a write
      - capabilities (the journey's, each step's ``entry``) are the topology's; answer paths start
        with status, text, header. or body; regular expressions compile; a path with a query
        string takes no params; an assertion has exactly one of equals, contains, matches, exists
      - names: unique among the scenario's probes, not a built-in journey's; streams not another
        journey's

The reference messenger's login and chat journeys are declared this way too
(drills/probes/journeys/), through :func:`journey_from_mapping`: one parser for both paths. (It
lives with the probes, not in drills.scenario, because the built-in journeys use it at import.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from drills.errors import ScenarioError
from drills.model.fields import FieldPath, Fields
from drills.model.journey import BUILTIN_VARS, Assertion, JourneyDef, ReadBackDecl, Step, WriteDecl, placeholders
from drills.model.schema_parts import JsonSchema, integer, obj, string

__all__ = ["MAX_STEPS", "OPS", "build_journey", "journey_from_mapping", "journey_schema"]

MAX_STEPS = 20
OPS = ("equals", "contains", "matches", "exists")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
NAME = r"^[a-z0-9][a-z0-9._-]*$"  # no "@": a per-site probe is named <journey>@<site>
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ANSWER_PATH = re.compile(r"^(status|text|body(\.[^.]+)*|header\.[A-Za-z0-9!#$%&'*+.^_`|~-]+)$")
RECORD_PATH = re.compile(r"^([^.]+(\.[^.]+)*)?$")

_STATUS: JsonSchema = {"type": "integer", "minimum": 100, "maximum": 599}
_STATUSES: JsonSchema = {"anyOf": [_STATUS, {"type": "array", "minItems": 1, "maxItems": 20, "items": _STATUS}]}
_TEXT_MAP: JsonSchema = {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}}


def _step_schema() -> JsonSchema:
    return obj(
        "One request of the journey.",
        {
            "name": string("A short name for the step, shown in a failed sample's reason (default: METHOD path)."),
            "method": string("HTTP method (default GET).", enum=list(METHODS)),
            "path": string("Path on the entry point, a template (${name}); starts with /.", pattern="^/"),
            "entry": string("The capability whose entry point it goes to (default the journey's).", minLength=1),
            "params": {**_TEXT_MAP, "description": "Query parameters (values are templates)."},
            "headers": {**_TEXT_MAP, "description": "Request headers (values are templates), over the journey's."},
            "json": {"description": "A JSON body; templates in its strings (exactly '${name}': the value itself)."},
            "expect": {**_STATUSES, "description": "The status(es) that count as success (default 200)."},
            "extract": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "Variables for later steps: name -> answer path (status, text, header.NAME, "
                                       "body.a.0.b)."},
            "assert": {
                "type": "array", "maxItems": 20,
                "description": "Conditions the answer must meet, each: that (an answer path) and one of equals, "
                               "contains, matches (a regular expression), exists (true/false).",
                "items": obj("One condition on the answer.", {
                    "that": string("Answer path: status, text, header.NAME, body, body.a.0.b (* maps a list).",
                                   minLength=1),
                    "equals": {"description": "Equal to this JSON value (templates in strings)."},
                    "contains": {"description": "A string containing this text, or a list with this element."},
                    "matches": string("A regular expression found in the string (not a template)."),
                    "exists": {"type": "boolean", "description": "The path resolves (true) or does not (false)."},
                    "message": string("The failed sample's reason when it does not hold (default: what was found "
                                      "and what was expected)."),
                }, ("that",)),
            },
            "write": obj(
                "This step writes: the RPO ledger records it (acknowledged when its status is expected).",
                {
                    "stream": string("The ledger stream (a name of your choosing, e.g. orders).", minLength=1),
                    "key": string("Where it is written (a room, an account), a template using ${run} and session "
                                  "variables only; its read_back lists this key.", minLength=1),
                    "id": string("The write's unique id, a template using ${id}.", minLength=1),
                    "server_id": string("Answer path of the id the service gave it."),
                    "primary": string("Answer path of the datastore node that committed it (split-brain check)."),
                    "system_id": string("Answer path of the datastore cluster's identity (split-brain check)."),
                    "timeline": string("Answer path of the datastore timeline/epoch it was committed on."),
                },
                ("stream", "key", "id"),
            ),
        },
        ("path",),
    )


def _read_back_schema() -> JsonSchema:
    return obj(
        "After the drill: how to read what the journey's writes to one key left there.",
        {
            "stream": string("The writes' stream.", minLength=1),
            "key": string("The writes' key (the same template).", minLength=1),
            "path": string("Path to GET, a template (${run}, session variables, ${cursor}).", pattern="^/"),
            "entry": string("The capability whose entry point it reads (default the journey's).", minLength=1),
            "params": {**_TEXT_MAP, "description": "Query parameters (templates; ${cursor} for paging)."},
            "mode": string("log: the key keeps every write, each id must be read back (default); register: it "
                           "holds one value each write replaces (last writer wins).", enum=["log", "register"]),
            "items": string("log: answer path of a page's list of records (default body)."),
            "id": string("log: path of a record's write id, below the record (default: the record itself)."),
            "cursor": obj("log: page through the key: ${cursor} starts as start; each next page's is the last "
                          "record's next; an empty page ends it. Without it one page is read.",
                          {"start": string("The first page's ${cursor}."),
                           "next": string("Path below the last record of a page of the next page's ${cursor}.",
                                          minLength=1)},
                          ("start", "next")),
            "max_pages": integer("Read at most this many pages (default 400): stopping there is incomplete, "
                                 "never lost.", minimum=1, maximum=10_000),
            "value": string("register: answer path of the key's value (default body.value)."),
            "missing": {**_STATUSES, "description": "register: status(es) meaning the key is gone (default 404)."},
        },
        ("stream", "key", "path"),
    )


def journey_schema() -> JsonSchema:
    step = _step_schema()
    steps = {"type": "array", "minItems": 1, "maxItems": MAX_STEPS, "items": step}
    return obj(
        "A journey you declare: requests to your service's entry points, sampled like the built-in ones.",
        {
            "name": string("Unique probe name (lowercase, digits, . _ -).", pattern=NAME),
            "capability": string("The capability it measures (default its name).", minLength=1),
            "summary": string("What it does, in plain words (shown in the report)."),
            "session": {**steps, "minItems": 0,
                        "description": "Steps run once, before the first sample (a login); their extracted "
                                       "variables serve every sample until a step answers a renew_on status."},
            "renew_on": {**_STATUSES, "description": "Statuses after which the session runs again (default 401)."},
            "headers": {**_TEXT_MAP, "description": "Headers every step and read-back sends (templates), "
                                                    "e.g. Authorization: Bearer ${token}."},
            "site": string("Answer path that says which site served an answer (e.g. body.site, header.X-Site)."),
            "steps": {**steps, "description": f"The requests of one sample, in order (at most {MAX_STEPS})."},
            "read_back": {"type": "array", "maxItems": 10, "items": _read_back_schema(),
                          "description": "How to read back each key the writes went to (one entry per stream "
                                         "and key)."},
        },
        ("name", "steps"),
    )  # fmt: skip


Fail = Callable[[FieldPath, str], ScenarioError]


def _statuses(value: Any, default: tuple[int, ...]) -> tuple[int, ...]:
    if value is None:
        return default
    return tuple(int(v) for v in (value if isinstance(value, list) else [value]))


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), v if isinstance(v, str) else _scalar_text(v)) for k, v in (value or {}).items())


def _scalar_text(v: Any) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


class _Builder:
    def __init__(self, data: Mapping[str, Any], path: FieldPath, fail: Fail,
                 capabilities: Sequence[str] | None) -> None:  # fmt: skip
        self.data, self.path, self.fail_at, self.caps = data, path, fail, capabilities
        self.capability = str(data.get("capability", data["name"]))
        self.key_vars = ["run"]  # what a write's key may use: run, then the session's extractions

    def fail(self, rule: str, *keys: str | int) -> ScenarioError:
        return self.fail_at(self.path + keys, rule)

    def cap(self, value: Any, *keys: str | int) -> str:
        cap = self.capability if value is None else str(value)
        if self.caps is not None and cap not in self.caps:
            known = ", ".join(self.caps) or "none"
            raise self.fail(f"unknown capability '{cap}' (capabilities with an entry point: {known})", *keys)
        return cap

    def known(self, template: str, names: Iterable[str], where: str, *keys: str | int) -> None:
        allowed = set(names)
        for name in placeholders(template):
            if name not in allowed:
                have = ", ".join(sorted(allowed)) or "none"
                raise self.fail(f"unknown variable ${{{name}}} ({where}: {have})", *keys)

    def known_in(self, value: Any, names: Iterable[str], where: str, *keys: str | int) -> None:
        """Every template in a JSON value (its strings and keys)."""
        names = tuple(names)
        if isinstance(value, str):
            self.known(value, names, where, *keys)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self.known_in(v, names, where, *keys, i)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.known(str(k), names, where, *keys)
                self.known_in(v, names, where, *keys, str(k))

    def answer_path(self, value: Any, *keys: str | int) -> str:
        text = str(value)
        if not ANSWER_PATH.match(text):
            raise self.fail(f"not an answer path: {text!r} (status, text, header.NAME, body, body.a.0.b)", *keys)
        return text

    def record_path(self, value: Any, *keys: str | int) -> str:
        text = str(value)
        if not RECORD_PATH.match(text):
            raise self.fail(f"not a path below a record: {text!r} (e.g. id, meta.id, 0)", *keys)
        return text

    def step(self, s: Mapping[str, Any], names: list[str], *keys: str | int) -> Step:
        where = "known here"
        path = str(s["path"])
        self.known(path, names, where, *keys, "path")
        if "?" in path and s.get("params"):
            raise self.fail("a path with a query string takes no params: put them all in params", *keys, "params")
        params, headers = _pairs(s.get("params")), _pairs(s.get("headers"))
        for field, pairs in (("params", params), ("headers", headers)):
            for k, v in pairs:
                self.known(k, names, where, *keys, field)
                self.known(v, names, where, *keys, field, k)
        if "json" in s:
            self.known_in(s["json"], names, where, *keys, "json")
        asserts = tuple(self.assertion(a, names, *keys, "assert", i) for i, a in enumerate(s.get("assert") or []))
        extract: list[tuple[str, str]] = []
        for var, p in (s.get("extract") or {}).items():
            if not VARIABLE.match(str(var)):
                raise self.fail(f"not a variable name: {var!r} (letters, digits, _)", *keys, "extract")
            if var in BUILTIN_VARS or var == "cursor":
                raise self.fail(f"${{{var}}} is drills' own variable: extract into another name", *keys, "extract")
            extract.append((str(var), self.answer_path(p, *keys, "extract", str(var))))
        write = self.write(s["write"], names, *keys, "write") if "write" in s else None
        names.extend(v for v, _ in extract)
        return Step(method=str(s.get("method", "GET")), path=path, entry=self.cap(s.get("entry"), *keys, "entry"),
                    name=str(s.get("name", "")), params=params, headers=headers,
                    json=s.get("json"), expect=_statuses(s.get("expect"), (200,)), extract=tuple(extract),
                    asserts=asserts, write=write)  # fmt: skip

    def assertion(self, a: Mapping[str, Any], names: Sequence[str], *keys: str | int) -> Assertion:
        ops = [op for op in OPS if op in a]
        if len(ops) != 1:
            raise self.fail(f"give exactly one of {', '.join(OPS)} (got {', '.join(ops) or 'none'})", *keys)
        op = ops[0]
        that = self.answer_path(a["that"], *keys, "that")
        if op == "matches":
            try:
                re.compile(str(a[op]))
            except re.error as exc:
                raise self.fail(f"not a regular expression: {exc}", *keys, op) from None
        elif op in ("equals", "contains"):
            self.known_in(a[op], names, "known here", *keys, op)
        return Assertion(that=that, op=op, value=a[op], message=str(a.get("message", "")))  # type: ignore[arg-type]

    def write(self, w: Mapping[str, Any], names: Sequence[str], *keys: str | int) -> WriteDecl:
        self.known(str(w["key"]), self.key_vars, "a key is the same for every sample", *keys, "key")
        self.known(str(w["id"]), names, "known here", *keys, "id")
        if "id" not in placeholders(str(w["id"])):  # ${seq} repeats across probes (per site) and runs
            raise self.fail("a write's id must be unique per sample: use ${id}", *keys, "id")
        fields = ("server_id", "primary", "system_id", "timeline")
        paths = {f: self.answer_path(w[f], *keys, f) for f in fields if f in w}
        return WriteDecl(stream=str(w["stream"]), key=str(w["key"]), id=str(w["id"]), **paths)

    def read_back(self, r: Mapping[str, Any], *keys: str | int) -> ReadBackDecl:
        names = [*self.key_vars, "cursor"]
        self.known(str(r["key"]), self.key_vars, "a key is the same for every sample", *keys, "key")
        self.known(str(r["path"]), names, "known in a read-back", *keys, "path")
        params = _pairs(r.get("params"))
        for k, v in params:
            self.known(k, names, "known in a read-back", *keys, "params")
            self.known(v, names, "known in a read-back", *keys, "params", k)
        mode = str(r.get("mode", "log"))
        cursor = r.get("cursor") or {}
        if cursor:
            self.known(str(cursor["start"]), self.key_vars, "a cursor starts the same for every sample", *keys,
                       "cursor", "start")  # fmt: skip
            used = placeholders(str(r["path"])) + [n for k, v in params for n in placeholders(k) + placeholders(v)]
            if "cursor" not in used:
                raise self.fail("a cursor no request uses reads the same page again: put ${cursor} in path or "
                                "params", *keys, "cursor")  # fmt: skip
        if mode == "register" and ("cursor" in r or "items" in r or "id" in r):
            raise self.fail("a register is read in one answer: no items, id or cursor", *keys)
        if mode == "log" and ("value" in r or "missing" in r):
            raise self.fail("value and missing are a register's: a log lists its records (items, id)", *keys)
        return ReadBackDecl(
            stream=str(r["stream"]), key=str(r["key"]), path=str(r["path"]),
            entry=self.cap(r.get("entry"), *keys, "entry"),
            params=params, mode=mode,  # type: ignore[arg-type]
            items=self.answer_path(r.get("items", "body"), *keys, "items"),
            id=self.record_path(r.get("id", ""), *keys, "id"),
            cursor_start=str(cursor.get("start", "")),
            cursor_next=self.record_path(cursor["next"], *keys, "cursor", "next") if cursor else "",
            max_pages=int(r.get("max_pages", 400)),
            value=self.answer_path(r.get("value", "body.value"), *keys, "value"),
            missing=_statuses(r.get("missing"), (404,)),
        )  # fmt: skip

    def build(self) -> JourneyDef:
        d = self.data
        capability = self.cap(d.get("capability"), "capability")
        names = list(BUILTIN_VARS)
        for i, s in enumerate(d.get("session") or []):
            if "write" in s:
                raise self.fail("a session step cannot write: it runs once, not every sample", "session", i, "write")
        session = tuple(self.step(s, names, "session", i) for i, s in enumerate(d.get("session") or []))
        self.key_vars = ["run", *(v for s in session for v, _ in s.extract)]
        headers = _pairs(d.get("headers"))
        for k, v in headers:
            self.known(k, self.key_vars, "a journey's headers know run and the session's variables", "headers")
            self.known(v, self.key_vars, "a journey's headers know run and the session's variables", "headers", k)
        steps = tuple(self.step(s, names, "steps", i) for i, s in enumerate(d["steps"]))
        reads = tuple(self.read_back(r, "read_back", i) for i, r in enumerate(d.get("read_back") or []))
        writes = {(s.write.stream, s.write.key): i for i, s in enumerate(steps) if s.write is not None}
        read = {(r.stream, r.key): i for i, r in enumerate(reads)}
        for (stream, key), i in writes.items():
            if (stream, key) not in read:
                raise self.fail(f"nothing reads back stream '{stream}' key '{key}': add a read_back with that "
                                "stream and key (the RPO check needs it)", "steps", i, "write")  # fmt: skip
        for (stream, key), i in read.items():
            if (stream, key) not in writes:
                raise self.fail(f"no step writes stream '{stream}' key '{key}'", "read_back", i)
        site = self.answer_path(d["site"], "site") if "site" in d else ""
        return JourneyDef(name=str(d["name"]), capability=capability, steps=steps, summary=str(d.get("summary", "")),
                          session=session, renew_on=_statuses(d.get("renew_on"), (401,)), headers=headers,
                          site=site, read_back=reads,
                          streams=tuple(dict.fromkeys(s for s, _ in writes)))  # fmt: skip


def build_journey(fields: Fields, taken: Iterable[str], built_in: Iterable[str]) -> JourneyDef:
    """The journey declared at ``fields`` (schema-valid). ``taken``: the scenario's probe names so
    far; ``built_in``: the registered journeys' names. Ledger streams are checked by the caller."""
    name = str(fields.get("name"))
    if name in set(built_in):
        raise fields.fail(f"'{name}' is a built-in journey: give yours another name", "name")
    if name in set(taken):
        raise fields.fail(f"duplicate probe name '{name}'", "name")

    def fail(path: FieldPath, rule: str) -> ScenarioError:
        return fields.on_error(path, rule)

    return _Builder(fields.data, fields.path, fail, fields.topology.capabilities).build()


def journey_from_mapping(data: Mapping[str, Any]) -> JourneyDef:
    """A built-in journey's definition (no topology to check its capabilities against); a mistake
    in it is a bug, raised as ValueError."""

    def fail(path: FieldPath, rule: str) -> ScenarioError:
        raise ValueError(f"journey {data.get('name')}: {'.'.join(map(str, path))}: {rule}")

    return _Builder(data, (), fail, None).build()
