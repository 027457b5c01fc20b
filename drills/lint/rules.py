"""The dualization rules: what in the wiring graph does not survive losing one site.

Every finding names the capability, the dependency path (``devtools-b -> DRILLS_DB_HOSTS ->
devtools-db-a``) and the one-site component. The rules (``RULES``, in the order they run):

    no-instance      the capability has no instance in some site
    never-runs       an instance depends on a service that is disabled or not declared
    cross-site       an instance in site X goes down when another site is lost: it needs,
                     through its wiring, something that lives only there (or a consensus group
                     that loses its majority without it)
    unresolved       the wiring names a host that reaches the WAN where no proxy forwards it
                     (a ``-wan`` alias without its proxy): it reaches nothing at run time
    lb-one-site      a load balancer's backend sends a capability to servers in one site only
    lb-no-check      a load balancer does not health-check a backend's servers
    quorum           a consensus group loses its majority when some one site is lost
    no-replica       a datastore has no replica in another site
    async-replication  a datastore replicates asynchronously while the RPO target of a capability
                     that writes to it is 0 (``rpo_target`` None: the capability acknowledges no
                     writes, e.g. login only reads, so no RPO holds it)
    network          a site's service joins another domain's network (a path past the WAN)
    volume           a named volume of one site is mounted in another, or shared across sites
    one-site-content an instance mounts content at a path where its other sites' instances
                     mount nothing (static content, a runbook, served from one site only), or
                     bind-mount other content there (a stale copy: the sources' sha256 differ;
                     content only: a file the lint reads as wiring may differ per site)
    activation-path  an operator action of the scenario reaches its tool only through a site
                     the scenario cuts (:mod:`drills.lint.activation`)

A finding that no capability reaches (e.g. a quorum nobody uses) is the system's (``*``).

Lifecycle: :func:`lint` runs every rule on one :class:`~drills.lint.graph.Graph`; pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import PurePath

from drills.lint.activation import activation_paths
from drills.lint.catalogue import RULES
from drills.lint.finding import Finding
from drills.lint.graph import Graph
from drills.lint.survive import explain, simulate
from drills.model.scenario import ActionSpec
from drills.model.topology import EDGE, Mount, Topology

__all__ = ["RULES", "Finding", "lint"]

RpoTarget = Callable[[str], "int | None"]


class _Reach:
    """Shortest judged dependency path from a capability's instances to every service it needs."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.paths: dict[str, dict[str, tuple[str, ...]]] = {}
        for cap in graph.topology.capabilities:
            self.paths[cap] = self._bfs([s.name for s in graph.topology.services if s.capability == cap])

    def _bfs(self, starts: list[str]) -> dict[str, tuple[str, ...]]:
        seen: dict[str, tuple[str, ...]] = {s: (s,) for s in starts}
        todo = list(starts)
        while todo:
            svc = todo.pop(0)
            for dep in self.graph.needs(svc):
                for t in dep.targets:
                    if t.service not in seen:
                        seen[t.service] = (*seen[svc], dep.via, t.service)
                        todo.append(t.service)
        return seen

    def attach(self, members: Iterable[str], suffix: str = "") -> list[tuple[str, str]]:
        """(capability, path) for every capability that needs one of ``members``; else ("*", "")."""
        wanted = list(members)
        out = []
        for cap, paths in self.paths.items():
            hit = next((paths[m] for m in wanted if m in paths), None)
            if hit is not None:
                out.append((cap, " -> ".join(hit) + suffix))
        return out or [("*", " -> ".join(wanted[:1]) + suffix if suffix else "")]


def lint(graph: Graph, capabilities: Iterable[str], rpo_target: RpoTarget, actions: Sequence[ActionSpec] = (),
         cut_sites: Sequence[str] = ()) -> list[Finding]:  # fmt: skip
    """Every rule's findings; ``actions`` and ``cut_sites``: the scenario's operator actions and the sites
    its faults cut (the activation-path rule)."""
    caps = list(capabilities)
    reach = _Reach(graph)
    out: list[Finding] = []
    for cap in caps:
        out += _instances(graph, cap)
    for rule in (_unresolved, _load_balancers, _quorum, _networks, _volumes, _content):
        out += rule(graph, reach)
    out += _datastores(graph, reach, rpo_target)
    out += activation_paths(graph, actions, cut_sites, caps)
    return list(dict.fromkeys(out))


def _where(graph: Graph, svc: str) -> str:
    domain = graph.domain(svc)
    if domain is None:
        return f"not running: {graph.missing_why(svc)}"
    return "the edge" if domain == EDGE else f"site {domain}"


