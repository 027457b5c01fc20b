"""``drill init``: propose the labels a compose file lacks, and a starter scenario, from its shape.

Nothing here edits the user's file: the labels go to an override file the scenario layers on top
(``topology.overrides``). Every guess is a :class:`Step` the command prints with its reason, so a
user can see - and correct - what was inferred:

    domain       a label already there; else the service's name (``notes-a``, ``redis_b``,
                 ``site-a-db``: site a); else the one site network it joins (``site_b``, ``net-b``);
                 else edge (the shared front door, the WAN, a witness)
    role         wan (Toxiproxy), entrypoint (a load balancer or proxy in the edge), datastore
                 (Postgres, MySQL/MariaDB, Redis, Mongo...), consensus / witness (etcd, ZooKeeper,
                 Consul, Redis Sentinel), else app (a service in a site)
    capability   an app's name without its site part (``notes-a`` -> notes)
    endpoints    the entry point's published ports, ascending, paired with the capabilities in
                 file order, when their counts match (else left out, and said)
    site endpoints  from the WAN's proxies file: a proxy from the edge to a site whose upstream is
                 an app of capability C, its listen port published -> ``<site>/C:<port>``
    run          org.drills.run: ${DRILLS_RUN_ID:-manual} on every service, network and volume

    propose(model, proxies) -> Proposal(labels per service/network/volume, steps, endpoints)
    override_yaml(proposal) / starter_scenario(...) -> the two files' text
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drills.adapters.compose_config import ComposeModel
from drills.adapters.labels import (
    CAPABILITY,
    DOMAIN,
    EDGE,
    ENDPOINTS,
    ROLE,
    RUN,
    SITE_ENDPOINTS,
    TOXIPROXY_API,
    parse_endpoints,
    parse_site_endpoints,
)
from drills.lint.contract import published_ports
from drills.model.proxies import ProxyEntry

__all__ = ["Proposal", "Step", "override_yaml", "propose", "starter_scenario"]

RUN_VALUE = "${DRILLS_RUN_ID:-manual}"
_SITE_IN_NAME = re.compile(r"(?:^|[-_])(?:site|dc|zone)?[-_]?([a-z0-9])$|^(?:site|dc|zone)[-_]?([a-z0-9])(?:[-_]|$)")
_SITE_NETWORK = re.compile(r"^(?:.*[-_])?(?:site|dc|zone)[-_]?([a-z0-9]+)$|^.*[-_]([a-z0-9])$")
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("wan", re.compile(r"toxiproxy")),
    ("consensus", re.compile(r"etcd|zookeeper|consul|sentinel")),
    ("datastore", re.compile(r"postgres|patroni|mysql|mariadb|redis|mongo|cockroach|(^|[-_/])(db|pg)([-_:]|$)")),
    ("entrypoint", re.compile(r"haproxy|nginx|traefik|envoy|caddy|(^|[-_/])(lb|proxy|gateway|ingress)([-_:]|$)")),
)


@dataclass(frozen=True)
class Step:
    subject: str  # a service, "network x", "volume x", or "*"
    what: str  # e.g. "domain a", "role app", "endpoints chat:8081"
    why: str

    @property
    def text(self) -> str:
        return f"{self.subject}: {self.what} ({self.why})"


@dataclass
class Proposal:
    services: dict[str, dict[str, str]] = field(default_factory=dict)  # service -> labels to add
    networks: dict[str, dict[str, str]] = field(default_factory=dict)
    volumes: dict[str, dict[str, str]] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    sites: tuple[str, ...] = ()
    endpoints: dict[str, int] = field(default_factory=dict)  # capability -> entry point container port
    site_endpoints: dict[tuple[str, str], int] = field(default_factory=dict)
    health_paths: dict[str, str] = field(default_factory=dict)  # capability -> a path its healthcheck asks

    def say(self, subject: str, what: str, why: str) -> None:
        self.steps.append(Step(subject, what, why))


def _site_of(name: str) -> str:
    m = _SITE_IN_NAME.search(name.lower())
    return (m.group(1) or m.group(2)) if m else ""


def _site_among(name: str, sites: Sequence[str]) -> str:
    """The one known site among the parts of ``name`` (``pg-a-data`` -> a), else ""."""
    parts = set(re.split(r"[-_.]", name.lower()))
    found = [s for s in sites if s in parts]
    return found[0] if len(found) == 1 else ""


def _kind(name: str, spec: Mapping[str, Any]) -> str:
    """What a service is, from its name, else from its image - the product at the start of the
    image's own name (``redis:7``, ``bitnami/postgresql``; not ``shop/notes-redis-app``)."""
    by_name = next((kind for kind, pattern in _KINDS if pattern.search(name.lower())), "")
    if by_name:
        return by_name
    image = str(spec.get("image") or "").lower().rsplit("/", 1)[-1].split(":", 1)[0]
    return next((kind for kind, pattern in _KINDS if (m := pattern.search(image)) and m.start() == 0), "")


