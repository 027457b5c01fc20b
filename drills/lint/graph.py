"""The wiring graph: which service needs which, read from the real wiring, before anything runs.

Vocabulary
    Dependency  ``source`` needs any one of ``targets``, found at ``via``: an environment
                variable's name, ``command``, ``entrypoint``, a mounted file
                (``nginx.conf:12``, ``haproxy.cfg backend chat``) or ``depends_on``. One failover
                list (:mod:`drills.lint.hosts`) is one dependency; targets are resolved
                (:mod:`drills.lint.resolve`) to the services really reached.
    judged      a dependency the rules judge. Not judged: a ``depends_on`` entry listed in
                ``org.drills.startup-only`` (it only orders the start-up; kept, shown), and
                references between peers of one group (:mod:`drills.lint.groups`). A wiring
                dependency on a service listed as startup-only is judged all the same, and
                says so (``startup_only``).
    Backend     a load balancer's backend: its servers and the targets each reaches.
    Unresolved  a name the wiring writes (at ``via``) that reaches a WAN where no proxy
                forwards it (:meth:`drills.lint.resolve.Resolver.unforwarded`): it reaches
                nothing, so it is no dependency, and the ``unresolved`` rule reports it.
    Graph       the topology (whose wiring also gives each service's networks and named
                volumes), its dependencies, backends, groups, datastores and WAN services,
                the unresolved names, and the digest of the content each instance bind-mounts
                (content, not configuration: a file the lint reads as wiring may differ per site).

Lifecycle: :func:`build` reads the mounted files (``read``: the file reader; ``digest``: the
content fingerprint, both injectable) and returns a frozen Graph; the rules
(:mod:`drills.lint.rules`) read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from drills.lint.files import MountedFile, Server, content_digest, read_mount
from drills.lint.groups import ROLE_LABEL_DATASTORE, Group, consensus_groups, patroni_nodes, replication_groups
from drills.lint.hosts import Ref, refs_in
from drills.lint.resolve import Resolver, Target
from drills.model.topology import Topology

__all__ = ["Backend", "Dependency", "Graph", "Unresolved", "build"]

FileReader = Callable[[str], Iterator[MountedFile]]
Digest = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Dependency:
    source: str
    via: str
    targets: tuple[Target, ...]  # any one will do
    judged: bool = True
    startup_only: bool = False  # a target is listed in the source's org.drills.startup-only


@dataclass(frozen=True)
class Backend:
    lb: str
    name: str
    file: str
    servers: tuple[tuple[Server, tuple[Target, ...]], ...]


@dataclass(frozen=True)
class Unresolved:
    source: str
    via: str
    name: str  # as written: host or host:port
    wan: str


@dataclass(frozen=True)
class Graph:
    topology: Topology
    dependencies: tuple[Dependency, ...]
    backends: tuple[Backend, ...] = ()
    groups: tuple[Group, ...] = ()
    datastores: frozenset[str] = frozenset()
    wans: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    digests: dict[str, str | None] = field(default_factory=dict)  # an instance's bind source -> content digest
    # (None: configuration, see _wires, or not readable whole)
    _by_source: dict[str, tuple[Dependency, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for dep in self.dependencies:
            self._by_source[dep.source] = (*self._by_source.get(dep.source, ()), dep)

    def domain(self, service: str) -> str | None:
        """The service's domain; None when it does not run (disabled or not declared)."""
        svc = self.topology.service(service)
        return svc.domain if svc is not None else None

    def needs(self, service: str) -> tuple[Dependency, ...]:
        """The judged dependencies of ``service``."""
        return tuple(d for d in self._by_source.get(service, ()) if d.judged)

    def of(self, service: str) -> tuple[Dependency, ...]:
        """Every dependency of ``service``, judged or not."""
        return self._by_source.get(service, ())

    def group_of(self, service: str, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind and service in g.members), None)

    def missing_why(self, service: str) -> str:
        return "disabled in this variant" if service in self.topology.disabled else "not defined"


