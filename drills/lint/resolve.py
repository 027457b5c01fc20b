"""What a name really reaches, seen from the service that writes it.

Vocabulary
    owner     a service a name resolves to on a network: the service named so (on each network
              it joins) or the one with that network alias there.
    WAN       a service with a Toxiproxy proxies file mounted (:mod:`drills.lint.files`). A name
              that resolves to it reaches the upstream of the proxy that listens on the
              interface the client came in by (an alias of the WAN on a network both share,
              or every interface) and on the port asked for; with no port written, the proxies
              whose upstream's name is part of the name (``pg-a-wan`` -> ``pg-a``). The WAN
              itself is reached on its API port (``-port``, Toxiproxy's default 8474), or by
              its service name with no port written.
    unforwarded  a name that reaches a WAN where no proxy matches it (``devtools-db-a-wan``
              with no proxy for it): it reaches nothing, the connection fails at run time.
              Not a target; :meth:`Resolver.unforwarded` names the WAN (the ``unresolved``
              rule reports it).
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
_API_PORT = 8474  # Toxiproxy's API port unless -port says otherwise


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
        return self._resolve(src, ref, hops)[0]

    def unforwarded(self, src: str, ref: Ref) -> tuple[str, ...]:
        """The WANs ``ref`` reaches from ``src`` where no proxy forwards it (see module docstring)."""
        return self._resolve(src, ref, 0)[1]

    def _resolve(self, src: str, ref: Ref, hops: int) -> tuple[tuple[Target, ...], tuple[str, ...]]:
        if ref.host not in self.known:
            return (), ()
        owners = self._owners_near(src, ref.host) or self._owners_anywhere(ref.host)
        if not owners and ref.host in self.topology.disabled:
            return (Target(ref.host),), ()
        out: dict[str, Target] = {}
        missed: list[str] = []
        for owner, nets in owners.items():
            if owner == src:
                continue
            reached: tuple[Target, ...] = (Target(owner),)
            if self.is_wan(owner) and hops < _MAX_HOPS and not self._itself(owner, ref):
                proxies = self._proxies_for(owner, nets, ref)
                if not proxies:
                    missed.append(owner)
                reached = tuple(Target(t.service, t.through or owner, t.proxy or p.name)
                                for p in proxies for t in self.resolve(owner, p.upstream, hops + 1))  # fmt: skip
            for target in reached:
                if target.service != src:
                    out.setdefault(target.service, target)
        return tuple(out.values()), tuple(missed)

    def _itself(self, wan: str, ref: Ref) -> bool:
        """``ref`` reaches the WAN itself: its API port, or its service name with no port."""
        w = self.topology.wiring_of(wan)
        port = _flag((*w.entrypoint, *w.command), ("-port", "--port")) or ""
        api = int(port) if port.isdigit() else _API_PORT
        return ref.port == api or (ref.port is None and ref.host == wan)

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

    def _proxies_for(self, wan: str, nets: set[str], ref: Ref) -> list[Proxy]:
        """The proxies of ``wan`` that ``ref`` reaches by the interfaces of ``nets``."""
        interfaces = {wan}.union(*(self.aliases.get((wan, net), ()) for net in nets))
        candidates = [p for p in self.proxies[wan] if p.listen.host in interfaces or not p.listen.host]
        if ref.port is not None:
            return [p for p in candidates if p.listen.port == ref.port]
        return [p for p in candidates if p.upstream.host and p.upstream.host in ref.host]


def _flag(args: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    """The value of a Go-style flag (``-port=8474`` or ``-port 8474``); None when not given."""
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in names:
            return value if eq else (args[i + 1] if i + 1 < len(args) else None)
    return None
