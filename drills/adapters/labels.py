"""The label vocabulary of a drills topology, and the typed view of one labelled service.

Every container, network and volume of a run carries ``org.drills.run=<run id>``; services also
carry their failure domain, role and (for apps) capability. The runner discovers the topology
from these labels only, never from container names::

    org.drills.run            <run id>                 (everything; used by sweep())
    org.drills.reaper         <run id>                 (the run's reaper container only; it removes
                              what carries org.drills.run=<run id> when the runner dies)
    org.drills.domain         a | b | edge             (sites are every domain except edge)
    org.drills.role           app | datastore | consensus | witness | entrypoint | wan
    org.drills.capability     chat | login | devtools  (app services)
    org.drills.endpoints      "chat:8081,login:8082"   (the entrypoint: capability -> container port)
    org.drills.site-endpoints "a/chat:11081,b/chat:11181"  (each site's own entry point for a
                              capability, bypassing the edge load balancer: per-site probes;
                              "chat:8080" on a site's container means its own site; the
                              container port is published on 127.0.0.1)
    org.drills.toxiproxy-api  "8474"                   (the wan service: its API container port)
    org.drills.in-sync        "replica-db in-sync"     (a datastore: a command run inside it that exits
                              0 when this member is the primary or a streaming, in-sync replica;
                              its last output line says why not: the rejoin phase reads it)
    org.drills.state          "replica-db state"       (a datastore: a command whose last output line
                              describes this member's role, e.g. "pg-a: leader, paused: no";
                              `drill up` records it, `drill run --reuse` proves it again)
    org.drills.reset          "replica-db reset"       (a datastore: a command that puts this member
                              back in the role it had at bring-up; `drill run --reuse` runs it when
                              a state differs from the recorded one)

Toxiproxy proxies are named ``<from>_<to>_<what>`` (see :func:`drills.model.topology.parse_link_name`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CAPABILITY",
    "COMPOSE_PROJECT",
    "COMPOSE_SERVICE",
    "DOMAIN",
    "EDGE",
    "ENDPOINTS",
    "IN_SYNC",
    "REAPER",
    "RESET",
    "ROLE",
    "RUN",
    "SITE_ENDPOINTS",
    "STATE",
    "TOXIPROXY_API",
    "Service",
    "parse_endpoints",
    "parse_site_endpoints",
]

RUN = "org.drills.run"
REAPER = "org.drills.reaper"  # a run's reaper container (drills/adapters/reaper.py): never the run label
DOMAIN = "org.drills.domain"
ROLE = "org.drills.role"
CAPABILITY = "org.drills.capability"
SITE_ENDPOINTS = "org.drills.site-endpoints"
ENDPOINTS = "org.drills.endpoints"
TOXIPROXY_API = "org.drills.toxiproxy-api"
IN_SYNC = "org.drills.in-sync"
STATE = "org.drills.state"
RESET = "org.drills.reset"
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
EDGE = "edge"

_ENDPOINT = re.compile(r"^(?P<cap>[a-z0-9-]+):(?P<port>[0-9]{1,5})$")


@dataclass(frozen=True)
class Service:
    """One container of the topology, as its labels describe it."""

    service: str  # the compose service name (for humans and logs; never used to decide)
    container_id: str
    domain: str
    role: str
    capability: str | None
    status: str  # docker state: running, exited, ...
    health: str | None  # healthy, unhealthy, starting, or None without a healthcheck

    @classmethod
    def from_labels(
        cls, container_id: str, labels: Mapping[str, str], status: str, health: str | None
    ) -> Service:
        return cls(
            service=labels.get(COMPOSE_SERVICE, container_id[:12]),
            container_id=container_id,
            domain=labels.get(DOMAIN, ""),
            role=labels.get(ROLE, ""),
            capability=labels.get(CAPABILITY),
            status=status,
            health=health,
        )


def parse_site_endpoints(value: str, own_domain: str) -> dict[tuple[str, str], int]:
    """``"a/chat:11081,b/chat:11181"`` -> {("a", "chat"): 11081, ("b", "chat"): 11181}; an item without
    ``<site>/`` is ``own_domain``'s. ValueError on bad syntax."""
    out: dict[tuple[str, str], int] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        site, _, rest = item.rpartition("/")
        match = _ENDPOINT.match(rest)
        if match is None or not (site or own_domain) or "/" in site:
            raise ValueError(f"{SITE_ENDPOINTS} item {item!r} must be [<site>/]<capability>:<container port>")
        out[(site or own_domain, match["cap"])] = int(match["port"])
    return out


def parse_endpoints(value: str) -> dict[str, int]:
    """``"chat:8081,login:8082"`` -> {"chat": 8081, "login": 8082}; ValueError on bad syntax."""
    out: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        match = _ENDPOINT.match(item)
        if match is None:
            raise ValueError(f"{ENDPOINTS} item {item!r} must be <capability>:<container port>")
        out[match["cap"]] = int(match["port"])
    return out