def build(topo: Topology, read: FileReader = read_mount, digest: Digest = content_digest) -> Graph:
    mounted: dict[tuple[str, str], tuple[MountedFile, ...]] = {}  # (service, bind source) -> its files
    for name, w in topo.wiring:
        for m in w.mounts:
            if m.kind == "bind" and m.source and (name, m.source) not in mounted:
                mounted[(name, m.source)] = tuple(read(m.source))
    files = {name: tuple(f for (svc, _), fs in mounted.items() if svc == name for f in fs) for name, _ in topo.wiring}
    proxies = {svc: tuple(p for f in fs for p in f.proxies) for svc, fs in files.items() if any(f.proxies for f in fs)}
    resolver = Resolver(topo, proxies)
    raw: list[Dependency] = []
    backends: list[Backend] = []
    unresolved: list[Unresolved] = []
    for svc in topo.services:
        startup_only = set(svc.startup_only)
        for via, refs in _written(topo, svc.name, files.get(svc.name, ())):
            targets = tuple(dict.fromkeys(t for ref in refs for t in resolver.resolve(svc.name, ref)))
            unresolved += [Unresolved(svc.name, via, str(ref), wan) for ref in refs
                           for wan in resolver.unforwarded(svc.name, ref)]  # fmt: skip
            if targets:
                raw.append(Dependency(svc.name, via, targets, startup_only=bool(startup_only & _names(targets))))
        for dep in svc.depends_on:
            only = dep in startup_only
            raw.append(Dependency(svc.name, "depends_on", (Target(dep),), judged=not only, startup_only=only))
        for f in files.get(svc.name, ()):
            if f.haproxy is not None:
                backends.extend(_backends(svc.name, f, resolver))
                unresolved += [Unresolved(svc.name, f"{f.label} backend {s.backend} server {s.name}", str(ref), wan)
                               for s in f.haproxy.servers if (ref := s.address) is not None
                               for wan in resolver.unforwarded(svc.name, ref)]  # fmt: skip
    nodes = patroni_nodes(topo, files)
    datastores = frozenset(s.name for s in topo.services if s.role == ROLE_LABEL_DATASTORE) | set(nodes)
    dcs = {svc: frozenset(t.service for ref in n.dcs for t in resolver.resolve(svc, ref)) for svc, n in nodes.items()}
    links = [(d.source, t.service) for d in raw if d.judged and d.source in datastores
             for t in d.targets if t.service in datastores]  # fmt: skip
    groups = consensus_groups(topo, files, resolver) + replication_groups(
        [s.name for s in topo.services if s.name in datastores], nodes, dcs, links
    )
    notes = tuple(n for fs in files.values() for f in fs for n in f.notes)
    digests: dict[str, str | None] = {}
    for (name, source), fs in mounted.items():
        instance = topo.service(name)
        if instance is not None and instance.capability and source not in digests:  # what the content rule compares
            digests[source] = None if _wires(name, fs, resolver) else digest(source)
    return Graph(topo, tuple(_without_peers(raw, groups)), tuple(backends), tuple(groups), datastores,
                 frozenset(proxies), notes, tuple(dict.fromkeys(unresolved)), digests)  # fmt: skip


def _wires(svc: str, files: tuple[MountedFile, ...], resolver: Resolver) -> bool:
    """Whether mounted files are configuration: a kind the lint reads, or text naming what ``svc`` reaches.

    Configuration may differ per site by design (each site's names); the dependency rules judge
    what it names. The rest is content (a runbook, static files): the content rule compares it.
    """
    return any(f.proxies or f.haproxy or f.etcd or f.patroni
               or any(resolver.resolve(svc, r) or resolver.unforwarded(svc, r) for _, refs in f.lines for r in refs)
               for f in files)  # fmt: skip


def _names(targets: tuple[Target, ...]) -> set[str]:
    return {t.service for t in targets}


def _written(topo: Topology, svc: str, files: tuple[MountedFile, ...]) -> Iterator[tuple[str, tuple[Ref, ...]]]:
    """Every failover list the service's wiring writes, with where it is written."""
    w = topo.wiring_of(svc)
    for name, value in w.environment:
        for refs in refs_in(value):
            yield name, refs
    for via, args in (("entrypoint", w.entrypoint), ("command", w.command)):
        for arg in args:
            for refs in refs_in(arg):
                yield via, refs
    for f in files:
        for line, refs in f.lines:
            yield f"{f.label}:{line}", refs
        if f.patroni is not None and f.patroni.dcs:
            yield f"{f.label} DCS hosts", f.patroni.dcs


def _backends(lb: str, f: MountedFile, resolver: Resolver) -> Iterator[Backend]:
    servers = f.haproxy.servers if f.haproxy is not None else ()
    for name in dict.fromkeys(s.backend for s in servers):
        resolved = tuple((s, resolver.resolve(lb, s.address) if s.address is not None else ())
                         for s in servers if s.backend == name)  # fmt: skip
        yield Backend(lb, name, f.label, resolved)


def _without_peers(deps: list[Dependency], groups: list[Group]) -> Iterator[Dependency]:
    """References between members of one group are the group's own traffic (see module docstring)."""
    for dep in deps:
        peers = {m for g in groups if dep.source in g.members for m in g.members}
        targets = tuple(t for t in dep.targets if t.service not in peers)
        if targets:
            yield Dependency(dep.source, dep.via, targets, dep.judged, dep.startup_only)
