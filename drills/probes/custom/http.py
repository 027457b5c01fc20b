"""http: a URL must answer an expected status within the timeout.

URLs may name a capability's entry point in braces: ``{chat}/health`` becomes
``http://127.0.0.1:<published port>/health``. Redirects are followed (at most 30), the status
judged is the last one's. Connections are kept alive (drills.probes.transport), one per origin
and worker thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from drills.model.fields import Fields
from drills.model.schema_parts import integer, string
from drills.probes.base import Outcome, ProbeType, register_probe_type, short_error
from drills.probes.transport import Transport, TransportError

REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 30


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
        self._transports: dict[str, Transport] = {}  # origin -> its connections (a redirect may change it)
        self._lock = threading.Lock()

    def sample(self) -> Outcome:
        url = self.url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                parts = urlsplit(url)
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                resp = self._transport(f"{parts.scheme}://{parts.netloc}").request("GET", target)
                location = resp.headers.get("Location")
                if resp.status_code not in REDIRECTS or not location:
                    break
                url = urljoin(url, location)
            else:
                return Outcome(False, f"more than {MAX_REDIRECTS} redirects")
        except (TransportError, ValueError) as exc:  # ValueError: not an http(s) URL
            return Outcome(False, short_error(exc))
        if resp.status_code != self.expect:
            return Outcome(False, f"HTTP {resp.status_code}, expected {self.expect}")
        return Outcome(True)

    def _transport(self, origin: str) -> Transport:
        with self._lock:
            if origin not in self._transports:
                self._transports[origin] = Transport(origin, self.timeout)
            return self._transports[origin]


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
