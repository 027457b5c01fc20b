"""The HTTP client the journey probes share: one session, a timeout on every call, tokens.

    Http            one service's base URL; ``call``/``json`` check the status; ``login`` keeps a token
    Authenticated   a journey on one service with a token from the login service, renewed on 401
    failed(exc)     a failed action as an Outcome with a one-line reason
"""

from __future__ import annotations

from typing import Any

import requests

from drills.probes.base import Outcome, short_error

POOL_SIZE = 64  # connections kept per host: more than a probe's samples in flight at 10 Hz, 2 s timeout


class ApiError(Exception):
    """The service answered, but not as the journey expects (status or body)."""


class Http:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        # Open-loop probes keep up to ceil(timeout/period)+1 requests in flight to one host.
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=POOL_SIZE))
        self.token = ""

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any) -> requests.Response:
        headers = kw.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        resp = self.session.request(method, self.base + path, timeout=self.timeout, headers=headers, **kw)
        if resp.status_code not in expect:
            try:
                reason = resp.json().get("error", "")
            except ValueError:
                reason = resp.text.strip()[:80]
            raise ApiError(f"{method} {path}: HTTP {resp.status_code} {reason}".strip())
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
        self.session.close()


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
            if "HTTP 401" in str(exc):
                self.api.token = ""  # renewed on the next sample
            raise


def write_state(exc: Exception) -> str:
    """What a failed write attempt tells about the write: ``failed`` when the service answered
    (an API error) or the connection was refused before anything was sent, else ``unknown``
    (a timeout or a dropped connection: it may or may not have been stored)."""
    if isinstance(exc, ApiError):
        return "failed"
    if isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower():
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
