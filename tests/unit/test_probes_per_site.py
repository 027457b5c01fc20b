"""Per-site probes: the journeys again through each site's own entry point (drills/probes/per_site.py)."""

from __future__ import annotations

from drills.model.scenario import ProbeSpec
from drills.probes import Outcome, Probe, SiteProbe, build_site_probes


def test_site_probes_are_the_journeys_again_on_each_sites_own_endpoints() -> None:
    built: list[tuple[tuple[str, ...], dict[str, str], str]] = []

    class Journey:
        def __init__(self, name: str, endpoints: dict[str, str]) -> None:
            self.name, self.capability = name, name
            self.auth = endpoints["login"]  # every journey logs in through its own site

        def sample(self) -> Outcome:
            return Outcome(True, site="a")

    def build(spec: ProbeSpec, endpoints: dict[str, str], clock: object, run_id: str) -> list[Probe]:
        built.append((spec.journeys, endpoints, run_id))
        return [Journey(j, endpoints) for j in spec.journeys]

    spec = ProbeSpec(journeys=("chat", "login", "devtools"), custom=())
    ends = {"a": {"chat": "http://a/chat", "login": "http://a/login", "devtools": "http://a/devtools"},
            "b": {"chat": "http://b/chat", "devtools": "http://b/devtools"}}  # site b has no login entry point
    probes, missing = build_site_probes(spec, ("a", "b", "c"), ends, lambda: 0.0, "r1", build)
    assert [(p.name, p.capability, p.via) for p in probes] == [
        ("chat@a", "chat", "a"), ("login@a", "login", "a"), ("devtools@a", "devtools", "a")]
    assert all(p.sample().ok for p in probes) and all(isinstance(p, SiteProbe) for p in probes)
    assert {run_id for _, _, run_id in built} == {"r1-a", "r1-b"}  # own rooms / config keys per site
    assert [(u.name, u.reason) for u in missing] == [
        ("chat@b", "site b has no entry point for login (the chat journey needs it)"),
        ("login@b", "site b has no entry point for login"),
        ("devtools@b", "site b has no entry point for login (the devtools journey needs it)"),
        ("chat@c", "site c has no entry point for chat"),
        ("login@c", "site c has no entry point for login"),
        ("devtools@c", "site c has no entry point for devtools")]
    assert probes[0].read_back() == []  # not a ledger probe: nothing to read back