def _capability(name: str, site: str) -> str:
    base = re.sub(rf"(?:^|[-_])(?:site|dc|zone)?[-_]?{re.escape(site)}$", "", name)
    base = re.sub(rf"^(?:site|dc|zone)[-_]?{re.escape(site)}[-_]", "", base)
    return re.sub(r"[^a-z0-9-]", "-", base.lower()).strip("-") or name.lower()


def _networks(spec: Mapping[str, Any]) -> list[str]:
    return [str(n) for n in spec.get("networks") or {}]  # a mapping or a list: its names either way


def _health_path(spec: Mapping[str, Any]) -> str:
    """The HTTP path a service's healthcheck asks: from a URL in it, else (exec form) the first
    argument after the program that is an absolute path (``http-ok 8080 /ready``)."""
    test = (spec.get("healthcheck") or {}).get("test")
    text = " ".join(str(t) for t in test) if isinstance(test, list) else str(test or "")
    m = re.search(r"https?://[^/\s\"']+(/[^\s\"']*)", text)
    if m:
        return m.group(1)
    if isinstance(test, list) and test[:1] == ["CMD"]:
        return next((str(t) for t in test[2:] if re.fullmatch(r"/[A-Za-z0-9._~/-]*", str(t))), "")
    return ""


def propose(model: ComposeModel, proxies: Callable[[str], Sequence[ProxyEntry]] | None = None,
            order: Sequence[str] = ()) -> Proposal:  # fmt: skip
    """The labels ``model`` lacks, with the reason for each guess. ``proxies``: a WAN service's name ->
    the entries of the proxies file it loads (none: no site endpoints are inferred); ``order``: the
    services in the order the file declares them (Compose's model sorts them by name)."""
    out = Proposal()
    names = [n for n in order if n in model.services] + [n for n in model.services if n not in order]
    model = ComposeModel(services={n: model.services[n] for n in names}, disabled=model.disabled,
                         reader=model.reader, networks=model.networks, volumes=model.volumes)  # fmt: skip
    have = {n: model.labels(n) for n in model.services}
    site_nets = {n: s for n in model.networks if (s := _network_site(n, model.networks[n]))}
    domains: dict[str, str] = {}
    guessed: list[tuple[str, str]] = []
    for name, spec in model.services.items():
        labels = out.services.setdefault(name, {})
        if RUN not in have[name]:
            labels[RUN] = RUN_VALUE
        if have[name].get(DOMAIN):
            domains[name] = have[name][DOMAIN]
            continue
        site = _site_of(name)
        why = f"its name ends in {site!r}" if site else ""
        if not site:
            joined = {site_nets[n] for n in _networks(spec) if n in site_nets}
            if len(joined) == 1:
                site = joined.pop()
                why = f"it joins only site {site}'s network"
        domains[name] = site or EDGE
        labels[DOMAIN] = domains[name]
        guessed.append((name, why))
    for name, why in guessed:  # a site holds several services: a lone "-w" is a witness, not a site
        site = domains[name]
        reason = why or "no site in its name or networks: the shared edge"
        if site != EDGE and sum(d == site for d in domains.values()) < 2 and site not in site_nets.values():
            domains[name] = out.services[name][DOMAIN] = EDGE
            reason = f"the only service ending in {site!r}: not a site"
        out.say(name, f"domain {domains[name]}", reason)
    out.sites = tuple(sorted({d for d in domains.values() if d != EDGE}))
    caps: dict[str, str] = {}  # service -> capability
    for name, spec in model.services.items():
        labels = out.services[name]
        role = have[name].get(ROLE) or ""
        if not role:
            kind = _kind(name, spec)
            in_site = domains[name] != EDGE
            if kind == "consensus" and not in_site:
                role, why = "witness", "a consensus member in the edge: the tie-breaker"
            elif kind == "entrypoint" and in_site:
                role, why = "app", "a proxy inside a site serves that site"
            elif kind:
                role, why = kind, f"its name or image says {kind}"
            elif in_site:
                role, why = "app", "a service in a site"
            else:
                role, why = "", ""
            if role:
                labels[ROLE] = role
                out.say(name, f"role {role}", why)
        if role == "wan" and TOXIPROXY_API not in have[name]:
            argv = [str(a) for a in (spec.get("command") or [])]
            port = next((a.split("=", 1)[1] for a in argv if a.lstrip("-").startswith("port=")), "8474")
            if port.isdigit() and int(port) in published_ports(spec):
                labels[TOXIPROXY_API] = port
                out.say(name, f"toxiproxy-api {port}", "Toxiproxy's API port, published")
        cap = have[name].get(CAPABILITY, "")
        if not cap and role == "app":
            cap = _capability(name, domains[name])
            labels[CAPABILITY] = cap
            out.say(name, f"capability {cap}", "its name without the site")
        if cap:
            caps[name] = cap
            out.health_paths[cap] = out.health_paths.get(cap) or _health_path(spec)
    _entry(model, have, out, caps)
    _site_entries(model, have, out, caps, domains, proxies)
    for kind, declared, dest in (("network", model.networks, out.networks), ("volume", model.volumes, out.volumes)):
        for name, spec in declared.items():
            if (isinstance(spec, Mapping) and spec.get("external")) or (kind == "network" and name == "default"):
                continue
            raw = spec.get("labels") if isinstance(spec, Mapping) else None
            lab = {str(k): str(v) for k, v in (raw or {}).items()} if isinstance(raw, Mapping) else {}
            add: dict[str, str] = {} if RUN in lab else {RUN: RUN_VALUE}
            if not lab.get(DOMAIN):
                site = site_nets.get(name, "") if kind == "network" else _site_among(name, out.sites)
                add[DOMAIN] = site or EDGE
                out.say(f"{kind} {name}", f"domain {add[DOMAIN]}", f"its name ends in {site!r}" if site else
                        "no site in its name: the edge")  # fmt: skip
            if add:
                dest[name] = add
    return out


