"""Heal and teardown on every path of the drill lifecycle, against fakes.

    steady state never reached   -> status error, with the capability and its last error
    DrillsError in bring-up      -> status error; what was started is torn down
    engine missing               -> status error; nothing to tear down
    unexpected exception         -> status error; active faults healed; teardown
    a failing heal               -> recorded, heal-all goes on; status error
    a failing teardown           -> status error naming it; the run still finishes
    Ctrl-C, SIGTERM              -> heal, teardown with signals held, DrillInterrupted(result)
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from drills.engine import runs
from drills.engine.lifecycle import (
    ABANDON_REMOVE_UNTIL_S,
    LOG_TAIL_INTERRUPTED,
    DrillInterrupted,
    Interrupted,
    run_drill,
)
from drills.engine.runner import Drill
from drills.errors import EngineUnavailable, FaultError, TeardownError, TopologyError
from drills.model.result import DrillResult
from tests.unit.engine_fakes import FaultScript, RecordingProgress, World, load, run_scenario, saved

pytestmark = pytest.mark.timeout(10)  # a fake clock that stopped advancing must not hang the suite

BASE = """
name: lifecycle-failures
probes: {period: 1s, timeout: 1s, journeys: [chat, login, devtools]}
steady_state: {duration: 2s, min_consecutive: 2, timeout: 10s}
faults:
  - {id: cut-a, type: power_cut, site: a, at: 2s}
  - {id: slow, type: wan, link: edge_b_chat, latency: 50ms, at: 3s}
