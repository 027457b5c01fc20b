"""Operator actions while the drill runs: when each is due, its thread, its record, its verdict.

    schedule     pure, on literal timelines: an at-trigger fires once at its time; a when-trigger
                 after exactly down_for of failures (not before, not on a flapping signal); a
                 condition that never holds is given up; conditions are read at most once a tick
    runner       the lifecycle on fakes (engine_fakes): records in the saved timeline, a slow
                 action never delays the plan, the fault phase waits for a running action (until
                 its deadline), an action that raises is a failed action and heal-all still runs,
                 Ctrl-C mid-action still heals and tears down
    activation   the check on literal timelines: pass, fail (error, over target, never triggered),
                 unknown (no record, unfinished), disabled; and its plain-words finding

The action types themselves: test_actions.py.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from drills.actions import ActionOutcome
from drills.checks import down_since, evaluate
from drills.checks.activation import ActivationTargets
from drills.checks.activation import check as activation
from drills.checks.common import CheckInput
from drills.engine.actions import ActionRun, ActionRunner, ActionSchedule
from drills.engine.lifecycle import DrillInterrupted
from drills.engine.runner import TICK_S
from drills.model.result import DrillResult
from drills.model.scenario import ActionReach, ActionSpec, CheckSpec, Targets, Trigger
from drills.model.timeline import ActionEvent, FaultEvent, ProbeStart, Sample, Timeline
from drills.report.formats.junit import render_junit
from drills.report.view import findings
from tests.unit.engine_fakes import SHORT_CUT, ActionScript, FaultScript, World, run_scenario, saved

pytestmark = pytest.mark.timeout(20)


class Params:
    """The params of a scheduled action: what it does does not matter to the schedule."""

    def describe(self) -> str:
        return "POST /ops/failover through devtools (edge)"

    def limit(self) -> float:
        return 2.0

    def reach(self) -> ActionReach:
        return ActionReach("capability", "devtools")


def spec(trigger: Trigger, aid: str = "activate-b") -> ActionSpec:
    return ActionSpec(aid, "http", trigger, Params())


# -- the schedule ------------------------------------------------------------------------------------

START = 10.0  # the fault phase starts at t=10 in every literal timeline here


def chat(states: str, every: float = 0.5, first: float = 10.0) -> list[Sample]:
    """Chat samples ``every`` seconds from ``first``: ``+`` ok, ``-`` failed."""
    return [Sample(t=first + i * every, probe="chat", capability="chat", ok=c == "+", latency=0.01,
                   error="" if c == "+" else "HTTP 503", intended=first + i * every)
            for i, c in enumerate(states)]  # fmt: skip


def poll_until(schedule: ActionSchedule, samples: list[Sample], now: float) -> tuple[list[str], list[str]]:
    """Poll at ``now`` with the samples taken by then, as the runner does."""
    tl = Timeline((ProbeStart(t=0.0, probe="chat", capability="chat", period=0.5, timeout=1.0, max_in_flight=3),
                   *(s for s in samples if s.t <= now)))  # fmt: skip

    def since(cap: str, down_for: float) -> float | None:
        return down_since(tl, cap, now, look_back=down_for + 1.0)

    due, expired = schedule.poll(now, since)
    return [s.id for s in due], [s.id for s in expired]


def test_an_at_trigger_fires_once_at_its_time() -> None:
    schedule = ActionSchedule([spec(Trigger(at=5.0))], START)
    assert schedule.next_at() == 15.0
    assert poll_until(schedule, [], 14.9) == ([], [])
    assert poll_until(schedule, [], 15.0) == (["activate-b"], [])
    assert poll_until(schedule, [], 15.2) == ([], [])  # once
    assert schedule.next_at() is None


def test_a_when_trigger_fires_after_exactly_down_for_of_failures_not_before() -> None:
    samples = chat("+" * 20 + "-" * 20)  # ok until 19.5, failing from 20.0
    schedule = ActionSchedule([spec(Trigger(capability="chat", down_for=3.0, until=20.0))], START)
    assert schedule.next_at() is None  # a condition has no time
    for now in (19.9, 20.0, 22.0, 22.9, 22.99):
        assert poll_until(schedule, samples, now) == ([], []), now
    assert poll_until(schedule, samples, 23.0) == (["activate-b"], [])
    assert poll_until(schedule, samples, 24.0) == ([], [])  # once


def test_a_flapping_signal_restarts_the_count() -> None:
    samples = chat("+" * 20 + "---+" + "-" * 20)  # down 20.0-21.5, up at 21.5, down again from 22.0
    schedule = ActionSchedule([spec(Trigger(capability="chat", down_for=3.0, until=20.0))], START)
    assert poll_until(schedule, samples, 23.0) == ([], [])  # 3 s after the first failure, but it came back
    assert poll_until(schedule, samples, 24.9) == ([], [])
    assert poll_until(schedule, samples, 25.0) == (["activate-b"], [])


def test_a_condition_that_never_holds_is_given_up_at_its_timeout() -> None:
    samples = chat("+" * 40)
    schedule = ActionSchedule([spec(Trigger(capability="chat", down_for=3.0, until=8.0))], START)
    assert poll_until(schedule, samples, 17.9) == ([], [])
    assert poll_until(schedule, samples, 18.0) == ([], ["activate-b"])
    assert schedule.pending == []


def test_conditions_are_not_read_when_the_runner_does_not_ask() -> None:
    schedule = ActionSchedule([spec(Trigger(capability="chat", down_for=1.0, until=20.0))], START)
    assert schedule.poll(30.0, None) == ([], [])  # no reading this time: neither due nor given up early
    assert schedule.pending != []


def test_the_runner_reads_conditions_at_most_once_a_tick() -> None:
    reads: list[float] = []
    now = [START]

    def snapshot() -> Timeline:
        reads.append(now[0])
        return Timeline()

    runner = ActionRunner([spec(Trigger(capability="chat", down_for=1.0, until=20.0))], START,
                          Never, None,  # type: ignore[arg-type]
                          [], snapshot, lambda: now[0], TICK_S)  # fmt: skip
    for t in (10.0, 10.05, 10.1, 10.19, 10.2, 10.25, 10.4):
        now[0] = t
        assert runner.poll(t) == []  # nothing is due
    assert reads == [10.0, 10.2, 10.4]


@dataclass
class Never:
    """A performer that must never perform."""

    spec: ActionSpec

    def perform(self, ctx: object) -> ActionOutcome:
        pytest.fail("nothing is due")


@dataclass
class Preparing:
    """A performer that prepares when the fault phase starts (or breaks doing so)."""

    spec: ActionSpec
    log: list[str]
    breaks: bool = False

    def prepare(self, ctx: object) -> None:
        self.log.append(f"prepare {self.spec.id}")
        if self.breaks:
            raise RuntimeError("no session")

    def perform(self, ctx: object) -> ActionOutcome:
        self.log.append(f"perform {self.spec.id}")
        return ActionOutcome(True)


def test_the_runner_makes_and_prepares_every_action_when_the_fault_phase_starts() -> None:
    log: list[str] = []
    sink: list[Any] = []
    specs = [spec(Trigger(at=1.0), "early"), spec(Trigger(at=2.0), "broken")]
    runner = ActionRunner(specs, START, lambda s: Preparing(s, log, breaks=s.id == "broken"), None,  # type: ignore[arg-type]
                          sink, Timeline, lambda: START, TICK_S)  # fmt: skip
    assert log == ["prepare early", "prepare broken"]  # both before anything is due
    for run in runner.poll(START + 2.0):
        run.thread.join(5)
    assert log[2:] == ["perform early"]  # the one that broke preparing is a failed action, never performed
    assert sorted((r.id, r.ok, r.error) for r in sink) == [
        ("broken", False, "could not prepare it: RuntimeError: no session"), ("early", True, "")]


def test_an_abandoned_run_keeps_its_one_record_when_the_answer_comes_late() -> None:
    sink: list[object] = []
    release = threading.Event()

    class Slow:
        def perform(self, ctx: object) -> ActionOutcome:
            release.wait(5)
            return ActionOutcome(True, status=200)

    run = ActionRun(spec(Trigger(at=1.0)), Slow(), None, sink, lambda: 12.0, 11.0)  # type: ignore[arg-type]
    run.start()
    assert not run.join(0.01) and not run.finished
    run.abandon("given up")
    release.set()
    run.thread.join(5)
    assert [(r.t, r.triggered_t, r.ok, r.end, r.error) for r in sink] == [  # type: ignore[attr-defined]
        (12.0, 11.0, False, None, "given up")]
    assert run.finished


# -- the runner, on the lifecycle's fakes -----------------------------------------------------------

BASE = "\nname: actions-run\n" + SHORT_CUT + "actions:\n"
ACTIVATE = ("  - {id: activate-b, type: http, when: {capability: chat, down_for: 2s}, capability: devtools, "
            "path: /ops/failover, target: 5s}\n")  # fmt: skip
AT_1S = "  - {id: early, type: http, at: 1s, capability: devtools, path: /ops/check}\n"


def phase_at(tmp_path: Path, name: str) -> float:
    [t] = [p.t for p in saved(tmp_path).phases() if p.phase == name]
    return t


def record(tmp_path: Path, aid: str) -> ActionEvent:
    [rec] = [a for a in saved(tmp_path).actions() if a.id == aid]
    return rec


def verdict(result: DrillResult, aid: str) -> tuple[str, str]:
    [v] = [v for v in result.verdicts if v.name == f"activation[{aid}]"]
    return v.status, v.message


def test_actions_run_in_the_fault_phase_and_their_records_are_judged(tmp_path: Path) -> None:
    world = World()
    world.scripts["cut-a"] = FaultScript(downs={"chat": "HTTP 503"})
    result = run_scenario(tmp_path, BASE + ACTIVATE + AT_1S, world)

    fault = phase_at(tmp_path, "fault")
    early = record(tmp_path, "early")
    assert early.t == pytest.approx(fault + 1.0) and early.triggered_t == pytest.approx(fault + 1.0)
    assert (early.trigger, early.what, early.ok, early.status) == ("at 1s", "POST /ops/check through devtools (edge)",
                                                                  True, 200)  # fmt: skip
    assert early.end is not None and early.end >= early.t
    first_down = next(s.t for s in saved(tmp_path).samples("chat") if not s.ok)
    act = record(tmp_path, "activate-b")
    assert act.trigger == "chat down for 2s" and act.target == 5.0
    assert act.triggered_t is not None
    assert first_down + 2.0 <= act.triggered_t <= first_down + 2.0 + TICK_S + 1e-6  # not before, within a tick
    assert [a.id for a in saved(tmp_path).actions()] == ["early", "activate-b"]
    assert verdict(result, "early")[0] == "pass"
    status, message = verdict(result, "activate-b")
    assert status == "pass" and "activated" in message and "after cut-a hit at" in message
    assert [v.name for v in result.verdicts if v.status != "pass"] == ["availability[chat]"]  # a real 4 s outage


def test_a_condition_that_never_holds_is_recorded_as_never_triggered(tmp_path: Path) -> None:
    world = World()  # chat never goes down
    result = run_scenario(tmp_path, BASE + ACTIVATE.replace("down_for: 2s}", "down_for: 2s, timeout: 5s}"), world)
    rec = record(tmp_path, "activate-b")
    assert (rec.triggered_t, rec.end, rec.ok) == (None, None, False)
    assert rec.t == pytest.approx(phase_at(tmp_path, "fault") + 5.0, abs=TICK_S)
    assert rec.error == "chat was not down for 2s by 5s into the fault phase"
    never = "activate-b: POST /ops/failover through devtools (edge) never triggered: chat was not down for 2s by 5s"
    assert verdict(result, "activate-b") == ("fail", never + " into the fault phase")
    assert result.status == "failed"


def test_a_slow_action_does_not_delay_the_fault_plan(tmp_path: Path) -> None:
    world = World()
    injected = lambda: any(a == "inject" and f == "cut-a" for a, f, _ in world.log)  # noqa: E731
    world.action_scripts["early"] = ActionScript(wait_for=injected)  # it answers once cut-a is in
    run_scenario(tmp_path, BASE + AT_1S, world)

    fault = phase_at(tmp_path, "fault")
    [inject] = [e for e in saved(tmp_path).faults() if e.action == "inject"]
    assert inject.t == pytest.approx(fault + 2.0)  # on time, while the action was still performing
    rec = record(tmp_path, "early")
    assert rec.ok, rec.error  # it saw the inject: the plan went on while it waited
    assert rec.t == pytest.approx(fault + 1.0) and rec.end is not None and rec.end >= inject.t


def test_the_fault_phase_waits_for_a_running_action_before_heal_all(tmp_path: Path) -> None:
    world = World()
    at_8s = AT_1S.replace("at: 1s", "at: 8s")
    fault_end: list[float] = []

    def past_the_phase_end() -> bool:  # answers 1 s after the fault phase would have ended
        if not fault_end:
            fault_end.extend(t + 10.0 for a, _, t in world.log if a == "action")
        return world.clock.monotonic() >= fault_end[0] + 1.0

    world.action_scripts["early"] = ActionScript(wait_for=past_the_phase_end)
    run_scenario(tmp_path, BASE + at_8s, world)

    rec = record(tmp_path, "early")
    assert rec.ok and rec.end is not None
    assert rec.end >= phase_at(tmp_path, "fault") + 10.0 + 1.0 - 1e-6
    reset = [t for a, _, t in world.log if a == "wan.reset"]
    assert reset and reset[0] >= rec.end  # heal-all came after the action's answer
    assert phase_at(tmp_path, "settle") >= rec.end


def test_an_action_past_its_deadline_is_given_up_and_its_late_answer_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World()
    release = threading.Event()
    world.action_scripts["slow"] = script = ActionScript(wait_for=release.is_set, patience=10.0)
    crashed: list[object] = []
    monkeypatch.setattr(threading, "excepthook", crashed.append)
    slow = "  - {id: slow, type: exec, at: 8s, service: devtools, site: b, command: [sleep, '60'], timeout: 1s}\n"
    result = run_scenario(tmp_path, BASE + slow, world)
    release.set()  # it answers now, after the drill closed its timeline
    assert script.answered.wait(5)
    time.sleep(0.05)  # its thread goes on to record the answer: it was given up on, so that is dropped

    assert crashed == []
    rec = record(tmp_path, "slow")  # one record still
    assert (rec.ok, rec.end) == (False, None)
    assert rec.error.startswith("still running 2s after it started, past its own timeouts: given up")
    assert phase_at(tmp_path, "settle") == pytest.approx(rec.t + 1.0 + 1.0, abs=TICK_S)  # its limit + the grace
    assert verdict(result, "slow")[0] == "unknown"


def test_an_action_that_raises_is_a_failed_action_and_heal_all_still_runs(tmp_path: Path) -> None:
    world = World()
    world.action_scripts["early"] = ActionScript(error=RuntimeError("tool crashed"))
    cut = BASE.replace("at: 2s, duration: 4s}", "at: 0s}")  # healed by heal-all only
    result = run_scenario(tmp_path, cut + AT_1S, world)

    rec = record(tmp_path, "early")
    assert (rec.ok, rec.error) == (False, "RuntimeError: tool crashed")
    assert [e.fault for e in saved(tmp_path).faults() if e.action == "heal"] == ["cut-a"]
    assert "down" in world.stack.calls and result.error == ""
    status, message = verdict(result, "early")
    assert status == "fail" and "failed: RuntimeError: tool crashed after" in message
    assert result.status == "failed"


def test_ctrl_c_while_an_action_performs_abandons_the_run_and_records_it(tmp_path: Path) -> None:
    world = World()
    release = threading.Event()
    world.action_scripts["early"] = ActionScript(wait_for=release.is_set, patience=10.0)
    world.scripts["stop"] = FaultScript(inject_error=KeyboardInterrupt())
    stop = "  - {id: stop, type: kill, site: b, service: chat, at: 3s}\n"
    body = BASE.replace("duration: 4s}\n", "duration: 4s}\n" + stop)
    try:
        with pytest.raises(DrillInterrupted):
            run_scenario(tmp_path, body + AT_1S, world)
    finally:
        release.set()
    rec = record(tmp_path, "early")
    assert (rec.ok, rec.end, rec.error) == (False, None, "still running when the drill stopped (interrupted)")
    assert [e.fault for e in saved(tmp_path).faults() if e.action == "heal"] == []  # abandoned, not healed
    assert "abandon" in world.stack.calls and "down" not in world.stack.calls


# -- the activation check ---------------------------------------------------------------------------

CUT = [
    FaultEvent(t=10.0, action="inject", fault="cut-a", type="power_cut", target="site a", end=10.6,
               destructive_t=10.5, cut_site="a"),
    FaultEvent(t=40.0, action="heal", fault="cut-a", type="power_cut", target="site a", end=45.0),
]  # fmt: skip


ACT = ActionEvent(t=16.0, id="activate-b", type="http", trigger="chat down for 5s",
                  what="POST /ops/failover through devtools (edge)", triggered_t=15.9, end=18.0, ok=True, target=10.0,
                  status=200)  # fmt: skip


def act(**kw: Any) -> ActionEvent:
    return replace(ACT, **kw)


def judge(*records: object, targets: Targets | None = None) -> tuple[str, str, float | None, dict[str, object]]:
    inp = CheckInput(Timeline(tuple(records)), "activate-b", targets or Targets(), 0.1)  # type: ignore[arg-type]
    [v] = activation(inp)
    return v.status, v.message, v.measured, v.details


def test_activation_passes_within_target_counting_from_the_active_faults_hit() -> None:
    status, message, measured, details = judge(*CUT, act())
    assert status == "pass" and measured == pytest.approx(7.5)  # 18.0 - 10.5: from the first kill
    assert message == ("activate-b: POST /ops/failover through devtools (edge) succeeded (HTTP 200); activated 7.5s "
                       "after cut-a hit at 10.5s <= target 10s (triggered when chat down for 5s at 15.9s)")
    assert (details["reference"], details["cut_site"], details["outcome"]) == ("cut-a", "a", "activated")


def test_activation_fails_when_the_tool_was_unreachable_naming_why_and_the_lost_site() -> None:
    status, message, measured, details = judge(*CUT, act(ok=False, error="connection refused", status=None))
    assert status == "fail" and measured == pytest.approx(7.5)
    assert message == ("activate-b: POST /ops/failover through devtools (edge) failed: connection refused after 2.0s "
                       "(triggered when chat down for 5s at 15.9s, during cut-a (site a without power))")
    assert details["outcome"] == "failed"


def test_activation_fails_over_its_target() -> None:
    status, message, measured, _ = judge(*CUT, act(end=25.0))
    assert status == "fail" and measured == pytest.approx(14.5)
    assert "activated 14.5s after cut-a hit at 10.5s > target 10s" in message
    assert judge(*CUT, act(end=25.0, target=None))[0] == "pass"  # no target: only success is judged


def test_activation_fails_when_never_triggered() -> None:
    status, message, measured, _ = judge(*CUT, act(triggered_t=None, end=None, ok=False, status=None,
                                                   error="chat was not down for 5s before the fault phase ended"))
    assert (status, measured) == ("fail", None)
    assert message.endswith("never triggered: chat was not down for 5s before the fault phase ended")


def test_activation_is_unknown_without_a_record_or_an_outcome() -> None:
    assert judge(*CUT)[:2] == ("unknown", "activate-b: no record of the action: the run stopped before it was due")
    status, message, _, _ = judge(*CUT, act(end=None, ok=False, error="still running when the drill stopped"))
    assert status == "unknown" and "did not finish: still running when the drill stopped" in message


def test_without_an_active_fault_activation_counts_from_the_trigger() -> None:
    healed_before = [CUT[0], replace(CUT[1], t=12.0)]
    status, message, measured, details = judge(*healed_before, act(t=16.0, triggered_t=15.0, end=17.0))
    assert (status, details["reference"]) == ("pass", "trigger") and measured == pytest.approx(2.0)
    assert "after its trigger at 15.0s" in message


def test_activation_counts_from_the_most_recent_hit_among_active_faults() -> None:
    second = FaultEvent(t=12.0, action="inject", fault="cut-b-link", type="wan", target="a_b_pg", destructive_t=12.0)
    _, message, measured, _ = judge(*CUT, second, act())
    assert measured == pytest.approx(6.0) and "after cut-b-link hit at 12.0s" in message


def test_activation_can_be_disabled_and_is_judged_for_every_declared_action() -> None:
    off = Targets.of(ActivationTargets(enabled=False))
    assert activation(CheckInput(Timeline((act(),)), "activate-b", off, 0.1)) == ()
    verdicts = evaluate(Timeline(), CheckSpec(), 0.1, actions=("activate-b",))
    assert [(v.name, v.status) for v in verdicts if v.check == "activation"] == [("activation[activate-b]", "unknown")]


def test_reports_name_a_failed_action_in_plain_words() -> None:
    [v] = activation(CheckInput(Timeline((*CUT, act(ok=False, error="HTTP 503 no backend", status=503))),
                                "activate-b", Targets(), 0.1))  # fmt: skip
    result = DrillResult(run_id="r", scenario_name="s", scenario_path="s.yaml", scenario_digest="0", status="failed",
                         started_utc="2026-01-01T00:00:00+00:00", ended_utc="2026-01-01T00:01:00+00:00",
                         verdicts=(v,))  # fmt: skip
    [finding] = findings(result)
    assert finding.text.startswith("the operator action activate-b failed: activate-b: POST /ops/failover")
    assert "HTTP 503 no backend (HTTP 503)" not in finding.text
    junit = render_junit(result)
    assert 'name="activation[activate-b]"' in junit and "<failure" in junit


def test_down_since_is_the_signal_the_when_trigger_reads() -> None:
    """The when-trigger and the abort rules read the same signal (drills.checks.down_since)."""
    from drills.engine import actions

    assert vars(actions)["down_since"] is down_since