def _network_site(name: str, spec: Any) -> str:
    raw = spec.get("labels") if isinstance(spec, Mapping) else None
    if isinstance(raw, Mapping) and raw.get(DOMAIN):
        return str(raw[DOMAIN]) if raw[DOMAIN] != EDGE else ""
    m = _SITE_NETWORK.match(name.lower())
    return (m.group(1) or m.group(2)) if m else ""


def _entry(model: ComposeModel, have: Mapping[str, Mapping[str, str]], out: Proposal,
           caps: Mapping[str, str]) -> None:  # fmt: skip
    wanted = list(dict.fromkeys(caps.values()))
    for labels in have.values():
        if ENDPOINTS in labels:
            with contextlib.suppress(ValueError):  # a broken label: the contract lint words it
                out.endpoints.update(parse_endpoints(labels[ENDPOINTS]))
    if out.endpoints:
        return
    entries = [n for n in model.services if (have[n].get(ROLE) or out.services[n].get(ROLE)) == "entrypoint"]
    if len(entries) != 1:
        out.say("*", "no endpoints", f"{len(entries)} entry point(s) found: label the front door {ENDPOINTS} "
                "'<capability>:<container port>,...' yourself")  # fmt: skip
        return
    ports = sorted(published_ports(model.services[entries[0]]))
    if len(ports) != len(wanted) or not wanted:
        out.say(entries[0], "no endpoints", f"it publishes {len(ports)} port(s) for {len(wanted)} capability(ies): "
                f"label it {ENDPOINTS} '<capability>:<container port>,...' yourself")  # fmt: skip
        return
    out.endpoints = dict(zip(wanted, ports, strict=True))
    value = ",".join(f"{c}:{p}" for c, p in out.endpoints.items())
    out.services[entries[0]][ENDPOINTS] = value
    out.say(entries[0], f"endpoints {value}", "its published ports in ascending order, paired with the capabilities "
            "in file order: a guess - check it")  # fmt: skip


