"""A small HTTP helper shared by the journey probes: one session, a timeout on every call."""

from __future__ import annotations

from typing import Any

import requests


class ApiError(Exception):
    """The service answered, but not as the journey expects (status or body)."""


class Http:
    def __init__(self, base_url: str, timeout: float) -> None:
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
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
