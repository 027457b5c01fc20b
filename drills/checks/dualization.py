"""Dualization lint: static proof (no Docker) that every capability survives losing a site.

Vocabulary
    instance     an enabled service labelled with a capability, in one site.
    counterpart  the same role in another site. Two services are counterparts when they
                 share ``org.drills.capability``, else ``org.drills.role``, else the same
                 name once the site token is removed (``pg-a`` ~ ``pg-b``, ``a_pg`` ~ ``b_pg``).
    edge         never cut by a site power cut, so depending on it is fine here.
    startup-only a ``depends_on`` entry listed in the service's ``org.drills.startup-only``
                 label: it only orders start-up (e.g. a standby waits for the first primary
                 to bootstrap) and is skipped; the pass/fail message's details list them.

Rules, per capability:
    1. it has an instance in EVERY site;
    2. no instance depends (transitively, via ``depends_on``) on a service in another site;
    3. no instance depends on a single-site service, i.e. a site service without a
       counterpart in every other site;
    4. no instance depends on a service that is disabled or missing.

Returns one ``Verdict(check="dualization")`` per capability: pass, or fail with every
finding in ``details["findings"]`` and the first one in the message.
"""

from __future__ import annotations

import re

from drills.checks.base import Check, register
from drills.model.result import Verdict
from drills.model.topology import EDGE, Service, Topology

__all__ = ["counterpart_key", "dualization_lint"]


def counterpart_key(service: Service) -> str:
    """What a service *is*, independent of its site (see module docstring)."""
    if service.capability:
        return "capability:" + service.capability
    if service.role:
        return "role:" + service.role
    tokens = [t for t in re.split(r"[-_.]", service.name) if t != service.domain]
    return "name:" + "-".join(tokens)


def _closure(svc: Service, topo: Topology) -> tuple[list[Service], list[str]]:
    """Transitive dependencies of ``svc`` (found services, names missing or disabled)."""
    found: dict[str, Service] = {}
    missing: list[str] = []
    todo = [d for d in svc.depends_on if d not in svc.startup_only]
    while todo:
        name = todo.pop(0)
        if name in found or name in missing:
            continue
        dep = topo.service(name)
        if dep is None:
            missing.append(name)
            continue
        found[name] = dep
        todo.extend(d for d in dep.depends_on if d not in dep.startup_only)
    return list(found.values()), missing


def _findings(cap: str, topo: Topology) -> list[str]:
    out: list[str] = []
    instances = [s for s in topo.services if s.capability == cap and s.domain != EDGE]
    present = sorted({s.domain for s in instances})
    for site in topo.sites:
        if site not in present:
            if present:
                lost = ", ".join(f"site {p}" for p in present)
                out.append(f"{cap} has no instance in site {site}: losing {lost} takes it down")
            else:
                out.append(f"{cap} has no instance in site {site}")
    keys_by_site: dict[str, set[str]] = {site: set() for site in topo.sites}
    for s in topo.services:
        if s.domain in keys_by_site:
            keys_by_site[s.domain].add(counterpart_key(s))
    for inst in instances:
        deps, missing = _closure(inst, topo)
        for name in missing:
            why = "disabled in this variant" if name in topo.disabled else "not defined"
            out.append(f"{inst.name} (site {inst.domain}) depends on {name}, which is {why}")
        for dep in deps:
            if dep.domain == EDGE:
                continue
            if dep.domain != inst.domain:
                out.append(
                    f"{inst.name} (site {inst.domain}) depends on {dep.name} in site {dep.domain}: "
                    f"losing site {dep.domain} takes {cap} in site {inst.domain} down"
                )
                continue
            key = counterpart_key(dep)
            lacking = [s for s in topo.sites if s != dep.domain and key not in keys_by_site[s]]
            if lacking:
                out.append(
                    f"{inst.name} depends on {dep.name}, which exists only in site {dep.domain} "
                    f"(no counterpart in site {', '.join(lacking)})"
                )
    return list(dict.fromkeys(out))


def dualization_lint(topology: Topology, capabilities: tuple[str, ...] = ()) -> tuple[Verdict, ...]:
    """One verdict per capability (the topology's, plus any extra ``capabilities`` asked for)."""
    caps = tuple(dict.fromkeys((*topology.capabilities, *capabilities)))
    verdicts: list[Verdict] = []
    if len(topology.sites) < 2:
        sites = ", ".join(topology.sites) or "none"
        return (
            Verdict(
                check="dualization",
                capability="*",
                status="fail",
                message=f"the topology has {len(topology.sites)} site(s) ({sites}): nothing can survive losing one",
                measured=float(len(topology.sites)),
                target=2.0,
                unit="count",
                comparison=">=",
            ),
        )
    skipped = {s.name: list(s.startup_only) for s in topology.services if s.startup_only}
    for cap in caps:
        findings = _findings(cap, topology)
        sites = ", ".join(topology.sites)
        note = {"startup_only_skipped": skipped} if skipped else {}
        if findings:
            more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
            verdicts.append(
                Verdict(
                    check="dualization",
                    capability=cap,
                    status="fail",
                    message=findings[0] + more,
                    measured=float(len(findings)),
                    target=0.0,
                    unit="count",
                    comparison="==",
                    details={"findings": findings, **note},
                )
            )
        else:
            verdicts.append(
                Verdict(
                    check="dualization",
                    capability=cap,
                    status="pass",
                    message=f"{cap} has an instance in every site ({sites}) and depends on nothing single-site",
                    measured=0.0,
                    target=0.0,
                    unit="count",
                    comparison="==",
                    details=dict(note),
                )
            )
    return tuple(verdicts)


def finding(v: Verdict) -> str:
    found = v.details.get("findings") or []
    scope = "the system" if v.capability == "*" else v.capability
    return f"{scope} is not dual-site: " + "; ".join(str(f) for f in found) if found else f"{scope} is not dual-site"


register(Check(
    "dualization", "topology", None,
    summary="Static, before anything runs: every capability has an instance in every site and depends "
    "on nothing that lives in one site only.",
    labels={"dualization": "dualization lint"},
    finding=finding,
))
