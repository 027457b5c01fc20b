"""The activation-path rule: an operator action whose tool does not survive the loss it answers.

An operator action (the scenario's ``actions:``) is what the on-call engineer does during the
outage, through a tool (:class:`drills.model.scenario.ActionReach`): a capability's API, through
the edge or one site's own entry point (with the login service on the way, unless the admin
logged in before the faults), or a command run in one service of one site. In 2022 the standby
did not activate because that tool lived in the site that burned. The rule asks, for each site
the scenario cuts (every site when it cuts none, as the other rules do): once that site is lost
(:func:`drills.lint.survive.simulate`), does the tool still run?

    through the edge        an instance of the capability in another site survives the loss
    through site S          S is not the lost site, and an instance of the capability in S
                            survives the loss (its entry point serves that site's instance only)
    in a service of site S  S is not the lost site, and that service survives the loss

If not, the action cannot run when it is needed:

    activate-b calls devtools through site b, where devtools has no instance (it runs only in
    site a): losing site a leaves no way to activate   (path: activate-b -> devtools (site b) -> devtools-a)

Which capability it is held against: the one the action answers - its ``when:`` capability (the
outage the engineer reacts to) - or, for an action timed with ``at:``, every capability the
scenario judges. One finding per action and lost site: the first unreachable hop.

Lifecycle: :func:`activation_paths`, called by :func:`drills.lint.rules.lint`; pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from drills.lint.finding import Finding
from drills.lint.graph import Graph
from drills.lint.survive import Loss, explain, simulate
from drills.model.scenario import ActionReach, ActionSpec

__all__ = ["RULE", "activation_paths"]

RULE = "activation-path"
Hop = tuple[str, str, str]  # (what is wrong, path, one-site component)


def activation_paths(graph: Graph, actions: Sequence[ActionSpec], cut_sites: Sequence[str],
                     capabilities: Sequence[str]) -> Iterator[Finding]:  # fmt: skip
    if not actions:
        return
    losses = [simulate(graph, site) for site in (list(cut_sites) or list(graph.topology.sites))]
    for spec in actions:
        reach = spec.params.reach()
        answers = [spec.trigger.capability] if spec.trigger.at is None else list(capabilities)
        for loss in losses:
            hop = _first_lost_hop(graph, loss, spec.id, reach)
            if hop is None:
                continue
            what, path, component = hop
            for cap in answers:
                yield Finding(cap, RULE, f"{spec.id} {what}: losing site {loss.lost} leaves no way to activate",
                              path, component)  # fmt: skip


def _first_lost_hop(graph: Graph, loss: Loss, aid: str, reach: ActionReach) -> Hop | None:
    if reach.kind == "service":
        return _service(graph, loss, aid, reach)
    for tool, verb in (*((a, "needs") for a in reach.also), (reach.tool, "calls")):  # the login first
        hop = _capability(graph, loss, aid, tool, reach.site, verb)
        if hop is not None:
            return hop
    return None


def _capability(graph: Graph, loss: Loss, aid: str, cap: str, site: str, verb: str) -> Hop | None:
    topo = graph.topology
    where = f"site {site}" if site else "the edge"
    instances = [s for s in topo.services if s.capability == cap and s.domain in topo.sites]
    if site and site == loss.lost:
        return (f"{verb} {cap} through site {site}, the site that is lost", f"{aid} -> {cap} ({where})",
                f"site {site}")  # fmt: skip
    candidates = [s for s in instances if s.domain != loss.lost and (not site or s.domain == site)]
    if any(loss.alive(s.name) for s in candidates):
        return None
    names = ", ".join(s.name for s in instances)
    if not candidates:
        runs = sorted({s.domain for s in instances})
        only = f"it runs only in {', '.join(f'site {d}' for d in runs)}" if runs else "it runs nowhere"
        if site:
            what = f"{verb} {cap} through site {site}, where {cap} has no instance ({only})"
        else:
            what = f"{verb} {cap} through the edge, but {only}"
        return what, f"{aid} -> {cap} ({where}) -> {names or 'no instance'}", names or cap
    p = explain(graph, loss, candidates[0].name)
    what = (f"{verb} {cap} through {where}, but losing site {loss.lost} takes {candidates[0].name} "
            f"(site {candidates[0].domain}) down too: it needs {p.component}, {p.why}")  # fmt: skip
    return what, f"{aid} -> {cap} ({where}) -> {p}", p.component


def _service(graph: Graph, loss: Loss, aid: str, reach: ActionReach) -> Hop | None:
    svc = reach.tool
    if reach.site == loss.lost:
        return f"runs in {svc} (site {reach.site}), the site that is lost", f"{aid} -> {svc}", svc
    if loss.alive(svc):
        return None
    p = explain(graph, loss, svc)
    return (f"runs in {svc} (site {reach.site}), which goes down too: it needs {p.component}, {p.why}",
            f"{aid} -> {p}", p.component)  # fmt: skip
