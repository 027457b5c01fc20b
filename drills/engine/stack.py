"""The replaceable parts of a run: its stack, its clock, its probes, their loops and its faults.

Vocabulary
    stack      the running replica of one run (one Compose project) and what reaches it (the
               engine, the WAN), seen by the lifecycle only through :class:`Stack`;
               :class:`drills.engine.compose_stack.ComposeStack` is the real one.
    probe runner  one probe sampled every period until stopped (:class:`drills.probes.ProbeLoop`).
    wiring     the seams of a run (:class:`Wiring`): clock, stack factory, probe builder, probe
               loop factory, fault factory, action factory, site-state reader. Every default is
               the real thing; unit tests pass fakes (tests/unit/engine_fakes.py), so no thread
               waits and no container exists.

Lifecycle of a stack (``run_drill`` calls it in this order; any call may raise a DrillsError)::

    stack = wiring.open_stack(scenario, run_id, project)   reach the engine; nothing created yet
    stack.sweep(stale_run_id) -> n removed                 once per stale run record
    stack.up()                                             bring the project up, wait until ready
    stack.endpoints(capabilities)                          {capability: URL of the entry point}
    stack.site_endpoints()                                 {site: {capability: URL}}: each site's own
                                                           entry points, bypassing the edge
    stack.fault_context()                                  what faults touch: Docker + WAN + topology
    stack.describe()                                       versions and images, for environment.json
    stack.logs(tail) -> {service: text}                    what each container of the run said (its last
                                                           ``tail`` lines at most), before teardown
    stack.down()                                           remove everything of the run (if up() was tried)
    stack.abandon(within) -> note                          ... at once, on an interrupt: every container
                                                           killed and removed, no stop grace period;
                                                           past ``within`` s the run's reaper finishes
                                                           it (the note says so; "" when all removed)
    stack.close()                                          release the engine connection (always)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from drills.actions import Action, make_action
from drills.adapters import site_state
from drills.engine.clock import Clock, SystemClock
from drills.engine.compose_stack import ComposeStack
from drills.faults import Fault, FaultContext, make_fault
from drills.model.scenario import ActionSpec, FaultSpec, LoadSpec, ProbeSpec, Scenario
from drills.model.timeline import ReadBack, Sink
from drills.probes import Probe, ProbeLoop, build_probes
from drills.probes.load import WriteLoad

__all__ = [
    "ActionFactory", "FaultFactory", "Load", "LoadFactory", "LoopFactory", "ProbeBuilder", "ProbeRunner",
    "SiteStateReader", "Stack", "StackFactory", "Wiring",
]  # fmt: skip


class Stack(Protocol):
    def sweep(self, run_id: str) -> int: ...

    def up(self) -> None: ...

    def endpoints(self, capabilities: Sequence[str]) -> dict[str, str]: ...

    def site_endpoints(self) -> dict[str, dict[str, str]]: ...

    def fault_context(self) -> FaultContext: ...

    def describe(self) -> dict[str, object]: ...

    def logs(self, tail: int) -> dict[str, str]: ...

    def down(self) -> None: ...

    def abandon(self, within: float) -> str: ...

    def close(self) -> None: ...


class ProbeRunner(Protocol):
    probe: Probe
    last_ok: bool | None
    count: int
    cpu_s: float

    def start(self) -> None: ...

    def join(self, timeout: float) -> None: ...


class Load(Protocol):
    """A background write load (:class:`drills.probes.load.WriteLoad`)."""

    def start(self) -> None: ...

    def join(self, timeout: float) -> None: ...

    def read_back(self) -> list[ReadBack]: ...

    def summary(self) -> dict[str, object]: ...


StackFactory = Callable[[Scenario, str, str], Stack]  # (scenario, run id, compose project name)
# (edge endpoints, timeline, clock, spec, timeout, run id, stop)
LoadFactory = Callable[[dict[str, str], Sink, Callable[[], float], LoadSpec, float, str, threading.Event], Load]
ProbeBuilder = Callable[[ProbeSpec, dict[str, str], Callable[[], float], str], list[Probe]]
# (probe, timeline, clock, period, stop, timeout): an open loop, see drills.probes.ProbeLoop
LoopFactory = Callable[[Probe, Sink, Callable[[], float], float, threading.Event, float], ProbeRunner]
FaultFactory = Callable[[FaultSpec], Fault]
ActionFactory = Callable[[ActionSpec], Action]
SiteStateReader = Callable[[FaultContext, str], site_state.SiteState]  # (faults' context, site): the rejoin phase's


def read_site_state(ctx: FaultContext, site: str) -> site_state.SiteState:
    """The real reading: the site's containers through the engine client the faults use."""
    return site_state.read_site_state(ctx.client, ctx.project, site)


@dataclass(frozen=True)
class Wiring:
    """The seams of one run; every default is the real thing."""

    clock: Clock = field(default_factory=SystemClock)
    open_stack: StackFactory = ComposeStack
    build_probes: ProbeBuilder = build_probes
    probe_loop: LoopFactory = ProbeLoop
    make_fault: FaultFactory = make_fault
    write_load: LoadFactory = WriteLoad
    make_action: ActionFactory = make_action
    read_site_state: SiteStateReader = read_site_state
