"""What a name really reaches, seen from the service that writes it.

Vocabulary
    owner     a service a name resolves to on a network: the service named so (on each network
              it joins) or the one with that network alias there.
    WAN       a service with a Toxiproxy proxies file mounted (:mod:`drills.lint.files`). A name
              that resolves to it reaches the upstream of the proxy that listens on the
              interface the client came in by (an alias of the WAN on a network both share,
              or every interface) and on the port asked for; with no port written, the proxies
              whose upstream's name is part of the name (``pg-a-wan`` -> ``pg-a``). A proxy
              that matches nothing leaves the WAN itself as the target (it lives in the edge).
    Target    a service reached, with the WAN and proxy on the way (``through``, ``proxy``).

Resolution order: the owners on the networks the client joins; else any service of that name,
else any owner of that alias (its DNS would not answer, but the dependency is still written);
a disabled service's name is a target that never runs. A name of nothing declared is not a
dependency. A service's own names are not dependencies.

Lifecycle: one :class:`Resolver` per lint, over the topology and the WAN's proxies; pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from drills.lint.files import Proxy
from drills.lint.hosts import Ref
from drills.model.topology import Topology

__all__ = ["Resolver", "Target"]

_MAX_HOPS = 4  # proxies chained through proxies


@dataclass(frozen=True)
class Target:
    service: str
    through: str = ""
    proxy: str = ""


class Resolver:
    def __init__(self, topology: Topology, proxies: Mapping[str, tuple[Proxy, ...]]) -> None:
        self.topology = topology
        self.proxies = proxies
        self.networks: dict[str, tuple[str, ...]] = {}  # service -> networks it joins
        self.on: dict[tuple[str, str], set[str]] = {}  # (network, name) -> owners
        self.aliases: dict[tuple[str, str], tuple[str, ...]] = {}  # (service, network) -> aliases
        for name, wiring in topology.wiring:
            self.networks[name] = tuple(n for n, _ in wiring.networks)
            for net, aliases in wiring.networks:
                self.aliases[(name, net)] = aliases
                for alias in (name, *aliases):
                    self.on.setdefault((net, alias), set()).add(name)
        self.services = {s.name for s in topology.services}
        self.known = self.services | {alias for _, alias in self.on} | set(topology.disabled)

    def is_wan(self, service: str) -> bool:
        return service in self.proxies

    def resolve(self, src: str, ref: Ref, hops: int = 0) -> tuple[Target, ...]:
        """The services ``ref`` reaches from ``src`` (see module docstring); () when none."""
        if ref.host not in self.known:
            return ()
        owners = self._owners_near(src, ref.host) or self._owners_anywhere(ref.host)
        if not owners and ref.host in self.topology.disabled:
            return (Target(ref.host),)
        out: dict[str, Target] = {}
        for owner, nets in owners.items():
            if owner == src:
                continue
            via_wan = self._through(owner, nets, ref, hops) if self.is_wan(owner) and hops < _MAX_HOPS else ()
            for target in via_wan or (Target(owner),):
                if target.service != src:
                    out.setdefault(target.service, target)
        return tuple(out.values())

    def _owners_near(self, src: str, host: str) -> dict[str, set[str]]:
        owners: dict[str, set[str]] = {}
        for net in self.networks.get(src, ()):
            for owner in self.on.get((net, host), ()):
                owners.setdefault(owner, set()).add(net)
        return owners

    def _owners_anywhere(self, host: str) -> dict[str, set[str]]:
        if host in self.services:
            return {host: set(self.networks.get(host, ()))}
        owners: dict[str, set[str]] = {}
        for (net, alias), names in self.on.items():
            if alias == host:
                for owner in names:
                    owners.setdefault(owner, set()).add(net)
        direct = {o: n for o, n in owners.items() if not self.is_wan(o)}
        return direct or owners

    def _through(self, wan: str, nets: set[str], ref: Ref, hops: int) -> tuple[Target, ...]:
        interfaces = {wan}.union(*(self.aliases.get((wan, net), ()) for net in nets))
        candidates = [p for p in self.proxies[wan] if p.listen.host in interfaces or not p.listen.host]
        if ref.port is not None:
            candidates = [p for p in candidates if p.listen.port == ref.port]
        else:
            candidates = [p for p in candidates if p.upstream.host and p.upstream.host in ref.host]
        return tuple(Target(t.service, t.through or wan, t.proxy or proxy.name)
                     for proxy in candidates for t in self.resolve(wan, proxy.upstream, hops + 1))  # fmt: skip
