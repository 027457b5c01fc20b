"""The drill's moving parts: its clock, phases, probes, fault schedule and heal-all.

Time comes only from the run's :class:`drills.engine.clock.Clock` (``wiring.clock``): ``t`` of
every record is ``clock.monotonic() - t0``, waits are ``clock.sleep``, ``t0_utc`` is
``clock.utc_now()``. Probes, their loops and faults come from the run's
:class:`drills.engine.stack.Wiring`, so the whole lifecycle runs against fakes in unit tests.

    bringup   sweep stale runs, compose up (one project per run, labelled with the run id)
    steady    probes start; gate: every capability N consecutive successes, then `duration`
    fault     play the plan (inject/heal at offsets) and the operator actions (each in a thread
              of its own: engine/actions.py); abort rules watched; ends with heal-all, once no
              action performs any more (each awaited until its deadline)
    heal      from the start of the heal that leaves no fault active (the last one) until the
              restored site is back (the heal returned): the recovery window
    settle    keep probing after heal-all
    verify    stop probes, read every ledger back (RPO)
    teardown  heal anything still active, compose down, forget the run

Record first, judge later: probes and faults only append to the timeline file;
checks run after teardown on the saved timeline (see lifecycle.py, which
sequences these phases and owns heal/teardown on every path).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from drills.checks import should_abort
from drills.engine import runs
from drills.engine.actions import ActionRunner, action_context
from drills.engine.plan import HEAL_ALL, Step, due_steps, next_step_at, plan
from drills.engine.progress import LiveState, Progress
from drills.engine.stack import Load, ProbeRunner, Wiring
from drills.faults import Fault, FaultContext, site_cut
from drills.model.scenario import Scenario
from drills.model.timeline import FaultEvent, Phase, ProbeStart, TimelineWriter
from drills.probes import LedgerProbe, build_site_probes

TICK_S = 0.2
ABORT_EVERY_S = 1.0  # abort limits are tens of seconds: judging them each second is plenty (the
# judgement builds the capability's signal from the timeline; at every tick it was the runner's
# largest CPU cost, ~40 % of it in a default drill, measured with py-spy)
BASELINE_TOXIC = "drills-wan-latency"  # + "-downstream" / "-upstream": the WAN's baseline latency
EPSILON_S = 1e-6  # a step due within this is due now: float rounding of the clock must not spin a loop


class SteadyStateNotReached(Exception):
    """The system under test never reached steady state: a finding about the system (judged by the
    steady_state check), not an environment failure."""


@dataclass
class Drill:
    """State of one run; :func:`drills.engine.lifecycle.run_drill` plays it phase by phase."""

    scenario: Scenario
    bundle_dir: Path
    progress: Progress
    wiring: Wiring = field(default_factory=Wiring)
    run_id: str = ""
    active: dict[str, Fault] = field(default_factory=dict)
    loops: list[ProbeRunner] = field(default_factory=list)
    stop_probes: threading.Event = field(default_factory=threading.Event)
    phase_marks: list[tuple[str, float]] = field(default_factory=list)
    aborted: str = ""
    abort_checked: float = float("-inf")
    steady_failed: str = ""  # why the steady-state gate gave up ("" when it opened)
    environment: dict[str, object] = field(default_factory=dict)
    load: Load | None = None
    endpoints: dict[str, str] = field(default_factory=dict)  # the edge's, per capability (what actions call)
    site_endpoints: dict[str, dict[str, str]] = field(default_factory=dict)  # each site's own
    actions: ActionRunner | None = None  # the operator actions, from the start of the fault phase

    def __post_init__(self) -> None:
        self.clock = self.wiring.clock
        self.t0_utc: datetime = self.clock.utc_now()
        self.run_id = self.run_id or runs.new_run_id(self.scenario.name, self.t0_utc)
        self.project = f"drills-{self.run_id}"
        self.timeline = TimelineWriter(self.bundle_dir / "timeline.jsonl")
        self.t0 = self.clock.monotonic()

    # -- clock and records ---------------------------------------------------------------
    def now(self) -> float:
        return self.clock.monotonic() - self.t0

    def phase(self, name: str) -> None:
        t = round(self.now(), 4)
        self.phase_marks.append((name, t))
        self.timeline.append(Phase(t=t, phase=name))
        self._show(note="")

    def _show(self, note: str = "") -> None:
        caps = {lp.probe.capability: lp.last_ok for lp in self.loops if not getattr(lp.probe, "via", "")}
        for cap in self.scenario.capabilities:
            caps.setdefault(cap, None)
        self.progress.update(LiveState(self.phase_marks[-1][0] if self.phase_marks else "start", self.now(),
                                       list(self.active), caps, note))  # fmt: skip

    def wait(self, seconds: float, watch_abort: bool = False) -> None:
        end = self.now() + seconds
        while (left := end - self.now()) > EPSILON_S:
            self.clock.sleep(min(TICK_S, left))
            self._show()
            if watch_abort and self._check_abort():
                return

    def _check_abort(self) -> bool:
        if self.aborted or not self.scenario.abort:
            return bool(self.aborted)
        if self.now() - self.abort_checked < ABORT_EVERY_S:
            return False
        self.abort_checked = self.now()
        reason = should_abort(self.timeline.snapshot(), self.scenario.abort, self.now())
        if reason:
            self.aborted = reason
            self.progress.message(f"ABORT: {reason}; healing early")
        return bool(reason)

    # -- faults ----------------------------------------------------------------------------
    def _fault_event(
        self, action: str, fid: str, fault: Fault, exc: BaseException | None, t: float, hit: float | None = None
    ) -> None:
        """``t``: when the action started; ``hit``: its first destructive call; ``end``: now (it returned).

        RTO counts from ``hit`` (see :class:`drills.model.timeline.FaultEvent`), not from ``t``.
        """
        error = "" if exc is None else str(exc) or type(exc).__name__
        self.timeline.append(FaultEvent(t=round(t, 4), action=action, fault=fid,  # type: ignore[arg-type]
                                        type=fault.spec.type, target=fault.spec.target,
                                        ok=exc is None, error=error, end=round(self.now(), 4),
                                        destructive_t=None if hit is None else round(hit, 4),
                                        cut_site=site_cut(fault.spec)))  # fmt: skip

    def inject(self, ctx: FaultContext, fid: str) -> None:
        spec = self.scenario.fault(fid)
        if spec is None:  # the plan only names the scenario's faults
            raise ValueError(f"fault {fid!r} is not in scenario {self.scenario.name}")
        fault = self.wiring.make_fault(spec)
        self.active[fid] = fault
        hits: list[float] = []

        def destructive() -> None:  # the fault's first destructive call is being made now
            if not hits:
                hits.append(self.now())

        previous, ctx.on_destructive = ctx.on_destructive, destructive
        t = self.now()
        try:
            fault.inject(ctx)
        except BaseException as exc:  # Ctrl-C mid-inject too: the attempt is on the timeline
            self._fault_event("inject", fid, fault, exc, t, hits[0] if hits else None)
            raise
        finally:
            ctx.on_destructive = previous
        self._fault_event("inject", fid, fault, None, t, hits[0] if hits else None)

    def heal(self, ctx: FaultContext, fid: str) -> Exception | None:
        fault = self.active.pop(fid, None)
        if fault is None:
            return None
        t = self.now()
        try:
            fault.heal(ctx)
        except Exception as exc:  # noqa: BLE001 - heal-all must go on to the next fault; the error is recorded
            self._fault_event("heal", fid, fault, exc, t)
            return exc
        self._fault_event("heal", fid, fault, None, t)
        return None

    def _healing(self) -> None:
        """The recovery window starts: the heal that leaves no fault active begins."""
        if self.active and (not self.phase_marks or self.phase_marks[-1][0] != "heal"):
            self.phase("heal")

    def heal_all(self, ctx: FaultContext) -> list[Exception]:
        self._healing()
        errors = [e for fid in reversed(list(self.active)) if (e := self.heal(ctx, fid)) is not None]
        try:
            ctx.wan.reset()  # belt and braces: every link enabled, every toxic gone
            self.wan_baseline(ctx)  # ... then the WAN's own latency again
        except Exception as exc:  # noqa: BLE001 - recorded; teardown follows regardless
            errors.append(exc)
        return errors

    def play(self, ctx: FaultContext) -> None:
        p = plan(self.scenario)
        start = self.now()
        self.actions = ActionRunner(self.scenario.actions, start, self.wiring.make_action,
                                    action_context(ctx, self.endpoints, self.site_endpoints), self.timeline,
                                    self.timeline.snapshot, self.now, TICK_S)  # fmt: skip
        done = 0
        while done < len(p.steps):
            for step in due_steps(p, self.now() - start + EPSILON_S, done):
                if step.action == "heal_all":  # ... once no action performs any more
                    self.actions.settle(lambda s: self.wait(s, watch_abort=True), lambda: bool(self.aborted))
                    if self.aborted:
                        return
                last = not any(st.action == "inject" for st in p.steps[done + 1 :])
                self._apply(ctx, step, last)
                done += 1
            if self.aborted:
                return
            for run in self.actions.poll(self.now()):
                self.progress.message(f"action {run.spec.id} ({run.spec.trigger.describe()}): {run.spec.what}")
            nxt = next_step_at(p, done)
            if nxt is None:
                break
            action_at = self.actions.next_at()
            wake = start + nxt if action_at is None else min(start + nxt, action_at)
            self.wait(min(TICK_S, max(0.0, wake - self.now())), watch_abort=True)

    def _apply(self, ctx: FaultContext, step: Step, last: bool = False) -> None:
        """``last``: no inject follows this step (a heal that empties the active set starts recovery)."""
        if step.action == "inject":
            self.inject(ctx, step.fault)
        elif step.action == "heal":
            if last and list(self.active) == [step.fault]:
                self._healing()
            if (exc := self.heal(ctx, step.fault)) is not None:
                raise exc
        elif step.fault == HEAL_ALL:
            errors = self.heal_all(ctx)
            if errors:
                raise errors[0]
        self._show()

    # -- probes ----------------------------------------------------------------------------
    def start_probes(self, endpoints: dict[str, str], site_endpoints: dict[str, dict[str, str]] | None = None) -> None:
        """The edge probes at ``probes.period``, then (unless ``probes.per_site`` is off) each journey
        through each site's own entry point at ``probes.per_site.period``; a (site, journey) with
        no entry point is recorded as a probe that could not start."""
        spec = self.scenario.probes
        self.endpoints, self.site_endpoints = dict(endpoints), dict(site_endpoints or {})
        probes = self.wiring.build_probes(spec, endpoints, self.now, self.run_id)
        self.loops = [self.wiring.probe_loop(p, self.timeline, self.now, spec.period, self.stop_probes,
                                            spec.timeout) for p in probes]  # fmt: skip
        if spec.per_site and site_endpoints is not None:
            site_probes, missing = build_site_probes(spec, self.scenario.topology.sites, site_endpoints, self.now,
                                                     self.run_id, self.wiring.build_probes)  # fmt: skip
            for u in missing:
                self.timeline.append(ProbeStart(t=round(self.now(), 4), probe=u.name, capability=u.journey,
                                                period=spec.site_period, timeout=spec.timeout, max_in_flight=0,
                                                via=u.site, error=u.reason))  # fmt: skip
            self.loops += [self.wiring.probe_loop(p, self.timeline, self.now, spec.site_period, self.stop_probes,
                                                  spec.timeout) for p in site_probes]  # fmt: skip
        for lp in self.loops:
            lp.start()
        load = self.scenario.load
        if load.writers > 0 and {"chat", "login"} <= set(endpoints):
            self.load = self.wiring.write_load(endpoints, self.timeline, self.now, load, spec.timeout, self.run_id,
                                               self.stop_probes)  # fmt: skip
            self.load.start()

    def stop_all_probes(self, within: float | None = None) -> None:
        """Stop every probe loop and the write load; each gets ``3 * probes.timeout + 5`` s to end,
        or all of them ``within`` seconds together (an interrupt: a sample still in flight then
        ends after the timeline closed and is counted late, never recorded)."""
        self.stop_probes.set()
        each = self.scenario.probes.timeout * 3 + 5
        deadline = None if within is None else self.clock.monotonic() + within

        def patience() -> float:
            return each if deadline is None else max(0.0, deadline - self.clock.monotonic())

        for lp in self.loops:
            lp.join(patience())
        self.environment["probes"] = {
            lp.probe.name: {"samples": lp.count, "cpu_s": round(lp.cpu_s, 3)} for lp in self.loops
        }
        if self.load is not None:
            self.load.join(patience())
            self.environment["load"] = self.load.summary()

    def steady_gate(self) -> None:
        """Every capability ``min_consecutive`` ok samples in a row (within ``timeout``), then ``duration``."""
        ss = self.scenario.steady_state
        deadline = self.now() + ss.timeout
        while bad := self._not_steady(ss.min_consecutive):
            if self.now() >= deadline:
                raise SteadyStateNotReached(f"steady state not reached within {ss.timeout:.0f}s: {', '.join(bad)}")
            self.clock.sleep(TICK_S)
        self.wait(ss.duration)

    def _not_steady(self, n: int) -> list[str]:
        """The capabilities whose last ``n`` samples are not all ok, each with its last error."""
        self._show("waiting for steady state")
        tl = self.timeline.snapshot()
        bad = []
        for cap in self.scenario.capabilities:
            tail = tl.samples(cap)[-n:]
            if len(tail) < n or not all(s.ok for s in tail):
                last = tail[-1].error if tail else "no sample yet"
                bad.append(f"{cap} ({last or 'recovering'})")
        return bad

    def read_back(self) -> None:
        for lp in self.loops:
            if isinstance(lp.probe, LedgerProbe):
                for rb in lp.probe.read_back():
                    self.timeline.append(rb)
        if self.load is not None:
            for rb in self.load.read_back():
                self.timeline.append(rb)

    # -- the WAN's baseline ------------------------------------------------------------------
    def wan_baseline(self, ctx: FaultContext) -> None:
        """Add ``wan.inter_site_latency`` (one way, both directions) to every link between two sites.

        Applied at bring-up and again after heal-all's WAN reset (which removes every toxic)."""
        latency = self.scenario.wan.inter_site_latency
        topo = self.scenario.topology
        links = sorted({lk.name for x in topo.sites for y in topo.sites if x < y for lk in topo.links_between(x, y)})
        if latency <= 0 or not links:
            return
        ms = round(latency * 1000)
        for link in links:
            for stream in ("downstream", "upstream"):
                ctx.wan.add_toxic(link, f"{BASELINE_TOXIC}-{stream}", "latency", {"latency": ms, "jitter": 0}, stream)
        self.environment["wan_baseline"] = {"inter_site_latency_ms": ms, "links": links}