fault_phase: 10s
settle: 3s
abort: [{capability: chat, down_longer_than: 2s}]
checks: {failover: {enabled: false}}  # a short cut on a fake engine: failover is not what is tested
"""


def phases(tmp_path: Path) -> list[str]:
    return [p.phase for p in saved(tmp_path).phases()]


def heals(tmp_path: Path) -> list[tuple[str, bool]]:
    return [(e.fault, e.ok) for e in saved(tmp_path).faults() if e.action == "heal"]


def assert_finished(tmp_path: Path, world: World, progress: RecordingProgress, torn_down: bool = True) -> None:
    """What every path must leave: teardown and done recorded, no run record, progress closed."""
    assert phases(tmp_path)[-2:] == ["teardown", "done"]
    assert ("down" in world.stack.calls) is torn_down
    assert runs.records() == {}
    assert progress.closed


def test_steady_state_never_reached_is_a_failing_verdict_naming_the_capability(tmp_path: Path) -> None:
    """Issue 9: a system that never gets steady is a finding about the system (exit 1), not exit 3."""
    world, progress = World(), RecordingProgress()
    world.down_until["login"] = (1e9, "HTTP 503")
    result = run_scenario(tmp_path, BASE, world, progress)

    assert result.status == "failed"
    assert result.error == "steady state not reached within 10s: login (HTTP 503)"
    assert phases(tmp_path) == ["bringup", "steady", "verify", "teardown", "done"]
    tl = saved(tmp_path)
    steady, verify = (p.t for p in tl.phases() if p.phase in ("steady", "verify"))
    assert 10.0 <= verify - steady <= 10.0 + 0.2 + 1e-9  # gave up at the timeout, on the fake clock
    assert world.log == []  # no fault was injected
    judged = {v.capability: v.status for v in result.verdicts if v.check == "steady_state"}
    assert judged == {"chat": "pass", "login": "fail", "devtools": "pass"}
    assert {v.check for v in result.verdicts} == {"dualization", "steady_state"}  # nothing else can be judged
    login = next(v for v in result.verdicts if v.check == "steady_state" and v.capability == "login")
    assert "never reached steady state" in login.message and "HTTP 503" in login.message
    assert_finished(tmp_path, world, progress)


def test_a_steady_run_records_that_every_capability_was_steady(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    result = run_scenario(tmp_path, BASE, world, progress)
    assert {v.capability: v.status for v in result.verdicts if v.check == "steady_state"} == {
        "chat": "pass", "login": "pass", "devtools": "pass"}


def test_a_bring_up_error_still_tears_down_what_was_started(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.errors["up"] = TopologyError("`docker compose up` failed: pg-a unhealthy")
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("error", "`docker compose up` failed: pg-a unhealthy")
    assert world.stack.calls == ["up", "logs", "down", "close"]
    assert phases(tmp_path) == ["bringup", "teardown", "done"]
    assert "drill: error: `docker compose up` failed: pg-a unhealthy" in progress.messages
    assert_finished(tmp_path, world, progress)


def test_no_engine_means_nothing_to_tear_down(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.open_error = EngineUnavailable("no Docker engine answers at unix:///var/run/docker.sock")
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("error", "no Docker engine answers at unix:///var/run/docker.sock")
    assert world.stack.calls == []  # neither down nor close: nothing was opened
    assert_finished(tmp_path, world, progress, torn_down=False)


def test_an_unexpected_exception_in_a_fault_heals_it_and_tears_down(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.scripts["slow"] = FaultScript(inject_error=RuntimeError("boom"))
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("error", "unexpected RuntimeError: boom")
    events = [(e.action, e.fault, e.ok, e.error) for e in saved(tmp_path).faults()]
    assert events == [
        ("inject", "cut-a", True, ""),
        ("inject", "slow", False, "boom"),
        ("heal", "slow", True, ""),  # heal-all on the way out, newest first
        ("heal", "cut-a", True, ""),
    ]
    assert world.log[-1][0] == "wan.reset"
    assert any("Traceback" in m and "RuntimeError: boom" in m for m in progress.messages)
    assert_finished(tmp_path, world, progress)


def test_a_failing_heal_is_recorded_and_heal_all_goes_on(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.scripts["slow"] = FaultScript(heal_error=FaultError("toxiproxy unreachable during heal"))
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("error", "toxiproxy unreachable during heal")
    assert heals(tmp_path) == [("slow", False), ("cut-a", True)]  # cut-a healed although slow failed
    assert [e.error for e in saved(tmp_path).faults() if not e.ok] == ["toxiproxy unreachable during heal"]
    assert world.log[-1][0] == "wan.reset"
    assert_finished(tmp_path, world, progress)


def test_heal_all_heals_every_fault_in_one_pass_and_returns_every_error(tmp_path: Path) -> None:
    world = World()
    world.scripts["slow"] = FaultScript(heal_error=FaultError("toxiproxy unreachable"))
    world.stack.errors["wan.reset"] = FaultError("toxiproxy reset: HTTP 500")
    d = Drill(load(tmp_path, BASE), tmp_path / "bundle", RecordingProgress(), world.wiring())
    ctx = world.stack.fault_context()
    d.inject(ctx, "cut-a")
    d.inject(ctx, "slow")

    errors = d.heal_all(ctx)
    d.timeline.close()
    assert [str(e) for e in errors] == ["toxiproxy unreachable", "toxiproxy reset: HTTP 500"]
    assert d.active == {}
    assert heals(tmp_path) == [("slow", False), ("cut-a", True)]


def test_a_failing_wan_reset_is_an_error_too(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.errors["wan.reset"] = FaultError("toxiproxy reset: HTTP 500")
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("error", "toxiproxy reset: HTTP 500")
    assert heals(tmp_path) == [("slow", True), ("cut-a", True)]
    assert_finished(tmp_path, world, progress)


def test_a_failing_heal_after_an_abort_is_an_error_not_a_silent_leftover(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.scripts["cut-a"] = FaultScript(downs={"chat": "connection refused"},
                                         heal_error=FaultError("site a did not come back"))  # fmt: skip
    result = run_scenario(tmp_path, BASE, world, progress)

    assert result.status == "error"
    assert result.error == "site a did not come back"
    assert any(m.startswith("ABORT: chat down for") for m in progress.messages)
    assert heals(tmp_path) == [("slow", True), ("cut-a", False)]
    assert_finished(tmp_path, world, progress)


@pytest.mark.parametrize("earlier", [None, "up"])
def test_a_failing_teardown_is_reported_and_the_run_still_finishes(tmp_path: Path, earlier: str | None) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.errors["down"] = TeardownError("run left ['drills-x_pg-a_1']")
    if earlier:
        world.stack.errors[earlier] = TopologyError("compose up failed")
    result = run_scenario(tmp_path, BASE, world, progress)

    assert result.status == "error"
    if earlier:  # the first error is the one reported
        assert result.error == "compose up failed"
    else:
        assert result.error == "teardown failed: run left ['drills-x_pg-a_1'] (drill sweep removes what is left)"
    assert world.stack.calls[-2:] == ["down", "close"]
    assert_finished(tmp_path, world, progress)


def interrupted(run: object, signum: int = signal.SIGINT) -> DrillResult:
    with pytest.raises(DrillInterrupted) as caught:
        run()  # type: ignore[operator]
    assert isinstance(caught.value.__cause__, KeyboardInterrupt)
    assert caught.value.exit_code == 128 + signum
    return caught.value.result


def assert_abandoned(tmp_path: Path, world: World, progress: RecordingProgress) -> None:
    """An interrupt's end: nothing healed, the logs kept, the stack abandoned (not compose down)."""
    assert heals(tmp_path) == []  # a heal would wait for the cut site to be healthy again
    assert "abandon" in world.stack.calls and "down" not in world.stack.calls
    assert world.stack.calls.index("logs") < world.stack.calls.index("abandon")
    assert world.stack.sigint_at_down == signal.SIG_IGN  # a second Ctrl-C cannot cut the removal short
    assert_finished(tmp_path, world, progress, torn_down=False)


