"""A declarative journey: a user action on any HTTP service, written as data in a scenario.

    JourneyDef            name, capability, the steps of one sample, an optional session
                          (steps run once and again when a step answers a ``renew_on`` status),
                          headers every step sends, where an answer says which site served it,
                          and how to read back what its writes wrote
      Step                one request: method, the capability whose entry point it goes to,
                          a path (a template), params, headers, a JSON body (templates in its
                          strings), the statuses that count as success, values to extract for
                          later steps, assertions on the answer, and the write it makes, if any
      WriteDecl           the step writes: the RPO ledger records (stream, key, id) - acked when
                          the step's status is expected - with where the answer says who committed it
      ReadBackDecl        after the drill: how to list what is in (stream, key), page by page
                          (``log``: every id) or the one value of a key (``register``)

Templates are strings with ``${name}`` placeholders (``$$`` is a literal ``$``): ``id`` (unique
per sample), ``run`` (the run id), ``seq`` (the sample's number), the session's and earlier
steps' extracted values. An answer path reads the answer: ``status``, ``text`` (the body as
text), ``header.NAME``, ``body`` (the body as JSON) and ``body.a.0.b`` below it, where a ``*``
segment maps over a list. Parsing, defaults and the static checks are in
:mod:`drills.probes.spec`; running one is :mod:`drills.probes.declared`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["BUILTIN_VARS", "PLACEHOLDER", "Assertion", "JourneyDef", "ReadBackDecl", "Step", "WriteDecl",
           "placeholders"]

PLACEHOLDER = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")  # ${name}, or $$ (a literal $)

BUILTIN_VARS = ("id", "run", "seq")  # every sample's own: a unique id, the run id, its number


def placeholders(template: str) -> list[str]:
    """The variable names ``template`` uses, in order (``$$`` is not one)."""
    return [m.group(1) for m in PLACEHOLDER.finditer(template) if m.group(1)]


@dataclass(frozen=True)
class Assertion:
    """``that`` (an answer path) must satisfy ``op`` with ``value``.

    equals: JSON-equal to the rendered value; contains: a string containing it, or a list with an
    element equal to it; matches: a string the regular expression finds a match in (``value`` is
    the pattern, never a template); exists: the path resolves (``value`` true) or does not (false)."""

    that: str
    op: Literal["equals", "contains", "matches", "exists"]
    value: Any
    message: str = ""  # the failed sample's reason instead of the generated one


@dataclass(frozen=True)
class WriteDecl:
    stream: str
    key: str  # template
    id: str  # template: unique per write (usually contains ${id})
    primary: str = ""  # answer paths: the datastore node that committed it, its system id, its timeline
    system_id: str = ""
    timeline: str = ""
    server_id: str = ""  # answer path: the id the service gave the write


@dataclass(frozen=True)
class Step:
    method: str
    path: str  # template; starts with /
    entry: str  # the capability whose entry point it goes to
    name: str = ""
    params: tuple[tuple[str, str], ...] = ()  # query parameters (templates)
    headers: tuple[tuple[str, str], ...] = ()  # (templates), besides the journey's
    json: Any = None  # body (templates in its strings); None: no body
    expect: tuple[int, ...] = (200,)
    extract: tuple[tuple[str, str], ...] = ()  # (variable, answer path)
    asserts: tuple[Assertion, ...] = ()
    write: WriteDecl | None = None

    @property
    def label(self) -> str:
        return self.name or f"{self.method} {self.path}"


@dataclass(frozen=True)
class ReadBackDecl:
    stream: str
    key: str  # template, equal to its writes' key
    path: str  # template
    entry: str
    params: tuple[tuple[str, str], ...] = ()  # may use ${cursor}
    mode: Literal["log", "register"] = "log"
    items: str = "body"  # log: answer path of the page's list of records
    id: str = ""  # log: path of a record's write id, below the record ("" the record itself)
    cursor_start: str = ""  # paging: ${cursor} of the first page; "" reads one page only
    cursor_next: str = ""  # paging: path below the last record of a page giving the next ${cursor}
    max_pages: int = 400
    value: str = "body.value"  # register: answer path of the key's one value
    missing: tuple[int, ...] = (404,)  # register: statuses that mean the key is gone (no value)


@dataclass(frozen=True)
class JourneyDef:
    name: str
    capability: str
    steps: tuple[Step, ...]
    summary: str = ""
    session: tuple[Step, ...] = ()
    renew_on: tuple[int, ...] = (401,)
    headers: tuple[tuple[str, str], ...] = ()  # sent by every step (not the session's)
    site: str = ""  # answer path: which site served the answer ("" none)
    read_back: tuple[ReadBackDecl, ...] = ()
    streams: tuple[str, ...] = field(default=())  # the RPO ledger streams its writes go to

    @property
    def capabilities(self) -> tuple[str, ...]:
        """Every capability whose entry point it calls: its own first."""
        used = [self.capability, *(s.entry for s in (*self.session, *self.steps)), *(r.entry for r in self.read_back)]
        return tuple(dict.fromkeys(used))
