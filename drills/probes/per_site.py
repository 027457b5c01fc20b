"""Per-site probes: each journey again, through each site's own entry point (bypassing the edge).

The edge hides a site that can no longer serve a capability by itself as long as the other site
can. A per-site probe asks each site directly, so the result can say, per site and capability,
whether the site serves it alone before the cut and after the restore (the ``per_site`` check).

    SiteProbe(probe, site)   a journey built on one site's endpoints; named ``<journey>@<site>``,
                             its samples carry ``via=<site>`` (the edge's carry ``via=""``) so no
                             capability check mixes them with the edge's
    build_site_probes(...)   one SiteProbe per (site, journey) the site has entry points for, and
                             one ``Unprobed`` per (site, journey) it has not, with the reason

A per-site journey writes to its own room / config key (its run id is ``<run id>-<site>``), so
its RPO ledger never shares a key with the edge journey's (the read-back of a key is one
journey's view of it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from drills.model.scenario import ProbeSpec
from drills.model.timeline import ReadBack
from drills.probes.base import LedgerProbe, Outcome, Probe

__all__ = ["SiteProbe", "Unprobed", "build_site_probes", "site_probe_name"]

# (spec, endpoints, clock, run id) -> probes: the same builder the edge probes come from
Builder = Callable[[ProbeSpec, dict[str, str], Callable[[], float], str], list[Probe]]


def site_probe_name(journey: str, site: str) -> str:
    return f"{journey}@{site}"


class SiteProbe:
    """``probe``, sampled through ``site``'s own entry point."""

    def __init__(self, probe: Probe, site: str) -> None:
        self.inner, self.via = probe, site
        self.name = site_probe_name(probe.name, site)
        self.capability = probe.capability

    def sample(self) -> Outcome:
        return self.inner.sample()

    def read_back(self) -> list[ReadBack]:
        return self.inner.read_back() if isinstance(self.inner, LedgerProbe) else []


@dataclass(frozen=True)
class Unprobed:
    """A (site, journey) pair that cannot be probed, and why (e.g. no entry point for it there)."""

    journey: str
    site: str
    reason: str

    @property
    def name(self) -> str:
        return site_probe_name(self.journey, self.site)


def build_site_probes(
    spec: ProbeSpec, sites: Sequence[str], site_endpoints: Mapping[str, Mapping[str, str]],
    clock: Callable[[], float], run_id: str, build: Builder,
) -> tuple[list[SiteProbe], list[Unprobed]]:  # fmt: skip
    """Every journey of ``spec`` for every site, built by ``build`` on that site's endpoints.

    Custom probes stay edge-only: their URLs are the scenario's, not a site's."""
    probes: list[SiteProbe] = []
    missing: list[Unprobed] = []
    for site in sites:
        endpoints = dict(site_endpoints.get(site, {}))
        for journey in spec.journeys:
            declared = spec.declared_journey(journey)
            capability = journey if declared is None else declared.capability
            if capability not in endpoints:
                missing.append(Unprobed(journey, site, f"site {site} has no entry point for {capability}"))
                continue
            one = replace(spec, journeys=(journey,), custom=())
            try:
                made = build(one, endpoints, clock, f"{run_id}-{site}")
            except KeyError as exc:  # the journey needs another capability's entry point (login)
                missing.append(Unprobed(journey, site, f"site {site} has no entry point for {exc.args[0]}"
                                        f" (the {journey} journey needs it)"))  # fmt: skip
                continue
            probes.extend(SiteProbe(p, site) for p in made)
    return probes, missing
