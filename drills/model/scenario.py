"""The typed, frozen model of a scenario: what the engine acts on.

Vocabulary
    Scenario     one drill: topology, probes, steady-state gate, faults, settle, checks, abort.
    Topology     what the compose file declares (see :mod:`drills.model.topology`).
    FaultSpec    one scheduled fault; ``params`` is its type's dataclass (see drills/faults/).
    ActionSpec   one operator action: its trigger (a time, or a condition on a capability's
                 signal), its activation target, and ``params``, its type's dataclass (drills/actions/).
    ActionReach  what an action needs to reach its tool while the drill runs (a capability's
                 instance, through the edge or one site's entry point; or one service of one
                 site): the dualization lint judges it against the sites the scenario cuts.
    RestoreSpec  the judged phases after the power returns: rejoin, failback (an operator
                 action back to the cut site), steady-after.
    Targets      check targets for one capability: each check's params (defaults merged with overrides).
    expect       how a known-bad scenario must fail (see :mod:`drills.model.expectation`); None: it must pass.

Lifecycle: built only by :func:`drills.scenario.load_scenario`, after the
file passed every rule; never mutated. All times are float seconds; fault and action ``at``
are offsets from the start of the fault phase.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from drills.model.durations import format_duration
from drills.model.expectation import Expectation
from drills.model.journey import JourneyDef
from drills.model.topology import Topology

__all__ = [
    "AbortRule",
    "ActionParams",
    "ActionReach",
    "ActionSpec",
    "CheckSpec",
    "CustomProbe",
    "FaultParams",
    "FaultSpec",
    "ProbeSpec",
    "Scenario",
    "SteadyState",
    "Targets",
    "Trigger",
]

@dataclass(frozen=True)
class CustomProbe:
    """A probe the scenario declares itself; ``params`` is its type's dataclass (drills/probes/custom/)."""

    name: str
    type: str
    capability: str
    params: Any = None


@dataclass(frozen=True)
class ProbeSpec:
    period: float = 0.1
    timeout: float = 2.0
    journeys: tuple[str, ...] = ()  # their names, built-in and declared; the loader defaults to every built-in one
    custom: tuple[CustomProbe, ...] = ()
    declared: tuple[JourneyDef, ...] = ()  # the journeys the scenario declares (their names are in ``journeys``)
    per_site: bool = True  # also probe each journey through each site's own entry point (bypassing the edge)
    site_period: float = 1.0  # period of those per-site probes

    def declared_journey(self, name: str) -> JourneyDef | None:
        return next((d for d in self.declared if d.name == name), None)

    @property
    def capabilities(self) -> tuple[str, ...]:
        mine = {d.name: d.capability for d in self.declared}
        seen = dict.fromkeys(mine.get(j, j) for j in self.journeys)
        seen.update(dict.fromkeys(p.capability for p in self.custom))
        return tuple(seen)


@dataclass(frozen=True)
class LoadSpec:
    """A background write load through the fault: ``writers`` clients, each sending chat messages
    one after another at up to ``rate`` per second; every write is in the RPO ledger."""

    writers: int = 4  # 0: no load
    rate: float = 10.0  # writes per second, per writer: 40/s in all, which this machine sustains


@dataclass(frozen=True)
class WanSpec:
    """The WAN's baseline, applied at bring-up and kept through the drill (re-applied after heals)."""

    inter_site_latency: float = 0.010  # one-way seconds on every link between two sites, both directions


@dataclass(frozen=True)
class SteadyState:
    duration: float = 5.0
    min_consecutive: int = 5
    timeout: float = 60.0


class FaultParams(Protocol):
    """The params of one fault type (a frozen dataclass in that type's module, drills/faults/)."""

    def describe(self) -> str:
        """What is hit, in a few words: ``site a``, ``a|b``, ``edge_a_chat``."""
        ...


@dataclass(frozen=True)
class FaultSpec:
    id: str
    type: str
    at: float
    duration: float | None
    params: FaultParams

    @property
    def heal_at(self) -> float | None:
        """Offset of this fault's own heal; None: healed by the final heal-all."""
        return None if self.duration is None else self.at + self.duration

    @property
    def target(self) -> str:
        return self.params.describe()


@dataclass(frozen=True)
class ActionReach:
    """What an action needs at run time to reach its tool, in the topology's words.

    ``kind`` capability: an instance of ``tool`` must serve the call - in ``site`` (the call goes
    to that site's own entry point), or in any site ("": through the edge). ``kind`` service: the
    compose service ``tool`` of ``site`` must run. ``also``: capabilities reached the same way on
    the way to it (the admin's login, when it is part of the call)."""

    kind: str  # "capability" | "service"
    tool: str
    site: str = ""
    also: tuple[str, ...] = ()


class ActionParams(Protocol):
    """The params of one action type (a frozen dataclass in that type's module, drills/actions/)."""

    def describe(self) -> str:
        """What it does, in a few words: ``POST /ops/failover through devtools (edge)``."""
        ...

    def limit(self) -> float:
        """The longest it can take, its own timeouts included: the runner waits no longer for it."""
        ...

    def reach(self) -> ActionReach:
        """What it needs to reach its tool while the drill runs (the dualization lint reads it)."""
        ...


