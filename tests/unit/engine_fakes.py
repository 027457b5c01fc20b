"""Fakes for the drill lifecycle: a stepping clock, a world of fake probes and faults, a fake stack.

    World                  shared state: which capabilities are down, what happened when
      .clock               SteppingClock: a FakeClock whose sleep plays the probe samples that
                           fall due, in time order, on the caller's thread (no threads, no waiting);
                           each sample records its tick as ``intended`` (fake probes answer at once)
      .build_probes        fake journeys: ok unless their capability is down; chat keeps a ledger
      .make_fault          fake faults scripted per id (FaultScript): how long inject/heal take on
                           the fake clock, which capabilities go down, which call raises
      .make_action         fake operator actions scripted per id (ActionScript): their outcome, an
                           error they raise, a condition they wait for (real time, in their thread)
      .stack               FakeStack: records every call, raises where told
      .wiring()            a Wiring with all of the above
    run_scenario(tmp_path, yaml, world)   load the YAML (unit-test repo) and run_drill it with the fakes
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from drills.actions import Action, ActionContext, ActionOutcome
from drills.adapters.site_state import SiteState
from drills.engine import lifecycle
from drills.engine.clock import FakeClock
from drills.engine.lifecycle import run_drill
from drills.engine.progress import LiveState
from drills.engine.stack import Wiring
from drills.faults import Fault, FaultContext
from drills.model.result import DrillResult
from drills.model.scenario import ActionSpec, FaultSpec, LoadSpec, ProbeSpec, Scenario
from drills.model.timeline import ReadBack, Sink, Timeline, Write, read_timeline
from drills.probes import Outcome, Probe, ProbeLoop
from drills.scenario import load_scenario


class SteppedLoop(ProbeLoop):
    """A ProbeLoop whose samples are taken by the SteppingClock instead of a thread."""

    def __init__(self, clock: SteppingClock, probe: Probe, sink: Sink, now: Callable[[], float], period: float,
                 stop: threading.Event, timeout: float = 2.0) -> None:  # fmt: skip
        super().__init__(probe, sink, now, period, stop, timeout, max_samples=10_000)
        self.fake_clock = clock
        self.next_at = float("inf")
        self.joined = False

    def start(self) -> None:
        self.announce()
        self.next_at = self.fake_clock.monotonic()  # like the thread: the first sample right away
        self.fake_clock.loops.append(self)

    def join(self, timeout: float) -> None:
        self.joined = True

    def due_by(self, t: float) -> bool:
        return not self.stop.is_set() and self.ticks < self.max_samples and self.next_at <= t

    def now_of(self, monotonic: float) -> float:
        """The run's time (``self.clock``) of a fake monotonic instant."""
        return self.clock() + (monotonic - self.fake_clock.monotonic())


class SteppingClock(FakeClock):
    def __init__(self) -> None:
        super().__init__()
        self.loops: list[SteppedLoop] = []
        self.slept = 0.0
        self.late_every = 0  # >0: every Nth tick starts two periods after it was due (a runner short of CPU)

    def sleep(self, seconds: float) -> None:
        self.slept += max(0.0, seconds)
        end = self.monotonic() + max(0.0, seconds)
        while due := [lp for lp in self.loops if lp.due_by(end)]:
            lp = min(due, key=lambda x: x.next_at)
            self.advance(max(0.0, lp.next_at - self.monotonic()))
            lp.ticks += 1
            late = self.late_every and lp.ticks % self.late_every == 0
            intended = lp.next_at - (2 * lp.period if late else 0.0)
            lp.sample_once(lp.now_of(intended))  # a fake probe answers at once: never overloaded
            lp.next_at += lp.period
        self.advance(max(0.0, end - self.monotonic()))

    def probe_loop(self, probe: Probe, sink: Sink, now: Callable[[], float], period: float,
                   stop: threading.Event, timeout: float = 2.0) -> SteppedLoop:  # fmt: skip
        return SteppedLoop(self, probe, sink, now, period, stop, timeout)