def _instances(graph: Graph, cap: str) -> Iterator[Finding]:
    topo = graph.topology
    instances = [s for s in topo.services if s.capability == cap and s.domain != EDGE]
    present = sorted({s.domain for s in instances})
    for site in topo.sites:
        if site not in present:
            lost = ", ".join(f"site {p}" for p in present)
            message = f"{cap} has no instance in site {site}" + (f": losing {lost} takes it down" if present else "")
            names = ", ".join(s.name for s in instances)
            yield Finding(cap, "no-instance", message, f"{cap} -> {names}" if names else "", names)
    baseline = simulate(graph, "")
    for inst in instances:
        if not baseline.alive(inst.name):
            p = explain(graph, baseline, inst.name)
            yield Finding(cap, "never-runs", f"{inst.name} (site {inst.domain}) depends on {p.component}, "
                          f"which is {p.why}", str(p), p.component)  # fmt: skip
    for site in topo.sites:
        loss = simulate(graph, site)
        for inst in instances:
            if inst.domain != site and baseline.alive(inst.name) and not loss.alive(inst.name):
                p = explain(graph, loss, inst.name)
                yield Finding(cap, "cross-site", f"losing site {site} takes {inst.name} (site {inst.domain}) down: "
                              f"it needs {p.component}, {p.why}", str(p), p.component)  # fmt: skip


