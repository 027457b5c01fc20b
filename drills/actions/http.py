"""http: a call to a capability's API as the admin user, the way an operator reaches a tool.

    POST /ops/failover through devtools (edge)     via edge (default): the global entry point
    POST /ops/failover through devtools (site b)   via b: site b's own entry point, bypassing the
                                                   edge (as the per-site probes reach a site)

The admin (the devtools journey's user) logs in through the login service of the same entry
point, then ``method path`` is sent with ``json`` as its body; the answer's status must be one of
``expect``. Each of the two requests times out after ``timeout``. No entry point, no answer, a
failed login or a wrong status is a failed action whose error says which.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from drills.actions.base import ActionContext, ActionOutcome, ActionType, params_of, register
from drills.model.durations import format_duration
from drills.model.fields import Fields
from drills.model.scenario import ActionSpec
from drills.model.schema_parts import JsonSchema, duration, string
from drills.model.topology import EDGE
from drills.probes.client import ApiError, Authenticated, TransportError
from drills.probes.journeys.devtools import ADMIN

LOGIN = "login"  # the capability the admin logs in through
METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
_TAG = re.compile(r"<[^>]*(?:>|$)")  # a tag, or one cut short at the end


@dataclass(frozen=True)
class HttpAction:
    capability: str
    method: str
    path: str
    body: str | None = None  # the ``json`` field as JSON text (None: no body)
    expect: tuple[int, ...] = (200,)
    via: str = EDGE  # edge, or a site: whose entry points are called
    timeout: float = 10.0  # per request

    def describe(self) -> str:
        where = "edge" if self.via == EDGE else f"site {self.via}"
        return f"{self.method} {self.path} through {self.capability} ({where})"

    def limit(self) -> float:
        return 2 * self.timeout  # the admin's login, then the call


def build(fields: Fields) -> HttpAction:
    topo = fields.topology
    cap = str(fields.get("capability"))
    if cap not in topo.capabilities:
        known = ", ".join(topo.capabilities) or "none"
        raise fields.fail(f"unknown capability '{cap}' (capabilities in {fields.compose}: {known})", "capability")
    if LOGIN not in topo.capabilities:
        raise fields.fail(f"the admin logs in through {LOGIN}, which {fields.compose} does not serve", "capability")
    via = str(fields.get("via", EDGE))
    if via != EDGE:
        fields.site(via, "via")
    timeout = fields.duration("timeout", HttpAction.timeout)
    if timeout <= 0:
        raise fields.fail("must be > 0s", "timeout")
    body = json.dumps(fields.get("json")) if fields.has("json") else None
    expect = tuple(int(s) for s in fields.get("expect", [200]))
    return HttpAction(capability=cap, method=str(fields.get("method", "POST")), path=str(fields.get("path")),
                      body=body, expect=expect, via=via, timeout=timeout)  # fmt: skip


class HttpCall:
    def __init__(self, spec: ActionSpec) -> None:
        self.spec = spec
        self.params = params_of(spec, HttpAction)

    def perform(self, ctx: ActionContext) -> ActionOutcome:
        p = self.params
        endpoints = dict(ctx.endpoints if p.via == EDGE else ctx.site_endpoints.get(p.via, {}))
        where = "the edge" if p.via == EDGE else f"site {p.via}"
        for cap in (p.capability, LOGIN):
            if cap not in endpoints:
                return ActionOutcome(False, f"{where} has no entry point for {cap}")
        client = Authenticated(endpoints, p.capability, ADMIN, p.timeout)
        try:
            try:
                client.ensure_token()
            except (TransportError, ApiError) as exc:
                return ActionOutcome(False, f"login as {ADMIN[0]} failed: {_reason(exc, p.timeout)}",
                                     status=exc.status if isinstance(exc, ApiError) else None)  # fmt: skip
            body: Any = None if p.body is None else json.loads(p.body)
            try:
                resp = client.api.call(p.method, p.path, p.expect, json=body)
            except ApiError as exc:
                expected = ", ".join(str(s) for s in p.expect)
                return ActionOutcome(False, f"{_reason(exc, p.timeout)} (expected {expected})", status=exc.status)
            except TransportError as exc:
                return ActionOutcome(False, _reason(exc, p.timeout))
            return ActionOutcome(True, status=resp.status_code)
        finally:
            client.api.close()
            client.auth.close()


def _reason(exc: TransportError | ApiError, timeout: float) -> str:
    """``connection refused``, ``no answer within 10s``, ``HTTP 503 no primary``: without the request,
    which the action's own description already names."""
    if isinstance(exc, ApiError):
        text = " ".join(_TAG.sub(" ", str(exc)).split())  # a proxy's error page is HTML: its words only
        return text.split(": ", 1)[1] if ": HTTP " in text else text
    if exc.reason == "timeout":
        return f"no answer within {format_duration(timeout)}"
    return exc.reason


_FIELDS: dict[str, JsonSchema] = {
    "capability": string("The capability whose API is called (its entry point, as the admin user).", minLength=1),
    "method": string("HTTP method (default POST).", enum=list(METHODS)),
    "path": string("Path of the call, e.g. /ops/failover.", pattern="^/"),
    "json": {"type": ["object", "array"], "description": "Body of the call, sent as JSON (default: no body)."},
    "expect": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "integer", "minimum": 100, "maximum": 599},
        "description": "Statuses that mean success (default [200]).",
    },
    "via": string("Whose entry point: edge (the global one, default) or a site's own, bypassing the edge."),
    "timeout": duration("Timeout of each request: the admin's login, then the call (default 10s)."),
}

register(ActionType(
    name="http",
    summary="Call a capability's API as the admin user (the devtools journey's), through the edge or one "
    "site's own entry point; the status must be one of `expect`. No answer, a failed login or a wrong status "
    "fails the action.",
    fields=_FIELDS,
    required=("capability", "path"),
    build=build,
    make=HttpCall,
))
