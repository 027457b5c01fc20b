"""The labels contract: what a compose file must say for drills to drill it (docs/your-stack.md).

Read from Compose's merged model alone (no labels assumed, no Docker engine), so it works on a
file nobody has labelled yet and reports every missing piece at once, each with its fix:

    service     org.drills.domain (a site, or edge), org.drills.run (sweeping a killed run),
                a known org.drills.role, org.drills.in-sync on a datastore (the rejoin check)
    topology    at least two sites; app services with org.drills.capability; one entry point
                labelled org.drills.endpoints whose ports are published; every capability served
                there; a WAN (Toxiproxy, org.drills.role: wan) with its API published and a
                proxies file loaded with -config (power cuts cut links, partition and wan faults);
                each site's own entry point per capability in org.drills.site-endpoints (per_site)
    resources   networks and named volumes labelled with their domain (the dualization lint
                judges only what it can place)

    contract_findings(model) -> [ContractFinding]      (subject, rule, message, fix)

The same vocabulary is in :mod:`drills.adapters.labels`; ``drill init`` proposes the labels a
finding asks for (:mod:`drills.init`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from drills.adapters.compose_config import ComposeModel
from drills.adapters.labels import (
    CAPABILITY,
    DOMAIN,
    EDGE,
    ENDPOINTS,
    IN_SYNC,
    ROLE,
    RUN,
    SITE_ENDPOINTS,
    TOXIPROXY_API,
    parse_endpoints,
    parse_site_endpoints,
)

__all__ = ["ROLES", "ContractFinding", "contract_findings", "published_ports"]

ROLES = ("app", "datastore", "consensus", "witness", "entrypoint", "wan")
RUN_LABEL_FIX = (
    "add org.drills.run: ${DRILLS_RUN_ID:-manual} to its labels (one YAML anchor for every service, network and volume)"
)


@dataclass(frozen=True)
class ContractFinding:
    subject: str  # a service, "network <name>", "volume <name>", or "*" (the whole file)
    rule: str
    message: str
    fix: str

    @property
    def text(self) -> str:
        return f"{self.subject}: {self.message}; fix: {self.fix}"


def published_ports(service: Mapping[str, Any]) -> set[int]:
    """The container ports ``service`` publishes on the host (long or short syntax)."""
    out: set[int] = set()
    for p in service.get("ports") or ():
        if isinstance(p, Mapping):
            target = p.get("target")
            if target is not None:
                out.add(int(target))
            continue
        text = str(p).split("/", 1)[0]
        last = text.rsplit(":", 1)[-1]
        if "-" in last:  # a range: 8000-8002
            lo, _, hi = last.partition("-")
            if lo.isdigit() and hi.isdigit():
                out.update(range(int(lo), int(hi) + 1))
        elif last.isdigit():
            out.add(int(last))
    return out


def _args(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [str(v) for v in value or ()]


def contract_findings(model: ComposeModel) -> list[ContractFinding]:
    """Every piece of the contract ``model`` lacks, in file order (services first)."""
    return list(_services(model)) + list(_topology(model)) + list(_resources(model))


def _services(model: ComposeModel) -> Iterator[ContractFinding]:
    for name in model.services:
        lab = model.labels(name)
        if not lab.get(DOMAIN):
            yield ContractFinding(name, "domain", f"no {DOMAIN} label: drills cannot tell which site it is in",
                                  f"label it {DOMAIN}: <site> (a site name such as a or b; edge for the entry "
                                  "point, the WAN and a witness)")  # fmt: skip
        if RUN not in lab:
            yield ContractFinding(name, "run", f"no {RUN} label: a run whose runner was killed leaves it behind",
                                  RUN_LABEL_FIX)  # fmt: skip
        role = lab.get(ROLE, "")
        if role and role not in ROLES:
            yield ContractFinding(name, "role", f"{ROLE} {role!r} is not a role drills knows",
                                  f"one of {', '.join(ROLES)}")  # fmt: skip
        if role == "datastore" and not lab.get(IN_SYNC):
            yield ContractFinding(name, "in-sync", f"a datastore without {IN_SYNC}: after a restore the rejoin "
                                  "check cannot ask whether this member caught up",
                                  f"label it {IN_SYNC}: <a command run inside it that exits 0 when it is the "
                                  "primary or an in-sync replica, its last line saying why not>")  # fmt: skip


def _topology(model: ComposeModel) -> Iterator[ContractFinding]:
    lab = {name: model.labels(name) for name in model.services}
    domains = {n: v.get(DOMAIN, "") for n, v in lab.items()}
    sites = sorted({d for d in domains.values() if d and d != EDGE})
    if len(sites) < 2:
        yield ContractFinding("*", "sites", f"{len(sites)} site(s) ({', '.join(sites) or 'none'}): a site loss "
                              "needs another site to fail over to",
                              f"label each site's services {DOMAIN}: a / b (the shared front door: edge)")  # fmt: skip
    apps = {n: v[CAPABILITY] for n, v in lab.items() if v.get(CAPABILITY)}
    if not apps:
        yield ContractFinding("*", "capability", "no service is labelled with a capability: nothing to probe",
                              f"label each app service {CAPABILITY}: <what users do with it>")  # fmt: skip
    yield from _entry_points(model, lab, apps)
    yield from _wan(model, lab, apps, domains)


def _entry_points(model: ComposeModel, lab: Mapping[str, Mapping[str, str]],
                  apps: Mapping[str, str]) -> Iterator[ContractFinding]:  # fmt: skip
    served: dict[str, str] = {}
    entries = [n for n, v in lab.items() if ENDPOINTS in v]
    for name in entries:
        try:
            ends = parse_endpoints(lab[name][ENDPOINTS])
        except ValueError as exc:
            yield ContractFinding(name, "endpoints", str(exc), f"{ENDPOINTS}: '<capability>:<container port>,...'")
            return  # what it serves is unknown: no "capability has no entry point" on top
        published = published_ports(model.services[name])
        for cap, port in ends.items():
            served.setdefault(cap, name)
            if port not in published:
                yield ContractFinding(name, "endpoint-port", f"{cap}'s entry point, container port {port}, is not "
                                      "published: probes cannot reach it from the host",
                                      f"ports: ['127.0.0.1::{port}'] (an ephemeral host port on loopback)")  # fmt: skip
    if apps and not entries:
        yield ContractFinding("*", "entrypoint", f"no service is labelled {ENDPOINTS}: the probes have no way in",
                              f"label the front door (the edge load balancer) {ENDPOINTS}: "
                              f"'{','.join(f'{c}:<port>' for c in dict.fromkeys(apps.values()))}' and publish those "
                              "ports")  # fmt: skip
        return
    for cap in dict.fromkeys(apps.values()):
        if cap not in served:
            yield ContractFinding("*", "endpoint-missing", f"capability {cap} has no entry point: no journey can "
                                  "reach it", f"add {cap}:<port> to {ENDPOINTS} on the entry point")  # fmt: skip
    for cap, name in served.items():
        if cap not in apps.values():
            yield ContractFinding(name, "endpoint-unknown", f"{ENDPOINTS} names {cap}, which no service is "
                                  f"labelled {CAPABILITY}: {cap}: the lint cannot judge it",
                                  f"label the services behind it {CAPABILITY}: {cap}")  # fmt: skip


def _wan(model: ComposeModel, lab: Mapping[str, Mapping[str, str]], apps: Mapping[str, str],
         domains: Mapping[str, str]) -> Iterator[ContractFinding]:  # fmt: skip
    wans = [n for n, v in lab.items() if v.get(ROLE) == "wan"]
    if not wans:
        yield ContractFinding("*", "wan", "no WAN (a service labelled org.drills.role: wan): a power cut kills a "
                              "site's containers but cuts none of its links, and the partition and wan faults "
                              "have nothing to act on",
                              "run Toxiproxy as the WAN: org.drills.role: wan, org.drills.toxiproxy-api: '8474' "
                              "(published), -config <proxies file>; route every cross-site connection through a "
                              "proxy named <from>_<to>_<what>")  # fmt: skip
        return
    name = wans[0]
    spec = model.services[name]
    api = lab[name].get(TOXIPROXY_API, "")
    if not api.isdigit():
        yield ContractFinding(name, "wan-api", f"the WAN has no {TOXIPROXY_API} label: faults cannot reach "
                              "Toxiproxy's API", f"label it {TOXIPROXY_API}: '8474' and publish that port")  # fmt: skip
    elif int(api) not in published_ports(spec):
        yield ContractFinding(name, "wan-api", f"Toxiproxy's API (container port {api}) is not published",
                              f"ports: ['127.0.0.1::{api}']")
    argv = _args(spec.get("entrypoint")) + _args(spec.get("command"))
    if not any(a.lstrip("-").startswith("config") for a in argv):
        yield ContractFinding(name, "wan-config", "the WAN loads no proxies file (-config): drills reads the "
                              "links a fault can cut from that file", "command: ['-host=0.0.0.0', "
                              "'-config=/etc/toxiproxy/proxies.json'] with the file bind-mounted there")  # fmt: skip
    yield from _site_endpoints(model, lab, apps, domains)


def _site_endpoints(model: ComposeModel, lab: Mapping[str, Mapping[str, str]], apps: Mapping[str, str],
                    domains: Mapping[str, str]) -> Iterator[ContractFinding]:  # fmt: skip
    have: set[tuple[str, str]] = set()
    for name, v in lab.items():
        if SITE_ENDPOINTS not in v:
            continue
        try:
            ends = parse_site_endpoints(v[SITE_ENDPOINTS], domains.get(name, ""))
        except ValueError as exc:
            yield ContractFinding(name, "site-endpoints", str(exc),
                                  f"{SITE_ENDPOINTS}: '<site>/<capability>:<container port>,...'")
            continue
        published = published_ports(model.services[name])
        for (site, cap), port in ends.items():
            have.add((site, cap))
            if port not in published:
                yield ContractFinding(name, "site-endpoint-port", f"site {site}'s own entry point for {cap} "
                                      f"(container port {port}) is not published",
                                      f"ports: ['127.0.0.1::{port}']")  # fmt: skip
    wanted = sorted({(domains.get(n, ""), cap) for n, cap in apps.items()} - {("", c) for c in apps.values()})
    for site, cap in wanted:
        if site and site != EDGE and (site, cap) not in have:
            yield ContractFinding("*", "site-endpoint", f"site {site} has no entry point of its own for {cap}: the "
                                  f"per_site check cannot ask whether site {site} serves {cap} by itself",
                                  f"a WAN proxy edge_{site}_{cap}-direct to site {site}'s {cap} service, listed as "
                                  f"'{site}/{cap}:<its listen port>' in {SITE_ENDPOINTS} on the WAN, "
                                  "port published")  # fmt: skip


def _resources(model: ComposeModel) -> Iterator[ContractFinding]:
    for kind, declared in (("network", model.networks), ("volume", model.volumes)):
        for name, spec in _declared(declared):
            if isinstance(spec, Mapping) and spec.get("external"):
                continue
            raw = (spec or {}).get("labels") if isinstance(spec, Mapping) else None
            lab = {str(k): str(v) for k, v in (raw or {}).items()} if isinstance(raw, Mapping) else {}
            if kind == "network" and name == "default":
                continue
            if not lab.get(DOMAIN):
                yield ContractFinding(f"{kind} {name}", f"{kind}-domain", f"no {DOMAIN} label: the dualization "
                                      f"lint cannot tell which site the {kind} belongs to",
                                      f"labels: {{{DOMAIN}: <site or edge>}}")  # fmt: skip
            if RUN not in lab:
                yield ContractFinding(f"{kind} {name}", "run", f"no {RUN} label: a killed run leaves it behind",
                                      RUN_LABEL_FIX)  # fmt: skip


def _declared(declared: Mapping[str, Any] | Sequence[Any]) -> list[tuple[str, Any]]:
    if isinstance(declared, Mapping):
        return [(str(k), v) for k, v in declared.items()]
    return []
