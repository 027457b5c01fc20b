"""http: a URL must answer an expected status within the timeout.

URLs may name a capability's entry point in braces: ``{chat}/health`` becomes
``http://127.0.0.1:<published port>/health``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from drills.model.fields import Fields
from drills.model.schema_parts import integer, string
from drills.probes.base import Outcome, ProbeType, register_probe_type, short_error


@dataclass(frozen=True)
class HttpParams:
    url: str
    expect_status: int = 200


def build(fields: Fields) -> HttpParams:
    return HttpParams(url=str(fields.get("url")), expect_status=int(fields.get("expect_status", 200)))


class HttpProbe:
    def __init__(self, name: str, capability: str, url: str, endpoints: dict[str, str], timeout: float,
                 expect_status: int = 200) -> None:  # fmt: skip
        self.name, self.capability = name, capability
        self.url = url.format(**endpoints)
        self.timeout, self.expect = timeout, expect_status
        self.session = requests.Session()

    def sample(self) -> Outcome:
        try:
            resp = self.session.get(self.url, timeout=self.timeout)
        except requests.RequestException as exc:
            return Outcome(False, short_error(exc))
        if resp.status_code != self.expect:
            return Outcome(False, f"HTTP {resp.status_code}, expected {self.expect}")
        return Outcome(True)


def make(name: str, capability: str, params: Any, endpoints: dict[str, str], timeout: float) -> HttpProbe:
    if not isinstance(params, HttpParams):
        raise TypeError(f"probe {name}: params are {type(params).__name__}, not HttpParams")
    return HttpProbe(name, capability, params.url, endpoints, timeout, params.expect_status)


register_probe_type(ProbeType(
    name="http",
    summary="An HTTP GET of a URL must answer the expected status within the timeout.",
    fields={
        "url": string("URL; {chat}, {login}, {devtools} expand to that capability's entry URL.", minLength=1),
        "expect_status": integer("Expected status (default 200).", minimum=100, maximum=599),
    },
    required=("url",),
    build=build,
    make=make,
))
