"""What still runs when one site is lost, and the dependency path that explains each loss.

Vocabulary
    lost      the site whose power is cut ("" for none: what is down before any fault, e.g. a
              dependency on a disabled service).
    alive     a service runs in another domain than ``lost`` and every judged dependency has
              a target alive (through a WAN that is alive); a consensus member also needs its
              group to keep a strict majority of its declared members alive. The edge is never
              lost. Computed as a fixed point from "everything outside ``lost`` runs": each round
              removes what the previous one left without a dependency; ``died`` keeps the
              round, so an explanation always walks back to the cause.
    Path      ``chat-b -> DRILLS_DB_HOSTS -> pg-b -> DRILLS_ETCD_HOSTS -> etcd-b``: service, how
              it is wired (a via), service, ... ending at the one-site component, with why
              it is down (``in site a``, ``disabled in this variant``, ``its consensus group
              keeps 1 of 2 members``).

Lifecycle: :func:`simulate` once per (graph, lost site); :func:`explain` per dead service.
"""

from __future__ import annotations

from dataclasses import dataclass

from drills.lint.graph import Dependency, Graph
from drills.lint.resolve import Target

__all__ = ["Loss", "Path", "explain", "simulate"]


@dataclass(frozen=True)
class Loss:
    lost: str
    died: dict[str, int]  # service -> round it went down (0: lost with its site, or never runs)

    def alive(self, service: str) -> bool:
        return service not in self.died

    def reaches(self, target: Target) -> bool:
        return self.alive(target.service) and (not target.through or self.alive(target.through))


@dataclass(frozen=True)
class Path:
    hops: tuple[str, ...]
    component: str  # the last service: the one-site (or never running) component
    why: str

    def __str__(self) -> str:
        return " -> ".join(self.hops)


def simulate(graph: Graph, lost: str) -> Loss:
    services = [s.name for s in graph.topology.services]
    died: dict[str, int] = {s.name: 0 for s in graph.topology.services if s.domain == lost}
    for dep in graph.dependencies:  # targets that never run
        for t in dep.targets:
            if graph.domain(t.service) is None:
                died[t.service] = 0
    loss = Loss(lost, died)
    n = 0
    while True:
        n += 1
        down = [s for s in services
                if loss.alive(s) and (_unmet(graph, loss, s) is not None or _no_quorum(graph, loss, s))]  # fmt: skip
        if not down:
            return loss
        for s in down:
            died[s] = n


def _unmet(graph: Graph, loss: Loss, service: str) -> Dependency | None:
    return next((d for d in graph.needs(service) if not any(loss.reaches(t) for t in d.targets)), None)


def _cause(graph: Graph, loss: Loss, service: str) -> Dependency | None:
    """The unmet dependency that took ``service`` down: one whose every target was gone in an
    earlier round. A dependency unmet only later (in a cycle: two services that need each other)
    is a consequence, not the cause: following it would walk the cycle forever."""
    died = loss.died.get(service, len(loss.died) + 1)
    return next((d for d in graph.needs(service)
                 if not any(loss.reaches(t) for t in d.targets) and all(_round(loss, t) < died for t in d.targets)),
                None)  # fmt: skip


def _no_quorum(graph: Graph, loss: Loss, service: str) -> tuple[int, int] | None:
    """(members alive, size) when ``service``'s consensus group has no strict majority alive."""
    group = graph.group_of(service, "consensus")
    if group is None:
        return None
    up = sum(1 for m in group.members if loss.alive(m))
    return (up, group.size) if up * 2 <= group.size else None


def explain(graph: Graph, loss: Loss, service: str) -> Path:
    """Why ``service`` is down when ``loss.lost`` is lost: the path to the first cause."""
    hops: list[str] = []
    current = service
    seen: set[str] = set()
    while True:
        hops.append(current)
        domain = graph.domain(current)
        if domain is None:
            return Path(tuple(hops), current, graph.missing_why(current))
        if domain == loss.lost:
            return Path(tuple(hops), current, f"in site {loss.lost}")
        if current in seen:  # cannot happen (rounds strictly decrease below); a guard, never a hang
            return Path(tuple(hops), current, "a dependency cycle")
        seen.add(current)
        dep = _cause(graph, loss, current)
        if dep is None:
            group = graph.group_of(current, "consensus")
            if group is None:  # cannot happen: a service goes down for a dependency or a quorum
                return Path(tuple(hops), current, "down")
            running = sum(1 for m in group.members if loss.died.get(m) != 0)  # quorum losers still run
            return Path(tuple(hops), current,
                        f"whose {group.name} keeps {running} of {group.size} members without site {loss.lost}")
        # the alternative that went down last: the one in a surviving site, whose cause is further on
        last = max(dep.targets, key=lambda t: _round(loss, t))
        nxt = last.service if not loss.alive(last.service) else last.through
        svc = graph.topology.service(current)
        marked = svc is not None and nxt in svc.startup_only and dep.via != "depends_on"
        hops.append(dep.via + (" (startup-only label; the wiring uses it)" if marked else ""))
        current = nxt


def _round(loss: Loss, target: Target) -> int:
    """When ``target`` became unreachable: the earlier of its service's and its WAN's rounds."""
    return min(loss.died[s] for s in (target.service, target.through) if s and s in loss.died)
