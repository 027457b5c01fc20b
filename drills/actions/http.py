"""http: a call to a capability's API as the admin user, the way an operator reaches a tool.

    POST /ops/failover through devtools (edge)     via edge (default): the global entry point
    POST /ops/failover through devtools (site b)   via b: site b's own entry point, bypassing the
                                                   edge (as the per-site probes reach a site)

The admin (the devtools journey's user) logs in through the login service of the same entry
point, then ``method path`` is sent with ``json`` as its body; the answer's status must be one of
``expect``. Each of the two requests times out after ``timeout``. No entry point, no answer, a
failed login or a wrong status is a failed action whose error says which.

When the admin logs in (``login``):

    when_due (default)   right before the call: the login service is part of the action's path,
                         so a login that needs what the outage took (its database's primary)
                         fails the action
    at_start             when the fault phase starts (:meth:`HttpCall.prepare`, in a thread of
                         its own), as an on-call engineer already at the console would be; the
                         call during the outage carries that token (the apps verify a token with
                         their shared secret alone, no database). If that early login failed,
                         the admin logs in again right before the call.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

from drills.actions.base import ActionContext, ActionOutcome, ActionType, params_of, register
from drills.model.durations import format_duration
from drills.model.fields import Fields
from drills.model.scenario import ActionReach, ActionSpec
from drills.model.schema_parts import JsonSchema, duration, string
from drills.model.topology import EDGE
from drills.probes.client import ApiError, Http, TransportError
from drills.probes.journeys.devtools import ADMIN

LOGIN = "login"  # the capability the admin logs in through
METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
OUTPUT_LINES, LINE_CHARS = 10, 200  # of a successful answer's body, kept in the record (as exec's output)
Login = Literal["when_due", "at_start"]
LOGINS: tuple[Login, ...] = ("when_due", "at_start")
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
    login: Login = "when_due"  # when the admin logs in (module docstring)

    def describe(self) -> str:
        where = "edge" if self.via == EDGE else f"site {self.via}"
        return f"{self.method} {self.path} through {self.capability} ({where})"

    def limit(self) -> float:
        # the admin's login, then the call; at_start: first the wait for the early login
        return (3 if self.login == "at_start" else 2) * self.timeout

    def reach(self) -> ActionReach:
        also = (LOGIN,) if self.login == "when_due" and self.capability != LOGIN else ()
        return ActionReach("capability", self.capability, "" if self.via == EDGE else self.via, also)


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
    wanted = fields.get("login", "when_due")
    login = next((m for m in LOGINS if m == wanted), None)
    if login is None:  # the schema's enum already refused any other value
        raise fields.fail(f"unknown login {wanted!r} (allowed: {', '.join(LOGINS)})", "login")
    return HttpAction(capability=cap, method=str(fields.get("method", "POST")), path=str(fields.get("path")),
                      body=body, expect=expect, via=via, timeout=timeout, login=login)  # fmt: skip


class HttpCall:
    def __init__(self, spec: ActionSpec) -> None:
        self.spec = spec
        self.params = params_of(spec, HttpAction)
        self._early: threading.Thread | None = None  # the early login (login: at_start)
        self._token = ""  # what it obtained
        self._early_error = ""  # or why it did not

    def prepare(self, ctx: ActionContext) -> None:
        """The fault phase starts: with ``login: at_start`` the admin logs in now, in a thread of its own."""
        if self.params.login != "at_start" or self._early is not None:
            return
        self._early = threading.Thread(target=self._log_in_early, args=(ctx,), name=f"action {self.spec.id} login",
                                       daemon=True)  # fmt: skip
        self._early.start()

    def _log_in_early(self, ctx: ActionContext) -> None:
        p = self.params
        url = self._endpoints(ctx).get(LOGIN)
        if url is None:
            self._early_error = f"{self._where()} has no entry point for {LOGIN}"
            return
        auth = Http(url, p.timeout)
        try:
            self._token = str(auth.login(*ADMIN)["token"])
        except (TransportError, ApiError) as exc:
            self._early_error = _reason(exc, p.timeout)
        finally:
            auth.close()

    def _endpoints(self, ctx: ActionContext) -> dict[str, str]:
        p = self.params
        return dict(ctx.endpoints if p.via == EDGE else ctx.site_endpoints.get(p.via, {}))

    def _where(self) -> str:
        return "the edge" if self.params.via == EDGE else f"site {self.params.via}"

    def perform(self, ctx: ActionContext) -> ActionOutcome:
        p = self.params
        endpoints = self._endpoints(ctx)
        if self._early is not None:
            self._early.join(p.timeout)  # started with the fault phase: normally long done
        token = self._token
        for cap in (p.capability,) if token else (p.capability, LOGIN):
            if cap not in endpoints:
                return ActionOutcome(False, f"{self._where()} has no entry point for {cap}")
        api = Http(endpoints[p.capability], p.timeout)
        api.token = token
        auth = None if token else Http(endpoints[LOGIN], p.timeout)
        try:
            if auth is not None:
                try:
                    api.token = str(auth.login(*ADMIN)["token"])
                except (TransportError, ApiError) as exc:
                    early = f" (and when the fault phase started: {self._early_error})" if self._early_error else ""
                    return ActionOutcome(False, f"login as {ADMIN[0]} failed: {_reason(exc, p.timeout)}{early}",
                                         status=exc.status if isinstance(exc, ApiError) else None)  # fmt: skip
            body: Any = None if p.body is None else json.loads(p.body)
            try:
                resp = api.call(p.method, p.path, p.expect, json=body)
            except ApiError as exc:
                expected = ", ".join(str(s) for s in p.expect)
                return ActionOutcome(False, f"{_reason(exc, p.timeout)} (expected {expected})", status=exc.status)
            except TransportError as exc:
                return ActionOutcome(False, _reason(exc, p.timeout))
            # what the tool said it did (e.g. which node it promoted): evidence, kept short
            said = tuple(line[:LINE_CHARS] for line in resp.text.strip().splitlines()[-OUTPUT_LINES:])
            return ActionOutcome(True, status=resp.status_code, output=said)
        finally:
            api.close()
            if auth is not None:
                auth.close()


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
    "login": string(
        "When the admin logs in: when_due (default: right before the call, so the login service is part of "
        "the action's path) or at_start (when the fault phase starts, as an engineer already at the console; "
        "the call carries that token).",
        enum=list(LOGINS),
    ),
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
