"""The static topology of a drill: failure domains, services and the WAN links between them.

Vocabulary
    domain    a failure domain: a *site* (can lose power) or the ``edge`` (entry point,
              witness, WAN; never cut by a site power cut).
    Service   one compose service, as its labels and wiring declare it.
    Link      one Toxiproxy proxy carrying traffic from domain ``src`` to domain ``dst``;
              its name is ``<src>_<dst>_<what>`` (see :func:`parse_link_name`).
    Wiring    what one service is wired to, as the Compose model writes it: environment,
              command, entrypoint, mounts, networks with their aliases (the dualization lint
              reads it, :mod:`drills.lint`).
    Resource  a top-level network or named volume, with its ``org.drills.domain`` label.
    Topology  what the compose file (+ variant) declares, read before anything runs; its links
              come from the proxies file the WAN service mounts (``proxies_file``).

Lifecycle: built by :func:`drills.scenario.discover.discover`; never mutated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EDGE", "Link", "Mount", "Resource", "Service", "Topology", "Wiring", "parse_link_name"]

EDGE = "edge"
_WHAT = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class Service:
    name: str
    domain: str  # a site name, or "edge"
    capability: str | None = None
    depends_on: tuple[str, ...] = ()
    role: str = ""  # org.drills.role label, used to find counterparts in other sites
    startup_only: tuple[str, ...] = ()  # depends_on entries that only order start-up (org.drills.startup-only)


@dataclass(frozen=True)
class Mount:
    """One mount: ``kind`` bind | volume | tmpfs | ...; ``source`` the absolute host path of a bind,
    the name of a named volume ("" for an anonymous one); ``target`` the path in the container."""

    kind: str
    source: str
    target: str


@dataclass(frozen=True)
class Wiring:
    """A service's wiring. Environment values are as interpolated ("" for a variable without one)."""

    environment: tuple[tuple[str, str], ...] = ()  # (name, value), sorted by name
    command: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    networks: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (network, its aliases), sorted by network

    def env(self, name: str) -> str | None:
        return next((v for k, v in self.environment if k == name), None)


@dataclass(frozen=True)
class Resource:
    """A top-level network or named volume; ``domain`` is its org.drills.domain label ("" unlabelled)."""

    name: str
    domain: str = ""


@dataclass(frozen=True)
class Link:
    """A Toxiproxy proxy: ``<src>_<dst>_<what>``."""

    name: str
    src: str
    dst: str
    what: str
    listen: str = ""
    upstream: str = ""
    enabled: bool = True

    def touches(self, domain: str) -> bool:
        return domain in (self.src, self.dst)


def parse_link_name(name: str, domains: Iterable[str]) -> Link:
    """``"b_a_postgres"`` -> Link(src="b", dst="a", what="postgres"), for any set of ``domains``.

    The one parser of link names, driven by the domains the topology declares (any number of
    sites; a domain name may hold ``-`` but not ``_``). Raises ValueError naming the rule and
    the known domains.
    """
    known = sorted(set(domains), key=lambda d: (-len(d), d))  # longest first: "eu-a" before "eu"
    for src in known:
        if not name.startswith(src + "_"):
            continue
        rest = name[len(src) + 1 :]
        for dst in known:
            if rest.startswith(dst + "_") and _WHAT.match(rest[len(dst) + 1 :]):
                return Link(name=name, src=src, dst=dst, what=rest[len(dst) + 1 :])
    raise ValueError(
        f"link name {name!r} must be <from>_<to>_<what> with from/to in {'|'.join(sorted(known)) or 'no domain'} "
        "and what in [a-z0-9-]+"
    )


@dataclass(frozen=True)
class Topology:
    compose: Path  # resolved compose file
    variant: str | None
    variant_file: Path | None
    services: tuple[Service, ...]  # enabled services (profiles -> absent)
    links: tuple[Link, ...]  # enabled proxies
    sites: tuple[str, ...]
    capabilities: tuple[str, ...]
    disabled: tuple[str, ...] = ()  # services present but disabled by profiles
    wiring: tuple[tuple[str, Wiring], ...] = ()  # (enabled service, its wiring)
    networks: tuple[Resource, ...] = ()
    volumes: tuple[Resource, ...] = ()
    proxies_file: Path | None = None  # the host file the links were read from (the WAN's -config); None: no WAN
    overrides: tuple[Path, ...] = ()  # compose files layered on ``compose`` before the variant (topology.overrides)
    root: Path | None = None  # the repo root relative paths were resolved against (None: built by hand)

    def wiring_of(self, name: str) -> Wiring:
        return next((w for n, w in self.wiring if n == name), Wiring())

    def service(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def services_in(self, domain: str) -> tuple[Service, ...]:
        return tuple(s for s in self.services if s.domain == domain)

    def link(self, name: str) -> Link | None:
        return next((lk for lk in self.links if lk.name == name), None)

    def links_between(self, x: str, y: str) -> tuple[Link, ...]:
        return tuple(lk for lk in self.links if {lk.src, lk.dst} == {x, y})

    @property
    def domains(self) -> tuple[str, ...]:
        """Every failure domain: the sites, then the edge."""
        return (*self.sites, EDGE)

    def parse_link(self, name: str) -> Link:
        """A link name of this topology (see :func:`parse_link_name`)."""
        return parse_link_name(name, self.domains)