def _site_entries(model: ComposeModel, have: Mapping[str, Mapping[str, str]], out: Proposal,
                  caps: Mapping[str, str], domains: Mapping[str, str],
                  proxies: Callable[[str], Sequence[ProxyEntry]] | None) -> None:  # fmt: skip
    wans = [n for n in model.services if (have[n].get(ROLE) or out.services[n].get(ROLE)) == "wan"]
    if len(wans) != 1:
        return
    wan = wans[0]
    if SITE_ENDPOINTS in have[wan]:
        with contextlib.suppress(ValueError):
            out.site_endpoints = parse_site_endpoints(have[wan][SITE_ENDPOINTS], domains[wan])
        return
    if proxies is None:
        return
    published = published_ports(model.services[wan])
    found: dict[tuple[str, str], int] = {}
    for p in proxies(wan):
        parts = p.name.split("_")
        if len(parts) < 3 or parts[0] != EDGE or parts[1] not in out.sites or not p.enabled:
            continue
        upstream = p.upstream.rsplit(":", 1)[0]
        cap = caps.get(upstream)
        if cap and domains.get(upstream) == parts[1] and p.listen_port in published:
            found.setdefault((parts[1], cap), p.listen_port)
    if found:
        out.site_endpoints = found
        value = ",".join(f"{s}/{c}:{port}" for (s, c), port in sorted(found.items()))
        out.services[wan][SITE_ENDPOINTS] = value
        out.say(wan, f"site endpoints {value}", "its proxies from the edge to each site's app, ports published")


def override_yaml(p: Proposal, compose_name: str) -> str:
    """The override file: only what the proposal adds, as Compose merges it onto ``compose_name``."""
    lines = [f"# Proposed by `drill init` for {compose_name}: the labels drills reads (docs/your-stack.md).",
             "# Compose merges this file onto yours (the scenario lists it under topology.overrides); your file is",
             "# unchanged. Every guess is printed by drill init with its reason: check them, then edit freely.",
             "services:"]  # fmt: skip
    for name, labels in p.services.items():
        if labels:
            lines += [f"  {_key(name)}:", "    labels:"] + [f"      {k}: {_quote(v)}" for k, v in labels.items()]
    for kind, declared in (("networks", p.networks), ("volumes", p.volumes)):
        if declared:
            lines.append(f"{kind}:")
            for name, labels in declared.items():
                lines += [f"  {_key(name)}:", "    labels:"] + [f"      {k}: {_quote(v)}" for k, v in labels.items()]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_.-]+", name) else _quote(name)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def starter_scenario(p: Proposal, name: str, compose: str, override: str) -> str:
    """A first scenario: one declared journey per entry point (a GET of the path its healthcheck
    asks, else /), site ``a`` (the first site) powered off for 30 s, the core checks."""
    site = p.sites[0] if p.sites else "a"
    journeys = []
    for cap in p.endpoints:
        path = p.health_paths.get(cap) or "/"
        journeys += [f"    - name: {_slug(cap)}-starter", f"      capability: {cap}", "      steps:",
                     f"        - {{name: get, path: {_quote(path)}, expect: [200]}}  # TODO: edit"]  # fmt: skip
    if not journeys:
        journeys = ["    []  # TODO: declare a journey per entry point (docs/your-stack.md)"]
    per_site = "{enabled: true}" if p.site_endpoints else "{enabled: false}  # no per-site entry points were found"
    return "\n".join([
        f"# A starter drill written by `drill init` for {compose}. Edit the journeys first: each GETs one",
        "# path; a real journey logs in, writes with a unique id and reads it back (docs/your-stack.md).",
        f"name: {_slug(name)}",
        "description: >-",
        f"  Site {site} loses power 3 s into the fault phase for 30 s; every capability must keep",
        "  serving from the other site.",
        f"topology: {{compose: {_quote(compose)}, overrides: [{_quote(override)}]}}",
        "probes:",
        "  period: 200ms",
        "  timeout: 2s",
        f"  per_site: {per_site}",
        "  journeys:",
        *journeys,
        "load: {writers: 0}  # the background write load is the reference messenger's chat",
        "steady_state: {duration: 3s, min_consecutive: 5, timeout: 120s}",
        "faults:",
        f"  - {{id: cut-{site}, type: power_cut, site: {site}, at: 3s, duration: 30s}}",
        "settle: 10s",
        "checks:",
        "  availability: {target: 0.5}",
        "  max_outage: {target: 20s}",
        "  rto: {target: 20s, stable_for: 5s}",
        "  failover: {enabled: true}  # declare site: in a journey to also judge surviving_sites",
        "",
    ])  # fmt: skip


def _slug(text: str) -> str:
    """A scenario or journey name: lowercase letters, digits, . _ - (what the schema allows)."""
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "stack"


def default_override_name(compose: Path) -> str:
    return f"{compose.stem}.drills.yml"