def test_ctrl_c_abandons_without_healing_with_signals_held_and_raises_the_result(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.scripts["slow"] = FaultScript(inject_error=Interrupted(signal.SIGINT))
    before = signal.getsignal(signal.SIGINT)
    result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress))

    assert result.status == "interrupted"
    assert result.exit_code() == 130
    assert result.error == ("interrupted by SIGINT during fault with cut-a, slow still injected; "
                            "abandoned: the stack was removed")  # fmt: skip
    injects = [(e.fault, e.ok, e.error) for e in saved(tmp_path).faults() if e.action == "inject"]
    assert injects == [("cut-a", True, ""), ("slow", False, "signal 2")]  # the attempt is recorded
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler is back afterwards
    assert "drill: interrupted by SIGINT: removing the stack" in progress.messages
    assert_abandoned(tmp_path, world, progress)


def test_an_interrupted_run_keeps_the_verdicts_its_partial_timeline_supports(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.scripts["slow"] = FaultScript(inject_error=Interrupted(signal.SIGINT))
    result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress))
    judged = {v.name: v.status for v in result.verdicts}
    assert judged.get("rpo[*]") is not None or judged.get("availability[chat]") is not None, judged
    assert result.status == "interrupted"  # whatever the verdicts say


class SigtermNotHandled(Exception):
    pass


@pytest.fixture
def sigterm_guard() -> Iterator[object]:
    """Stands in for SIGTERM's default action (killing pytest) while the test runs."""

    def guard(signum: int, frame: FrameType | None) -> None:
        raise SigtermNotHandled("SIGTERM reached the handler that was installed before the drill")

    previous = signal.signal(signal.SIGTERM, guard)
    try:
        yield guard
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_sigterm_abandons_the_run_and_exits_143(tmp_path: Path, sigterm_guard: object) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.hooks["describe"] = lambda: signal.raise_signal(signal.SIGTERM)
    result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress), signal.SIGTERM)

    assert result.error == "interrupted by SIGTERM during bringup; abandoned: the stack was removed"
    assert world.stack.calls == ["up", "endpoints", "site_endpoints", "fault_context", "describe", "logs", "abandon",
                                 "close"]  # fmt: skip
    assert signal.getsignal(signal.SIGTERM) is sigterm_guard  # the caller's handler is back
    assert_finished(tmp_path, world, progress, torn_down=False)