@dataclass
class FakeProbe:
    """A journey that succeeds unless its capability is down (``world.down`` / ``world.down_until``)."""

    name: str
    capability: str
    world: World

    def error(self) -> str | None:
        error = self.world.down.get(self.capability)
        until, why = self.world.down_until.get(self.capability, (0.0, ""))
        if error is None and self.world.clock.monotonic() < until:
            error = why
        return error

    def sample(self) -> Outcome:
        error = self.error()
        return Outcome(error is None, error or "", "b")


@dataclass
class FakeLedgerProbe(FakeProbe):
    """The chat journey: one write per sample (acked when up); reads back all but ``world.lost``."""

    key: str = "room"
    writes: list[Write] = field(default_factory=list)

    def sample(self) -> Outcome:
        error = self.error()
        w = Write(t=round(self.world.clock.monotonic(), 4), stream="chat", key=self.key,
                  id=f"{self.key}-m{len(self.writes)}",
                  acked=error is None, site="b", primary="pg-b")  # fmt: skip
        self.writes.append(w)
        return Outcome(error is None, error or "", "b", (w,))

    def read_back(self) -> list[ReadBack]:
        kept = [w.id for w in self.writes if w.acked and w.id not in self.world.lost]
        return [ReadBack(t=round(self.world.clock.monotonic(), 4), stream="chat", key=self.key, ids=tuple(kept))]


@dataclass
class FaultScript:
    """How a fake fault behaves (times are on the fake clock)."""

    inject_takes: float = 0.0
    heal_takes: float = 0.0
    downs: dict[str, str] = field(default_factory=dict)  # capability -> error while injected
    inject_error: BaseException | None = None
    heal_error: BaseException | None = None


@dataclass
class FakeFault:
    spec: FaultSpec
    world: World

    def _act(self, action: str, takes: float, error: BaseException | None) -> None:
        self.world.log.append((action, self.spec.id, self.world.clock.monotonic()))
        self.world.clock.sleep(takes)
        if error is not None:
            raise error

    def inject(self, ctx: FaultContext) -> None:
        script = self.world.scripts.get(self.spec.id, FaultScript())
        self.world.down.update(script.downs)
        self._act("inject", script.inject_takes, script.inject_error)

    def heal(self, ctx: FaultContext) -> None:
        script = self.world.scripts.get(self.spec.id, FaultScript())
        self._act("heal", script.heal_takes, script.heal_error)
        for cap in script.downs:
            self.world.down.pop(cap, None)


@dataclass
class ActionScript:
    """How a fake action behaves. ``wait_for``: it answers only once this holds (polled in real time
    in its own thread, for at most ``patience`` seconds; then it fails saying so)."""

    outcome: ActionOutcome = field(default_factory=lambda: ActionOutcome(True, status=200))
    error: BaseException | None = None
    wait_for: Callable[[], bool] | None = None
    patience: float = 5.0
    answered: threading.Event = field(default_factory=threading.Event)  # set once perform() returned or raised
    downs: dict[str, float] = field(default_factory=dict)  # capability -> seconds it is down once performed


@dataclass
class FakeAction:
    spec: ActionSpec
    world: World

    def perform(self, ctx: ActionContext) -> ActionOutcome:
        script = self.world.action_scripts.get(self.spec.id, ActionScript())
        self.world.log.append(("action", self.spec.id, self.world.clock.monotonic()))
        for cap, seconds in script.downs.items():
            self.world.down_until[cap] = (self.world.clock.monotonic() + seconds, "HTTP 503 (switchover)")
        try:
            if script.wait_for is not None:
                deadline = time.monotonic() + script.patience
                while not script.wait_for():
                    if time.monotonic() > deadline:
                        return ActionOutcome(False, "gave up waiting (fake action)")
                    time.sleep(0.001)
            if script.error is not None:
                raise script.error
            return script.outcome
        finally:
            script.answered.set()


class FakeLoad:
    """The background write load: counts its calls, writes nothing (its writes are tested on their own)."""

    def __init__(self, world: World, spec: LoadSpec) -> None:
        self.world, self.spec = world, spec
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")

    def join(self, timeout: float) -> None:
        self.calls.append("join")

    def read_back(self) -> list[ReadBack]:
        self.calls.append("read_back")
        return []

    def summary(self) -> dict[str, object]:
        return {"writers": self.spec.writers}


