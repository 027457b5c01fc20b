"""Build a scenario's ``expect:`` block into an :class:`~drills.model.expectation.Expectation`.

The schema already holds the shape (``status: failed``, each entry's ``check`` a known verdict
name); the rules here need the rest of the scenario:

    failing is empty                 a drill that must pass has no expect: block at all
    capability unknown for its check capability checks (rto_first, failover, ...): a capability
                                     the probes measure; stream checks (rpo, duplicates,
                                     split_brain): a stream the journeys or the write load
                                     write; dualization: a capability of the scenario or the
                                     topology, or * (the whole system); action checks
                                     (activation): an action the scenario declares; site
                                     checks (rejoin): a site its restore: brings back
    the same verdict twice                     (capability ``*``, any of the check's verdicts, is
                                     always allowed)

Lifecycle: called once by :func:`drills.scenario.build.build_scenario`, after the probes and
the load are built; raises ScenarioError (through ``fail``) on the first broken rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drills.checks import check_of_verdict
from drills.errors import ScenarioError
from drills.model.expectation import Expectation, ExpectedFailure
from drills.model.fields import FieldPath
from drills.model.scenario import LoadSpec, ProbeSpec
from drills.model.topology import Topology
from drills.probes import JOURNEYS
from drills.probes.load import STREAM as LOAD_STREAM

__all__ = ["build_expectation", "written_streams"]

Fail = Callable[[FieldPath, str], ScenarioError]


def written_streams(probes: ProbeSpec, load: LoadSpec) -> tuple[str, ...]:
    """The RPO ledger streams this scenario writes: its journeys' and the write load's."""
    streams = [s for j in probes.journeys if j in JOURNEYS for s in JOURNEYS[j].streams]
    streams.extend(s for d in probes.declared for s in d.streams)
    if load.writers > 0:
        streams.append(LOAD_STREAM)
    return tuple(dict.fromkeys(streams))


def _subjects(check: str, probes: ProbeSpec, load: LoadSpec, topology: Topology, actions: tuple[str, ...],
              restored: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:  # fmt: skip
    """(what the check judges, in words; the names it may be declared for)."""
    found = check_of_verdict(check)
    scope = found.scope if found is not None else "capability"
    if scope == "action":
        return "action", actions
    if scope == "site":
        return "restored site", restored
    if scope == "stream":
        return "write stream", written_streams(probes, load)
    if scope == "topology":
        return "capability", (*dict.fromkeys((*probes.capabilities, *topology.capabilities)), "*")
    return "capability", probes.capabilities


def build_expectation(
    data: dict[str, Any] | None, probes: ProbeSpec, load: LoadSpec, topology: Topology, fail: Fail,
    actions: tuple[str, ...] = (),
    restored: tuple[str, ...] = (),
) -> Expectation | None:
    """``actions``: the ids of the scenario's operator actions (what activation verdicts are named after);
    ``restored``: the sites its ``restore:`` brings back (what rejoin verdicts are named after)."""
    if data is None:
        return None
    base: FieldPath = ("expect", "failing")
    entries = data.get("failing") or []
    if not entries:
        raise fail(base, "must name at least one verdict that must fail (a drill that must pass has no expect:)")
    failing: list[ExpectedFailure] = []
    for i, entry in enumerate(entries):
        item = ExpectedFailure(str(entry["check"]), str(entry["capability"]))
        what, allowed = _subjects(item.check, probes, load, topology, actions, restored)
        if item.capability not in (*allowed, "*"):
            raise fail(base + (i, "capability"), f"unknown {what} '{item.capability}' for {item.check} "
                       f"(here {item.check} judges: {', '.join(allowed) or 'nothing'})")  # fmt: skip
        if item in failing:
            raise fail(base + (i,), f"{item.name} is declared twice (first at failing[{failing.index(item)}])")
        failing.append(item)
    return Expectation(failing=tuple(failing))