def test_ctrl_c_is_heard_even_when_the_drill_was_started_with_sigint_ignored(tmp_path: Path) -> None:
    """A background job of a non-interactive shell inherits SIGINT ignored; `kill -INT` must still stop it."""
    world, progress = World(), RecordingProgress()
    world.stack.hooks["describe"] = lambda: signal.raise_signal(signal.SIGINT)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress))
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # the caller's disposition is back
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.error == "interrupted by SIGINT during bringup; abandoned: the stack was removed"
    assert world.stack.calls == ["up", "endpoints", "site_endpoints", "fault_context", "describe", "logs", "abandon",
                                 "close"]  # fmt: skip
    assert_finished(tmp_path, world, progress, torn_down=False)


def test_a_failing_removal_on_interrupt_is_named_in_the_error(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.hooks["describe"] = lambda: signal.raise_signal(signal.SIGINT)
    world.stack.errors["abandon"] = TeardownError("run x left ['pg-a']")
    result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress))
    assert result.error.endswith("removing the stack failed: run x left ['pg-a'] (drill sweep removes what is left)")


def test_probes_sampling_too_slowly_make_the_run_an_error_that_says_why(tmp_path: Path) -> None:
    """Issue 9: below 90% of the declared rate the drill did not measure what it claims: error, not pass."""
    world, progress = World(), RecordingProgress()
    world.clock.late_every = 2  # half the ticks start two periods late
    result = run_scenario(tmp_path, BASE, world, progress)
    assert result.status == "error"
    assert "sampling" in result.error or "Hz" in result.error, result.error
    assert any(v.check == "sampling_rate" and v.status == "fail" for v in result.verdicts)
    assert_finished(tmp_path, world, progress)


@pytest.mark.parametrize("stop", [None, signal.SIGTERM])
def test_the_result_is_kept_with_signals_ignored_before_the_record_is_dropped(tmp_path: Path, stop: int | None) -> None:
    """A runner killed between its teardown and its bundle's result leaves its record behind, so the next
    command finalises the bundle; a second SIGTERM while the result is written cannot cut it short."""
    world = World()
    if stop is not None:
        world.scripts["slow"] = FaultScript(inject_error=Interrupted(stop))
    kept: list[tuple[str, list[str], object]] = []

    def keep(result: DrillResult) -> None:
        kept.append((result.status, list(runs.records()), signal.getsignal(signal.SIGTERM)))

    def run() -> DrillResult:
        scenario = load(tmp_path, BASE)
        return run_drill(scenario, tmp_path / "bundle", RecordingProgress(), wiring=world.wiring(), keep=keep)

    result = interrupted(run, stop) if stop is not None else run()
    assert kept == [(result.status, [result.run_id], signal.SIG_IGN)]
    assert (result.status == "interrupted") == (stop is not None)
    assert runs.records() == {}  # dropped once the result is kept


def test_a_result_that_cannot_be_written_is_the_callers_error_and_the_record_is_dropped(tmp_path: Path) -> None:
    def keep(result: DrillResult) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        run_drill(load(tmp_path, BASE), tmp_path / "bundle", RecordingProgress(), wiring=World().wiring(), keep=keep)
    assert runs.records() == {}  # not a killed run for the next command to finalise


def test_an_interrupt_gives_the_removal_what_is_left_of_its_seconds_then_the_reaper(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.stack.hooks["describe"] = lambda: signal.raise_signal(signal.SIGINT)
    world.stack.handed_over = "the run's reaper is removing what is left of the stack (not done within 2.9s)"
    result = interrupted(lambda: run_scenario(tmp_path, BASE, world, progress))
    within = world.stack.abandon_within
    assert within is not None and 0.5 <= within <= ABANDON_REMOVE_UNTIL_S  # counted from the signal
    assert result.error == ("interrupted by SIGINT during bringup; abandoned: the run's reaper is removing what is "
                            "left of the stack (not done within 2.9s)")  # fmt: skip
    assert f"drill: {world.stack.handed_over}" in progress.messages
    logs = (tmp_path / "bundle" / "logs" / "pg-a.log").read_text()
    assert logs == f"pg-a said this (last {LOG_TAIL_INTERRUPTED} lines)\n"  # fewer: the removal has seconds
