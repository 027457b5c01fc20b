"""Dualization lint: static proof (no Docker) that every capability survives losing a site.

The reasoning lives in :mod:`drills.lint`: a dependency graph read from the real wiring
(environment, command, entrypoint, mounted HAProxy / Toxiproxy / etcd / Patroni files and any
other mounted text, networks and their aliases, named volumes), and the rules that judge it
(:data:`drills.lint.RULES`). This module turns its findings into verdicts.

Vocabulary
    finding       one rule broken: capability, rule, plain words, the dependency path
                  (``devtools-b -> DRILLS_DB_HOSTS -> devtools-db-a``), the one-site component.
    startup-only  ``depends_on`` entries listed in a service's ``org.drills.startup-only`` label:
                  they only order start-up, so that edge alone is not judged; a dependency the
                  wiring itself has on the same service is judged all the same. Every verdict's
                  details list them (``startup_only``).
    RPO target    per capability, from the scenario's ``checks.rpo.target`` (default 0): an
                  asynchronously replicated datastore fails the lint only where it is 0, and
                  only for a capability that acknowledges writes. ``read_only``: the ones that
                  do not, as the journey registry declares them (a journey with no RPO ledger
                  stream, e.g. login: :attr:`drills.model.scenario.Scenario.read_only`).
    actions       the scenario's operator actions: each must reach its tool once any site the
                  scenario cuts is lost (every site, when it cuts none): the activation-path rule
                  (:mod:`drills.lint.activation`), held against the capability the action answers.

Returns one ``Verdict(check="dualization")`` per capability: pass, or fail with every finding in
``details["findings"]`` (sentences, each ending with its path), ``details["found"]`` (rule,
message, path, component) and the first in the message; plus one for ``*`` (the system) when a
finding reaches no capability, or when the topology has fewer than two sites.

Lifecycle: called once per run before anything starts (:func:`scenario_lint`), and by
``drill lint``; the same call gives both the same verdicts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from drills.checks.base import Check, register
from drills.checks.rpo import RpoTargets
from drills.lint.catalogue import RULES
from drills.model.result import Verdict
from drills.model.scenario import ActionSpec, Scenario
from drills.model.topology import Topology

if TYPE_CHECKING:  # the graph and the rules load when a lint runs, not with the check registry
    from drills.lint.files import MountedFile
    from drills.lint.finding import Finding

__all__ = ["dualization_lint", "scenario_lint"]


def scenario_lint(scenario: Scenario) -> tuple[Verdict, ...]:
    """The dualization verdicts of a scenario: its topology, capabilities, RPO targets, and its operator
    actions against the sites its faults cut."""
    rpo = {cap: scenario.checks.for_capability(cap).get(RpoTargets).target for cap in scenario.capabilities}
    return dualization_lint(scenario.topology, scenario.capabilities, rpo, read_only=scenario.read_only,
                            actions=scenario.actions, cut_sites=scenario.cut_sites)  # fmt: skip


def dualization_lint(
    topology: Topology,
    capabilities: Sequence[str] = (),
    rpo_targets: Mapping[str, int] | None = None,
    read: Callable[[str], Iterator[MountedFile]] | None = None,
    read_only: Collection[str] = (),
    actions: Sequence[ActionSpec] = (),
    cut_sites: Sequence[str] = (),
) -> tuple[Verdict, ...]:
    """One verdict per capability (the topology's, plus any extra ``capabilities`` asked for).

    ``read``: a bind mount's source -> its files (default: the disk, :func:`drills.lint.files.read_mount`).
    ``rpo_targets``: capability -> RPO target (a capability not named: the rpo check's default).
    ``read_only``: capabilities that acknowledge no writes: no RPO target holds them.
    ``actions``, ``cut_sites``: the scenario's operator actions, judged against the sites its faults
    cut (every site when none): the activation-path rule.
    """
    caps = tuple(dict.fromkeys((*topology.capabilities, *capabilities)))
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
    from drills.lint import build, lint
    from drills.lint.files import read_mount

    targets = dict(rpo_targets or {})
    graph = build(topology, read or read_mount)
    found = lint(graph, caps, lambda cap: None if cap in read_only else targets.get(cap, RpoTargets().target),
                 actions, cut_sites)  # fmt: skip
    note: dict[str, object] = {}
    if startup := {s.name: list(s.startup_only) for s in topology.services if s.startup_only}:
        note["startup_only"] = startup
    if graph.notes:
        note["notes"] = list(graph.notes)
    system = [f for f in found if f.capability == "*"]
    verdicts = [_verdict(cap, [f for f in found if f.capability == cap], topology, note) for cap in caps]
    return tuple(verdicts + ([_verdict("*", system, topology, note)] if system else []))


def _verdict(cap: str, found: list[Finding], topology: Topology, note: dict[str, object]) -> Verdict:
    if not found:
        sites = ", ".join(topology.sites)
        return Verdict(
            check="dualization", capability=cap, status="pass",
            message=f"{cap} has an instance in every site ({sites}) and its wiring survives losing any one of them",
            measured=0.0, target=0.0, unit="count", comparison="==", details=dict(note),
        )  # fmt: skip
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    return Verdict(
        check="dualization", capability=cap, status="fail", message=found[0].text + more,
        measured=float(len(found)), target=0.0, unit="count", comparison="==",
        details={
            "findings": [f.text for f in found],
            "found": [{"rule": f.rule, "message": f.message, "path": f.path, "component": f.component} for f in found],
            **note,
        },
    )  # fmt: skip


def finding(v: Verdict) -> str:
    found = v.details.get("findings") or []
    scope = "the system" if v.capability == "*" else v.capability
    return f"{scope} is not dual-site: " + "; ".join(str(f) for f in found) if found else f"{scope} is not dual-site"


register(Check(
    "dualization", "topology", None,
    summary="Static, before anything runs (`drill lint` alone): every capability has an instance in every site, "
    "and the dependency graph read from its wiring (environment, commands, mounted configs, networks, volumes) "
    "survives losing any one site. Each finding names the capability, the dependency path and the one-site "
    "component. Rules: " + "; ".join(f"`{rule}`: {what}" for rule, what in RULES.items()) + ".",
    labels={"dualization": "dualization lint"},
    finding=finding,
))