@dataclass(frozen=True)
class Trigger:
    """When an action starts: ``at`` an offset from the start of the fault phase, or (``at`` None)
    once ``capability``'s edge signal has been down for ``down_for`` without a break; a condition
    that has not held by ``until`` (an offset too) is given up: the action never triggered."""

    at: float | None = None
    capability: str = ""
    down_for: float = 0.0
    until: float = 0.0
    phase: str = "fault"  # the phase ``at`` counts from (the failback's: failback)

    def describe(self) -> str:
        """``at 5s`` or ``chat down for 5s``: what the timeline record and the verdict say."""
        if self.phase != "fault":
            return f"at the start of the {self.phase} phase" + (f" +{format_duration(self.at)}" if self.at else "")
        if self.at is not None:
            return f"at {format_duration(self.at)}"
        return f"{self.capability} down for {format_duration(self.down_for)}"


@dataclass(frozen=True)
class ActionSpec:
    """One operator action; ``target``: its activation time must be within it (None: not judged)."""

    id: str
    type: str
    trigger: Trigger
    params: ActionParams
    target: float | None = None

    @property
    def what(self) -> str:
        return self.params.describe()


P = TypeVar("P")


@dataclass(frozen=True)
class Targets:
    """The check targets of one capability: one frozen params dataclass per check.

    Each check (drills/checks/<name>.py) declares its params class, with its defaults and a
    ``check`` class attribute naming it; a check whose params are absent here uses its defaults.
    """

    items: tuple[Any, ...] = ()

    @classmethod
    def of(cls, *params: Any) -> Targets:
        return cls().replace(*params)

    def get(self, kind: type[P]) -> P:
        """The ``kind`` params held here, else ``kind()`` (its defaults)."""
        for item in self.items:
            if isinstance(item, kind):
                return item
        return kind()

    def replace(self, *params: Any) -> Targets:
        """These targets with ``params`` instead of the held params of the same classes."""
        kinds = {type(p) for p in params}
        return Targets(tuple(i for i in self.items if type(i) not in kinds) + tuple(params))

    def to_dict(self) -> dict[str, Any]:
        """``{check name: {field: value}}``, as in the scenario file (for result.json)."""
        return {str(getattr(i, "check", type(i).__name__)): asdict(i) for i in self.items}


@dataclass(frozen=True)
class CheckSpec:
    defaults: Targets = field(default_factory=Targets)
    per_capability: tuple[tuple[str, Targets], ...] = ()

    def for_capability(self, capability: str) -> Targets:
        for name, targets in self.per_capability:
            if name == capability:
                return targets
        return self.defaults


@dataclass(frozen=True)
class RestoreSpec:
    """The judged way back after the power returns (a scenario's ``restore:``), played after
    heal-all in this order (drills/engine/restore.py):

        rejoin        wait, at most ``rejoin_timeout``, until every site cut is back: its datastore
                      a streaming, in-sync replica (or the primary) and all its services healthy
        settle        the scenario's settle (the failover's recovery window ends here)
        failback      optional: ``failback``, a planned switchover back to the cut site, performed
                      as an operator action (id ``failback``), then ``failback_settle`` of probing
        steady-after  ``steady_after`` of probing in which every site must serve alone
    """

    rejoin_timeout: float = 120.0
    failback: ActionSpec | None = None
    failback_settle: float = 20.0
    steady_after: float = 0.0  # 0: no steady-after phase (per_site then judges the settle)


FAILBACK_ID = "failback"  # the id of the failback action: its timeline record and activation[failback]


@dataclass(frozen=True)
class AbortRule:
    capability: str  # a capability, or "*" for any
    down_longer_than: float


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: Path
    digest: str  # sha256 hex of the file's bytes
    topology: Topology
    probes: ProbeSpec
    steady_state: SteadyState
    faults: tuple[FaultSpec, ...]
    fault_phase: float  # offset of heal-all from the start of the fault phase
    settle: float
    checks: CheckSpec
    abort: tuple[AbortRule, ...] = ()
    load: LoadSpec = field(default_factory=LoadSpec)
    wan: WanSpec = field(default_factory=WanSpec)
    expect: Expectation | None = None  # declared failure of a known-bad scenario; None: it must pass
    # capabilities (of the probes or the topology) whose journey acknowledges no writes (it declares
    # no RPO ledger stream, e.g. login): no RPO target holds them (the dualization lint's async-replication)
    read_only: tuple[str, ...] = ()
    actions: tuple[ActionSpec, ...] = ()  # operator actions, played in the fault phase next to the faults
    cut_sites: tuple[str, ...] = ()  # the sites its faults take down whole (power cuts), in fault order
    restore: RestoreSpec | None = None  # judged phases after the restore (None: settle, then verify)

    @property
    def capabilities(self) -> tuple[str, ...]:
        """Capabilities the drill measures (journeys + custom probes)."""
        return self.probes.capabilities

    def fault(self, fault_id: str) -> FaultSpec | None:
        return next((f for f in self.faults if f.id == fault_id), None)

    def action(self, action_id: str) -> ActionSpec | None:
        return next((a for a in self.actions if a.id == action_id), None)

    @property
    def all_actions(self) -> tuple[ActionSpec, ...]:
        """The fault phase's actions, then the failback (each is judged by activation[<id>])."""
        fb = self.restore.failback if self.restore is not None else None
        return self.actions + ((fb,) if fb is not None else ())