def _unresolved(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    for u in graph.unresolved:
        for cap, path in reach.attach([u.source], f" -> {u.via} -> {u.name}"):
            yield Finding(cap, "unresolved", f"{u.source} ({_where(graph, u.source)}) names {u.name} in {u.via}: "
                          f"it reaches the WAN ({u.wan}), where no proxy forwards it, so it reaches nothing",
                          path, u.name)  # fmt: skip


def _load_balancers(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    topo = graph.topology
    for b in graph.backends:
        targets = [t for _, ts in b.servers for t in ts]
        caps = list(dict.fromkeys(c for t in targets if (s := topo.service(t.service)) and (c := s.capability)))
        caps = caps or ([b.name] if b.name in topo.capabilities else ["*"])
        where = f"{b.lb} -> {b.file} backend {b.name}"
        served = " | ".join(f"{s.name} -> {', '.join(t.service for t in ts) or s.address or '?'}"
                            for s, ts in b.servers)  # fmt: skip
        domains = {d for t in targets if (d := graph.domain(t.service)) is not None}
        sites = sorted(d for d in domains if d != EDGE)
        if EDGE not in domains and len(topo.sites) > 1 and len(sites) <= 1:
            gone = [t.service for t in targets if graph.domain(t.service) is None]
            why = f" ({', '.join(gone)}: {graph.missing_why(gone[0])})" if gone else ""
            to = f"only to servers in site {sites[0]}" if sites else "to no running server"
            for cap in caps:
                yield Finding(cap, "lb-one-site", f"{b.lb} sends {cap} {to}{why}", f"{where} -> {served}",
                              ", ".join(t.service for t in targets))  # fmt: skip
        unchecked = [s.name for s, _ in b.servers if not s.checked]
        if unchecked:
            for cap in caps:
                yield Finding(cap, "lb-no-check", f"{b.lb} does not health-check server(s) {', '.join(unchecked)} of "
                              f"backend {b.name}: after a site loss it keeps sending {cap} to the lost site",
                              f"{where} -> {served}", b.lb)  # fmt: skip


def _quorum(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    for g in graph.groups:
        if g.kind != "consensus":
            continue
        broken = []
        for site in graph.topology.sites:
            up = sum(1 for m in g.members if graph.domain(m) not in (None, site))
            if up * 2 <= g.size:
                broken.append(f"site {site} ({up} of {g.size} members left)")
        if broken:
            sites = sorted({d for m in g.members if (d := graph.domain(m)) and d != EDGE})
            where = ", ".join(f"{m} ({_where(graph, m)})" for m in g.members)
            for cap, path in reach.attach(g.members):
                yield Finding(cap, "quorum", f"{g.name} loses its majority when {' or '.join(broken)} is lost: "
                              f"its members are {where}", path, ", ".join(sites))  # fmt: skip


def _datastores(graph: Graph, reach: _Reach, rpo_target: RpoTarget) -> Iterator[Finding]:
    for g in graph.groups:
        if g.kind != "replication":
            continue
        domains = {d for m in g.members if (d := graph.domain(m)) is not None}
        sites = sorted(d for d in domains if d != EDGE)
        members = ", ".join(g.members)
        for cap, path in reach.attach(g.members):
            if EDGE not in domains and len(graph.topology.sites) > 1 and len(sites) <= 1:
                yield Finding(cap, "no-replica", f"datastore {members} has no replica in another site "
                              f"(only in site {', '.join(sites)})", path, members)  # fmt: skip
            elif g.synchronous is False and cap != "*" and rpo_target(cap) == 0:
                yield Finding(cap, "async-replication", f"{g.name} ({members}) replicates asynchronously ({g.how}) "
                              f"while the RPO target of {cap} is 0: writes acknowledged just before a site is lost "
                              "can be lost", path, members)  # fmt: skip


def _networks(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    domain_of = {n.name: n.domain for n in graph.topology.networks}
    for svc in graph.topology.services:
        if svc.domain == EDGE:
            continue
        for net, _ in graph.topology.wiring_of(svc.name).networks:
            other = domain_of.get(net, "")
            if other and other != svc.domain:
                where = "the edge" if other == EDGE else f"site {other}"
                for cap, path in reach.attach([svc.name], f" -> network {net}"):
                    yield Finding(cap, "network", f"{svc.name} (site {svc.domain}) joins network {net} of {where}: "
                                  "a path that bypasses the WAN", path, svc.name)  # fmt: skip


def _volumes(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    topo = graph.topology
    users: dict[str, list[str]] = {}
    for svc, w in topo.wiring:
        for m in w.mounts:
            if m.kind == "volume" and m.source:
                users.setdefault(m.source, []).append(svc)
    for vol in topo.volumes:
        used = [u for u in users.get(vol.name, []) if graph.domain(u) in topo.sites]
        if vol.domain:
            odd = [u for u in used if vol.domain in topo.sites and graph.domain(u) != vol.domain]
            message = f"volume {vol.name} of site {vol.domain} is mounted in {{}}"
        else:
            odd = used if len({graph.domain(u) for u in used}) > 1 else []
            message = f"volume {vol.name} (one volume lives in one site) is shared across sites by {{}}"
        if odd:
            names = ", ".join(f"{u} ({_where(graph, u)})" for u in odd)
            for cap, path in reach.attach(odd, f" -> volume {vol.name}"):
                yield Finding(cap, "volume", message.format(names), path, vol.name)


def _content(graph: Graph, reach: _Reach) -> Iterator[Finding]:
    topo = graph.topology
    for cap in topo.capabilities:
        instances = [s for s in topo.services if s.capability == cap and s.domain in topo.sites]
        for i, inst in enumerate(instances):
            for m in topo.wiring_of(inst.name).mounts:
                if m.kind not in ("bind", "volume") or not m.source:
                    continue
                for j, other in enumerate(instances):
                    if other.domain == inst.domain:
                        continue
                    theirs = next((x for x in topo.wiring_of(other.name).mounts if x.target == m.target), None)
                    if theirs is None:
                        source = PurePath(m.source).name if m.kind == "bind" else f"volume {m.source}"
                        yield Finding(cap, "one-site-content", f"{inst.name} (site {inst.domain}) serves {m.target} "
                                      f"from {source}, where {other.name} (site {other.domain}) mounts "
                                      "nothing", f"{inst.name} -> mount {m.target}", inst.name)  # fmt: skip
                    elif j > i and _differ(graph, m, theirs):
                        yield Finding(cap, "one-site-content", f"{inst.name} (site {inst.domain}) and {other.name} "
                                      f"(site {other.domain}) serve different content at {m.target}: "
                                      f"{_shown(topo, m.source)} and {_shown(topo, theirs.source)} differ "
                                      "(one may be a stale copy)",
                                      f"{inst.name} -> mount {m.target} | {other.name} -> mount {m.target}",
                                      f"{inst.name}, {other.name}")  # fmt: skip


def _differ(graph: Graph, mine: Mount, theirs: Mount) -> bool:
    """Two bind mounts of different sources whose content is known and not the same."""
    if mine.kind != "bind" or theirs.kind != "bind" or not theirs.source or mine.source == theirs.source:
        return False
    a, b = graph.digests.get(mine.source), graph.digests.get(theirs.source)
    return a is not None and b is not None and a != b


def _shown(topo: Topology, source: str) -> str:
    """A bind mount's source, relative to the compose file's folder when under it."""
    path, project = PurePath(source), topo.compose.resolve().parent
    return str(path.relative_to(project)) if path.is_relative_to(project) else source
