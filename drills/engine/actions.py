"""Operator actions in the fault phase: when each is due, its own thread, its one timeline record.

    ActionSchedule   pure: which actions are due, and which are given up, at a run time ``now``
                       at     due once the fault phase is ``at`` old
                       when   due once its capability's edge signal has not been up for
                              ``down_for`` (``since``: the start of the trailing span in which it
                              was not up, as the abort rules read it: drills.checks.down_since);
                              given up ("never triggered") once the fault phase is ``until`` old
    ActionRun        one action performing in a daemon thread: a slow tool never stalls the
                     probes, the fault plan or abort judging. It appends its record when it
                     returns; the runner may stop waiting first (abandon: a record saying so),
                     and a late answer is then dropped - one record per action, always
    ActionRunner     what the runner holds during the fault phase. Created when the phase
                     starts: it makes every action's performer then, and lets each that
                     prepares (:class:`drills.actions.Prepares`, e.g. an early login) begin:

        poll(now)        each pass of the plan's loop: start what is due (conditions read at
                         most once a tick), record what is given up
        next_at()        the run time of the next at-trigger, so the loop wakes for it
        give_up(now)     at the end of the fault phase: a record for each action never triggered
        settle(wait, stopped)   at the end of the fault phase: give up what never triggered,
                         await each run still performing until its deadline (its start + the
                         longest its type can take + GRACE_S), then abandon it
        in_flight()      the runs still performing
        abandon(why)     a record for each run still performing (teardown, Ctrl-C, a deadline)

The runner (runner.py) keeps the fault phase open while an action performs, each until its
deadline, then plays heal-all. On every other path (an abort, an error, Ctrl-C) heal-all does not
wait for it: the lifecycle abandons whatever still performs before teardown, so neither heal-all
nor teardown ever waits on a tool.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from drills.actions import Action, ActionContext, ActionOutcome, Prepares
from drills.adapters.container_exec import ContainerExec
from drills.checks import down_since
from drills.faults import FaultContext
from drills.model.durations import format_duration
from drills.model.scenario import ActionSpec
from drills.model.timeline import ActionEvent, Sink, Timeline, TimelineClosed

__all__ = ["GRACE_S", "ActionRun", "ActionRunner", "ActionSchedule", "action_context"]

GRACE_S = 1.0  # past an action's own timeouts, how long the runner still waits for its answer
JOIN_S = 0.05  # awaiting an action, each tick first gives its answer this long (real time) before the clock moves
EPSILON_S = 1e-6
Since = Callable[[str, float], float | None]  # (capability, down_for) -> start of its trailing not-up span, or None


@dataclass
class ActionSchedule:
    """The actions not yet due; ``start``: the run time the fault phase started."""

    specs: Sequence[ActionSpec]
    start: float
    pending: list[ActionSpec] = field(init=False)

    def __post_init__(self) -> None:
        self.pending = list(self.specs)

    def next_at(self) -> float | None:
        ats = [self.start + s.trigger.at for s in self.pending if s.trigger.at is not None]
        return min(ats, default=None)

    def watching(self) -> bool:
        """Some pending action waits for a condition."""
        return any(s.trigger.at is None for s in self.pending)

    def poll(self, now: float, since: Since | None) -> tuple[list[ActionSpec], list[ActionSpec]]:
        """(due now, given up now), each taken off ``pending``. ``since`` None: conditions are not read
        this time (only times are), so none is given up either."""
        due: list[ActionSpec] = []
        expired: list[ActionSpec] = []
        elapsed = now - self.start + EPSILON_S
        for spec in list(self.pending):
            tr = spec.trigger
            if tr.at is not None:
                fire = elapsed >= tr.at
            elif since is not None:
                down = since(tr.capability, tr.down_for)
                fire = down is not None and now - down + EPSILON_S >= tr.down_for
            else:
                fire = False
            if fire:
                due.append(spec)
            elif tr.at is None and since is not None and elapsed >= tr.until:  # given up only when just read
                expired.append(spec)
            else:
                continue
            self.pending.remove(spec)
        return due, expired


class ActionRun:
    """One action performing in its own daemon thread; exactly one record, whoever writes it first."""

    def __init__(self, spec: ActionSpec, action: Action, ctx: ActionContext, sink: Sink, now: Callable[[], float],
                 triggered: float) -> None:  # fmt: skip
        self.spec, self.action, self.ctx, self.sink, self.now = spec, action, ctx, sink, now
        self.triggered = triggered
        self.t = now()
        self.deadline = self.t + spec.params.limit() + GRACE_S
        self._lock = threading.Lock()
        self._recorded = False
        self._done = threading.Event()
        self.thread = threading.Thread(target=self._perform, name=f"action {spec.id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    @property
    def finished(self) -> bool:
        """Its record is written (or dropped: the timeline was closed)."""
        return self._done.is_set()

    def join(self, timeout: float) -> bool:
        """Wait (real time) up to ``timeout`` for its record; True when it is written."""
        return self._done.wait(timeout)

    def abandon(self, why: str) -> None:
        """Stop waiting: record it as still running (``end`` None) unless it already answered."""
        self._record(ActionOutcome(False, why), None)

    def _perform(self) -> None:
        try:
            outcome = self.action.perform(self.ctx)
        except Exception as exc:  # noqa: BLE001 - a tool that raises is a failed action (data), never a crash
            outcome = ActionOutcome(False, f"{type(exc).__name__}: {exc}")
        self._record(outcome, self.now())

    def _record(self, outcome: ActionOutcome, end: float | None) -> None:
        with self._lock:
            if self._recorded:
                return
            self._recorded = True
        s = self.spec
        try:
            self.sink.append(ActionEvent(
                t=round(self.t, 4), id=s.id, type=s.type, trigger=s.trigger.describe(), what=s.what,
                triggered_t=round(self.triggered, 4), end=None if end is None else round(end, 4), ok=outcome.ok,
                error=outcome.error, target=s.target, status=outcome.status, exit_code=outcome.exit_code,
                output=outcome.output,
            ))  # fmt: skip
        except TimelineClosed:
            pass  # the drill ended before the answer came: the saved file stays as judged
        finally:
            self._done.set()


class ActionRunner:
    """The scenario's actions during one fault phase (see the module docstring)."""

    def __init__(self, specs: Sequence[ActionSpec], start: float, make: Callable[[ActionSpec], Action],
                 ctx: ActionContext, sink: Sink, snapshot: Callable[[], Timeline], now: Callable[[], float],
                 tick: float) -> None:  # fmt: skip
        self.schedule = ActionSchedule(specs, start)
        self.ctx, self.sink, self.snapshot, self.now, self.tick = ctx, sink, snapshot, now, tick
        self.runs: list[ActionRun] = []
        self.read_at = float("-inf")  # when the conditions were last read
        self.performers = {spec.id: _made(make, spec) for spec in specs}
        for action in self.performers.values():
            if isinstance(action, Prepares):
                try:
                    action.prepare(ctx)
                except Exception as exc:  # noqa: BLE001 - a preparation that breaks must not stop the fault phase
                    self.performers[action.spec.id] = _Failed(action.spec, f"could not prepare it: "
                                                              f"{type(exc).__name__}: {exc}")  # fmt: skip

    def next_at(self) -> float | None:
        return self.schedule.next_at()

    def poll(self, now: float) -> list[ActionRun]:
        """Start every action due at ``now``; record those given up. Returns the runs started."""
        since: Since | None = None
        if self.schedule.watching() and now - self.read_at + EPSILON_S >= self.tick:
            self.read_at = now
            since = self._since(now)
        due, expired = self.schedule.poll(now, since)
        for spec in expired:
            tr = spec.trigger
            self._never(spec, now, f"{tr.capability} was not down for {format_duration(tr.down_for)} by "
                        f"{format_duration(tr.until)} into the fault phase")  # fmt: skip
        return [self._start(spec, now) for spec in due]

    def give_up(self, now: float) -> None:
        """The fault phase ends: every action not triggered yet never will be."""
        for spec in self.schedule.pending:
            tr = spec.trigger
            why = (f"{tr.capability} was not down for {format_duration(tr.down_for)} before the fault phase ended"
                   if tr.at is None else "the fault phase ended before it was due")  # fmt: skip
            self._never(spec, now, why)
        self.schedule.pending.clear()

    def settle(self, wait: Callable[[float], None], stopped: Callable[[], bool]) -> None:
        """The fault phase ends: give up every action not triggered, then await each one still performing
        until its deadline and abandon it past that. ``wait(seconds)`` moves the run's clock (probes
        sample, abort rules are judged); ``stopped()``: the drill aborted, stop waiting."""
        self.give_up(self.now())
        while (left := self.in_flight()) and not stopped():
            if late := [r for r in left if self.now() >= r.deadline - EPSILON_S]:
                for r in late:
                    r.abandon(f"still running {format_duration(self.now() - r.t)} after it started, past its own "
                              "timeouts: given up")  # fmt: skip
                continue
            left[0].join(JOIN_S)  # an answer due any moment is taken before the clock moves on
            wait(max(0.0, min(self.tick, min(r.deadline for r in left) - self.now())))

    def in_flight(self) -> list[ActionRun]:
        return [r for r in self.runs if not r.finished]

    def abandon(self, why: str) -> None:
        for run in self.in_flight():
            run.abandon(why)

    def _since(self, now: float) -> Since:
        """The start of each capability's trailing not-up span, read from one snapshot taken on first use."""
        taken: list[Timeline] = []

        def since(capability: str, down_for: float) -> float | None:
            if not taken:
                taken.append(self.snapshot())
            return down_since(taken[0], capability, now, look_back=down_for + 1.0)

        return since

    def _start(self, spec: ActionSpec, now: float) -> ActionRun:
        run = ActionRun(spec, self.performers[spec.id], self.ctx, self.sink, self.now, now)
        self.runs.append(run)
        run.start()
        return run

    def _never(self, spec: ActionSpec, now: float, why: str) -> None:
        self.sink.append(ActionEvent(t=round(now, 4), id=spec.id, type=spec.type, trigger=spec.trigger.describe(),
                                     what=spec.what, ok=False, error=why, target=spec.target))  # fmt: skip


def _made(make: Callable[[ActionSpec], Action], spec: ActionSpec) -> Action:
    """The performer of ``spec``; one that cannot even be built is a failed action (when it is due)."""
    try:
        return make(spec)
    except Exception as exc:  # noqa: BLE001 - an action that cannot even be built is a failed action
        return _Failed(spec, f"could not prepare it: {type(exc).__name__}: {exc}")


@dataclass
class _Failed:
    """Stands in for an action its type could not build: performing it fails with the reason."""

    spec: ActionSpec
    why: str

    def perform(self, ctx: ActionContext) -> ActionOutcome:
        return ActionOutcome(False, self.why)


def action_context(ctx: FaultContext, endpoints: Mapping[str, str],
                   site_endpoints: Mapping[str, Mapping[str, str]]) -> ActionContext:  # fmt: skip
    """What the run's actions reach: the entry points the probes use, and ``docker exec`` in the run's
    containers through the same engine client the faults use."""
    return ActionContext(dict(endpoints), {site: dict(eps) for site, eps in site_endpoints.items()},
                         ContainerExec(ctx.client, ctx.project))  # fmt: skip
