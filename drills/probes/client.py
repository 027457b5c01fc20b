"""The HTTP client the journey probes share: keep-alive connections, a timeout on every call, tokens.

    Http            one service's base URL; ``call``/``json`` check the status; ``login`` keeps a token
    Authenticated   a journey on one service with a token from the login service, renewed on 401;
                    ``read_json`` is the read-backs' GET, asked again when the answer did not come
    failed(exc)     a failed action as an Outcome with a one-line reason
    write_state     what a failed write attempt tells about the write (the RPO ledger's ``state``)

Requests go through :mod:`drills.probes.transport` (one keep-alive connection per thread, never
resent); a failure below HTTP raises its TransportError, an unexpected answer an ApiError.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from drills.probes.base import Outcome, short_error
from drills.probes.transport import ConnectionRefused, Response, Transport, TransportError

__all__ = [
    "ApiError",
    "Authenticated",
    "Http",
    "Response",
    "TransportError",
    "committed_by",
    "failed",
    "read_retrying",
    "write_state",
]

T = TypeVar("T")


class ApiError(Exception):
    """The service answered, but not as the journey expects (status or body)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when it was the status that was wrong


# A read-back judges data, not availability: a page whose answer did not come (no status, a 5xx,
# an expired token) is asked again, so a site still recovering behind the edge - which sends every
# other request there - does not leave the RPO verdict unknown. Bounded: after READ_ATTEMPTS the
# read-back is incomplete, as before. Samples never retry: a failed action is the measurement.
READ_ATTEMPTS = 4


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, TransportError):
        return True
    return isinstance(exc, ApiError) and exc.status is not None and (exc.status >= 500 or exc.status == 401)


class Http:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.prefix = urlsplit(self.base).path  # a base URL may carry a path: every call goes under it
        self.transport = Transport(self.base, timeout)
        self.token = ""

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200,), *, json: Any = None,
             params: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Response:  # fmt: skip
        """One request; ApiError unless its status is in ``expect``; TransportError if no status came."""
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        body = None
        if json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        target = self.prefix + path + (f"?{urlencode(params, doseq=True)}" if params else "")
        resp = self.transport.request(method, target, body, sent)
        if resp.status_code not in expect:
            try:
                data = resp.json()
            except ValueError:
                data = None
            reason = str(data.get("error", "")) if isinstance(data, dict) else resp.text.strip()[:80]
            raise ApiError(f"{method} {path}: HTTP {resp.status_code} {reason}".strip(), resp.status_code)
        return resp

    def json(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any) -> dict[str, Any]:
        data = self.call(method, path, expect, **kw).json()
        if not isinstance(data, dict):
            raise ApiError(f"{method} {path}: expected a JSON object")
        return data

    def login(self, user: str, password: str) -> dict[str, Any]:
        self.token = ""
        data = self.json("POST", "/login", json={"user": user, "password": password})
        self.token = str(data["token"])
        return data

    def close(self) -> None:
        self.transport.close()


def failed(exc: Exception) -> Outcome:
    return Outcome(False, short_error(exc) if not isinstance(exc, ApiError) else str(exc))


class Authenticated:
    """Keeps a token from the login service for a journey on another service."""

    def __init__(self, endpoints: dict[str, str], capability: str, creds: tuple[str, str], timeout: float) -> None:
        self.api = Http(endpoints[capability], timeout)
        self.auth = Http(endpoints["login"], timeout)
        self.creds = creds

    def ensure_token(self) -> None:
        if not self.api.token:
            self.api.token = str(self.auth.login(*self.creds)["token"])

    def call_json(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any) -> dict[str, Any]:
        self.ensure_token()
        try:
            return self.api.json(method, path, expect, **kw)
        except ApiError as exc:
            if exc.status == 401:
                self.api.token = ""  # renewed on the next sample
            raise

    def read_json(self, path: str, **kw: Any) -> dict[str, Any]:
        """``GET path`` for a read-back: asked up to READ_ATTEMPTS times while the answer is transient
        (no answer, a 5xx, a 401 whose token is renewed first); the last error is raised."""
        return read_retrying(self.call_json, "GET", path, **kw)


def read_retrying(call: Callable[..., T], *args: Any, **kw: Any) -> T:
    """``call(*args, **kw)`` for a read-back, asked up to READ_ATTEMPTS times while its error is
    transient (no answer, a 5xx, a 401: a caller that keeps a token drops it before raising)."""
    from tenacity import Retrying, retry_if_exception, stop_after_attempt  # a run's, not a scenario load's

    retrying = Retrying(stop=stop_after_attempt(READ_ATTEMPTS), retry=retry_if_exception(_transient), reraise=True)
    return retrying(call, *args, **kw)


def write_state(exc: Exception) -> str:
    """What a failed write attempt tells about the write: ``failed`` when the service answered
    (an API error) or the connection was refused before anything was sent, else ``unknown``
    (a timeout or a dropped connection: it may or may not have been stored)."""
    if isinstance(exc, ApiError):
        return "failed"
    if isinstance(exc, ConnectionRefused):
        return "failed"
    return "unknown"


def committed_by(ack: dict[str, Any]) -> dict[str, Any]:
    """The datastore identity an acknowledgement reports: node, cluster system id, timeline."""
    timeline = ack.get("timeline")
    return {
        "primary": str(ack.get("primary", "")),
        "system_id": str(ack.get("system_id", "")),
        "timeline": int(timeline) if isinstance(timeline, int) and not isinstance(timeline, bool) else None,
    }