class FakeWan:
    def __init__(self, world: World) -> None:
        self.world = world
        self.toxics: list[tuple[str, str, str, dict[str, int], str]] = []

    def add_toxic(self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "") -> None:
        self.toxics.append((link, name, kind, attributes, stream))

    def reset(self) -> None:
        self.world.log.append(("wan.reset", "*", self.world.clock.monotonic()))
        if (exc := self.world.stack.errors.get("wan.reset")) is not None:
            raise exc


class FakeStack:
    """Records each call as (name, fake time); ``errors[name]`` is raised by that call."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.calls: list[str] = []
        self.errors: dict[str, BaseException] = {}
        self.hooks: dict[str, Callable[[], None]] = {}
        self.opened_with: tuple[str, str] = ("", "")
        self.wan = FakeWan(world)
        self.sigint_at_down: Any = None
        self.swept: list[str] = []
        self.abandon_within: float | None = None
        self.handed_over = ""  # what abandon() returns: the note of a removal left to the reaper

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if (hook := self.hooks.get(name)) is not None:
            hook()
        if (exc := self.errors.get(name)) is not None:
            raise exc

    def sweep(self, run_id: str) -> int:
        self.swept.append(run_id)
        self._call("sweep")
        return 3

    def up(self) -> None:
        self._call("up")

    def endpoints(self, capabilities: Sequence[str]) -> dict[str, str]:
        self._call("endpoints")
        return {cap: f"http://fake/{cap}" for cap in capabilities}

    def site_endpoints(self) -> dict[str, dict[str, str]]:
        """Every site serves every capability of the world by itself unless ``world.site_missing``."""
        self._call("site_endpoints")
        caps = ("chat", "login", "devtools")
        return {site: {c: f"http://fake-{site}/{c}" for c in caps if (site, c) not in self.world.site_missing}
                for site in self.world.sites}  # fmt: skip

    def fault_context(self) -> FaultContext:
        self._call("fault_context")
        return FaultContext(cast(Any, None), "fake", cast(Any, self.wan), cast(Any, None))

    def describe(self) -> dict[str, object]:
        self._call("describe")
        return {"fake": True, **self.world.described}

    def logs(self, tail: int) -> dict[str, str]:
        self._call("logs")
        return {"pg-a": f"pg-a said this (last {tail} lines)\n"}

    def down(self) -> None:
        self.sigint_at_down = signal.getsignal(signal.SIGINT)
        self._call("down")

    def abandon(self, within: float) -> str:
        self.sigint_at_down = signal.getsignal(signal.SIGINT)
        self.abandon_within = within
        self._call("abandon")
        return self.handed_over

    def close(self) -> None:
        self._call("close")


class RecordingProgress:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.states: list[LiveState] = []
        self.closed = False

    def update(self, state: LiveState) -> None:
        self.states.append(state)

    def message(self, text: str) -> None:
        self.messages.append(text)

    def close(self) -> None:
        self.closed = True


class World:
    def __init__(self) -> None:
        self.clock = SteppingClock()
        self.down: dict[str, str] = {}
        self.down_until: dict[str, tuple[float, str]] = {}  # capability -> (fake time it comes up, error)
        self.lost: set[str] = set()  # write ids the fake service "loses" (read back without them)
        self.log: list[tuple[str, str, float]] = []  # (action, fault id, fake monotonic time)
        self.scripts: dict[str, FaultScript] = {}
        self.action_scripts: dict[str, ActionScript] = {}
        self.probes: list[FakeProbe] = []
        self.stack = FakeStack(self)
        self.open_error: BaseException | None = None
        self.sites: tuple[str, ...] = ("a", "b")
        self.site_missing: set[tuple[str, str]] = set()  # (site, capability) without an entry point
        self.load: FakeLoad | None = None
        # the rejoin phase: site -> seconds after its first reading that it reads ready (absent: at once;
        # None: never); every reading, as (site, fake time, the faults' context it was given)
        self.ready_after: dict[str, float | None] = {}
        self.described: dict[str, object] = {}  # more of the stack's describe(), e.g. {"reaper": "off: ..."}
        self.site_reads: list[tuple[str, float, FaultContext]] = []

    def open_stack(self, scenario: Scenario, run_id: str, project: str) -> FakeStack:
        self.stack.opened_with = (run_id, project)
        if self.open_error is not None:
            raise self.open_error
        return self.stack

    def build_probes(self, spec: ProbeSpec, endpoints: dict[str, str], clock: Callable[[], float],
                     run_id: str) -> list[Probe]:  # fmt: skip
        # the first call builds the edge probes; later ones (run id "<run>-<site>") the per-site ones,
        # each chat ledger in a room of its own
        room = "room" if not self.probes else f"room-{run_id}"
        made: list[FakeProbe] = [FakeLedgerProbe(j, j, self, key=room) if j == "chat" else FakeProbe(j, j, self)
                                 for j in spec.journeys]  # fmt: skip
        self.probes.extend(made)
        return list(made)

    def make_fault(self, spec: FaultSpec) -> Fault:
        return FakeFault(spec, self)

    def make_action(self, spec: ActionSpec) -> Action:
        return FakeAction(spec, self)

    def write_load(self, endpoints: dict[str, str], sink: Sink, clock: Callable[[], float], spec: LoadSpec,
                   timeout: float, run_id: str, stop: threading.Event) -> FakeLoad:  # fmt: skip
        self.load = FakeLoad(self, spec)
        return self.load

    def read_site_state(self, ctx: FaultContext, site: str) -> SiteState:
        now = self.clock.monotonic()
        self.site_reads.append((site, now, ctx))
        first = next(t for s, t, _ in self.site_reads if s == site)
        after = self.ready_after.get(site, 0.0)
        if after is not None and now - first >= after:
            return SiteState(True, f"pg-{site}: synchronous standby, streaming; 5 of 5 services healthy")
        return SiteState(False, f"pg-{site}: neither the primary nor the synchronous standby; 5 of 5 services healthy")

    def wiring(self) -> Wiring:
        return Wiring(clock=self.clock, open_stack=self.open_stack, build_probes=self.build_probes,
                      probe_loop=self.clock.probe_loop, make_fault=self.make_fault,
                      write_load=self.write_load, make_action=self.make_action,
                      read_site_state=self.read_site_state)  # fmt: skip


REPO = Path(__file__).parent / "data" / "repo"


def load(tmp_path: Path, body: str) -> Scenario:
    path = tmp_path / "scenario.yaml"
    path.write_text(body)
    return load_scenario(path, repo_root=REPO)


def run_scenario(tmp_path: Path, body: str, world: World, progress: RecordingProgress | None = None) -> DrillResult:
    return run_drill(load(tmp_path, body), tmp_path / "bundle", progress or RecordingProgress(), wiring=world.wiring())


def saved(tmp_path: Path) -> Timeline:
    """The timeline :func:`run_scenario` saved, read back from its file."""
    return read_timeline(tmp_path / "bundle" / "timeline.jsonl")


# -- `drill run` through drills.cli.main, on these fakes -------------------------------------------

SHORT_CUT = """\
probes: {period: 1s, timeout: 1s, journeys: [chat, login, devtools]}
steady_state: {duration: 2s, min_consecutive: 2, timeout: 10s}
faults:
  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 4s}
fault_phase: 10s
settle: 3s
checks: {failover: {enabled: false}}  # a short cut on a fake engine: failover is not what is tested
"""  # a scenario's body after its name and description: site a loses power for 4 s


def cli_world(tmp_path: Path, monkeypatch: Any) -> World:
    """A World that ``drills.cli.main(["run", ...])`` drives: the lifecycle wired to it, the cwd a
    repo holding the unit-test topology (scenario files written there find it as their root)."""
    monkeypatch.setenv("DRILLS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("COLUMNS", "400")  # rich wraps long lines (the evidence path) at the terminal width
    repo = tmp_path / "repo"
    repo.mkdir()
    for item in REPO.iterdir():
        (repo / item.name).symlink_to(item)
    monkeypatch.chdir(repo)
    w = World()
    monkeypatch.setattr(lifecycle, "run_drill", functools.partial(run_drill, wiring=w.wiring()))
    return w
